// `gsa export` writes a model that plain @tensorflow/tfjs loads: a scratch
// project outside the workspace, where only @tensorflow/tfjs resolves (no
// @gsa package), loads it in its own process and gives gsa predict's outputs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { savedLayerClasses } from '@gsa/backbones';
import { readImageForModel, readModelInfo } from '@gsa/pipeline/node';
import { runGsa, scratchDirectory, sharedFixture } from './cli-test-support.fixture.js';

const { data, run } = sharedFixture();
const scratch = scratchDirectory('cli-portable');

/** Loads model.json + weights with tf.io.fromMemory (plain tfjs has no file:// loader in Node). */
const LOAD_AND_PREDICT = `
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [modelDirectory, imagesFile, shapeJson, outFile] = process.argv.slice(2);
const gsa = await import('@gsa/attention').then(() => 'resolved', (error) => error.code);
const modelJson = JSON.parse(readFileSync(join(modelDirectory, 'model.json'), 'utf8'));
const weightData = Buffer.concat(
  modelJson.weightsManifest.flatMap((group) => group.paths.map((path) => readFileSync(join(modelDirectory, path)))),
);
const model = await tf.loadLayersModel(
  tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
  }),
);
const raw = readFileSync(imagesFile);
const images = tf.tensor4d(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), JSON.parse(shapeJson));
const probabilities = tf.softmax(model.predict(images)).arraySync();
writeFileSync(outFile, JSON.stringify({ gsa, probabilities }));
`;

describe('gsa export: a model for plain @tensorflow/tfjs', () => {
  it('loads and predicts in a project with only @tensorflow/tfjs installed, as gsa predict does', async () => {
    const exported = join(scratch, 'exported');
    expect(runGsa(['export', '--run', run, '--out', exported]).status).toBe(0);
    const topology = (
      JSON.parse(readFileSync(join(exported, 'model.json'), 'utf8')) as {
        modelTopology: unknown;
      }
    ).modelTopology;
    const classes = [...savedLayerClasses(topology)];
    expect(classes).toContain('BatchNormalization'); // the map and the backbone's batch norm
    for (const custom of ['FixedSpatialMap', 'TorchBatchNorm', 'AdaptiveAveragePooling2D']) {
      expect(classes).not.toContain(custom);
    }

    const images = [
      join(data, 'img-0000.png'),
      join(data, 'img-0001.png'),
      join(data, 'img-0002.png'),
    ];
    const info = readModelInfo(exported);
    const pixels = await Promise.all(images.map((image) => readImageForModel(info, image)));
    const batch = new Float32Array(pixels.flatMap((image) => Array.from(image.data)));
    writeFileSync(join(scratch, 'images.f32'), Buffer.from(batch.buffer));

    // The scratch project: outside the workspace, @tensorflow/tfjs its only package.
    const project = join(scratch, 'plain-tfjs-project');
    mkdirSync(join(project, 'node_modules', '@tensorflow'), { recursive: true });
    const require = createRequire(import.meta.url);
    const tfjs = dirname(realpathSync(require.resolve('@tensorflow/tfjs/package.json')));
    symlinkSync(tfjs, join(project, 'node_modules', '@tensorflow', 'tfjs'), 'dir');
    writeFileSync(join(project, 'package.json'), '{ "type": "module", "private": true }\n');
    writeFileSync(join(project, 'predict.mjs'), LOAD_AND_PREDICT);
    const out = join(scratch, 'plain.json');
    const shape = JSON.stringify([images.length, ...info.inputShape]);
    const child = spawnSync(
      process.execPath,
      ['predict.mjs', exported, join(scratch, 'images.f32'), shape, out],
      { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.status).toBe(0);
    const plain = JSON.parse(readFileSync(out, 'utf8')) as {
      gsa: string;
      probabilities: number[][];
    };
    expect(plain.gsa).toBe('ERR_MODULE_NOT_FOUND'); // no gsa package in reach

    const predicted = runGsa(['predict', '--model', exported, ...images, '--json']);
    expect(predicted.status).toBe(0);
    const predictions = JSON.parse(predicted.stdout) as { probabilities: Record<string, number> }[];
    predictions.forEach((prediction, index) => {
      info.classNames.forEach((className, column) => {
        expect(
          Math.abs(prediction.probabilities[className]! - plain.probabilities[index]![column]!),
        ).toBeLessThan(1e-5);
      });
    });
  });

  it('--format gsa copies model/ as the run saved it', () => {
    const copied = join(scratch, 'as-saved');
    const result = runGsa(['export', '--run', run, '--out', copied, '--format', 'gsa', '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ format: 'gsa' });
    for (const file of ['model.json', 'weights.bin', 'gsa.json']) {
      expect(readFileSync(join(copied, file))).toEqual(readFileSync(join(run, 'model', file)));
    }
  });
});
