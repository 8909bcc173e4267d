import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackbone } from '@gsa/backbones';
import { useBackend } from '@gsa/backends';
import { deployableModel } from '@gsa/trainer';
import { exportModel } from './artifacts.js';
import {
  isPortableModelDirectory,
  loadModelFromDirectory,
  readModelInfo,
  saveModelToDirectory,
} from './model-files.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('exportModel', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'gsa-export-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  function run(name: string, weights: string): string {
    const path = join(directory, name);
    mkdirSync(join(path, 'model'), { recursive: true });
    writeFileSync(join(path, 'model', 'model.json'), '{}');
    writeFileSync(join(path, 'model', 'weights.bin'), weights);
    return path;
  }

  it('copies the model into place whole, replaces it only with --force, and leaves no temp folder', async () => {
    const out = join(directory, 'exported');
    await exportModel(run('first', 'one'), out, { format: 'gsa' });
    await expect(exportModel(run('second', 'two'), out)).rejects.toThrow(`${out} already exists.`);
    expect(readFileSync(join(out, 'weights.bin'), 'utf8')).toBe('one');
    await exportModel(join(directory, 'second'), out, { force: true, format: 'gsa' });
    expect(readFileSync(join(out, 'weights.bin'), 'utf8')).toBe('two');
    expect(readdirSync(out).sort()).toEqual(['model.json', 'weights.bin']);
    expect(readdirSync(directory).sort()).toEqual(['exported', 'first', 'second']);
  });

  /** A run whose model/ holds gsa's own layers, as runs saved before portable models did. */
  async function runInGsaForm(
    name: string,
    backbone: Parameters<typeof createBackbone>[0],
    options: Record<string, unknown>,
  ) {
    const path = join(directory, name);
    const settings = { ...options, inputShape: [32, 32, 3], numClasses: 2, seed: 1 };
    const model = deployableModel(createBackbone(backbone, settings as never), {
      height: 32,
      width: 32,
      values: Float32Array.from({ length: 1024 }, (_, i) => (i % 9) / 9),
    });
    const info = { classNames: ['a', 'b'], inputShape: [32, 32, 3], preprocessing: null, backbone };
    await saveModelToDirectory(model, join(path, 'model'), {
      'gsa.json': JSON.stringify(info),
    });
    return { path, model };
  }

  it('rewrites an older run in tfjs own layers, with the same outputs and its gsa.json', async () => {
    const { path, model } = await runInGsaForm('older', 'resnet18', {
      layers: [1, 1],
      width: 1 / 16,
    });
    expect(isPortableModelDirectory(join(path, 'model'))).toBe(false);
    const out = join(directory, 'portable');
    await exportModel(path, out);
    expect(isPortableModelDirectory(out)).toBe(true);
    const exported = await loadModelFromDirectory(out);
    expect(readModelInfo(out).classNames).toEqual(['a', 'b']);
    const images = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 3);
    const difference = tf.tidy(
      () =>
        tf
          .max(
            tf.abs(
              tf.sub(model.predict(images) as tf.Tensor, exported.predict(images) as tf.Tensor),
            ),
          )
          .dataSync()[0],
    );
    expect(difference).toBeLessThan(1e-5);
    tf.dispose(images);
    for (const disposable of [model, exported]) disposable.dispose();
  });

  it('refuses --format tfjs for a backbone with layers of its own, and leaves nothing', async () => {
    const { path, model } = await runInGsaForm('vgg-att3', 'vgg_att3', {
      width: 1 / 32,
      convsPerBlock: [1, 1, 1, 1, 1, 1],
    });
    model.dispose();
    const out = join(directory, 'refused');
    await expect(exportModel(path, out)).rejects.toMatchObject({
      message: expect.stringContaining(
        "backbone has layers of its own, which tfjs's layers cannot express",
      ),
      hint: expect.stringContaining('--format gsa'),
    });
    expect(readdirSync(directory).sort()).toEqual(['vgg-att3']);
  });
});
