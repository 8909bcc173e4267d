// The same random-initialised torchvision weights give the same outputs in
// gsa and PyTorch (fixtures made by fixtures/parity/make_fixtures.py).
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describeWithBackends } from '@gsa/backends/testing';
import { readFileSync } from 'node:fs';
import {
  countParameters,
  createBackbone,
  decodeSafetensors,
  loadWeights,
  localAttentionMaps,
} from './index.js';
import { toFloat32Array } from './weights/safetensors.js';
import type { BackboneOptions } from './index.js';
import { parityFixture } from './test-support/paths.fixture.js';

interface ParityCase {
  name: string;
  backbone: string;
  options: BackboneOptions;
  outputs: string[];
  parameters: number;
  trainBatchNorm?: string;
  /** Local-attention backbones: how many `local_map<i>` (`[N, h, w]`) the fixture holds. */
  localMaps?: number;
}

const { cases, torch, torchvision } = JSON.parse(
  readFileSync(parityFixture('cases.json'), 'utf8'),
) as {
  cases: ParityCase[];
  torch: string;
  torchvision: string;
};

function expected(name: string): Map<string, tf.Tensor> {
  const file = decodeSafetensors(readFileSync(parityFixture(`${name}.io.safetensors`)));
  return new Map(
    [...file.tensors].map(([key, entry]) => [key, tf.tensor(toFloat32Array(entry), entry.shape)]),
  );
}

function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

async function loadedModel(parity: ParityCase): Promise<tfl.LayersModel> {
  const model = createBackbone(parity.backbone, { ...parity.options, weightInit: 'none' });
  const report = await loadWeights(model, parityFixture(`${parity.name}.safetensors`));
  expect(report.missing).toEqual([]);
  expect(report.unexpected).toEqual([]);
  return model;
}

const differences: string[] = [];
afterAll(() => {
  console.log(
    `parity with PyTorch ${torch} / torchvision ${torchvision}, max |gsa - PyTorch|:\n${differences.join('\n')}`,
  );
});

describeWithBackends('torchvision parity', (backend) => {
  it.each(cases.map((parity) => [parity.name, parity] as const))(
    '%s: same outputs as PyTorch on a fixed input',
    async (_name, parity) => {
      const model = await loadedModel(parity);
      expect(countParameters(model)).toBe(parity.parameters);
      const reference = expected(parity.name);
      const images = tf.transpose(reference.get('input')!, [0, 2, 3, 1]); // NCHW -> NHWC
      const predicted = model.predict(images);
      const outputs = Array.isArray(predicted) ? predicted : [predicted];
      expect(outputs.length).toBe(parity.outputs.length);
      parity.outputs.forEach((outputName, index) => {
        const target = reference.get(outputName)!;
        const difference = maxAbsDifference(outputs[index]!, target);
        const scale = tf.tidy(() => tf.max(tf.abs(target)).dataSync()[0]!);
        differences.push(
          `  ${backend} ${parity.name} ${outputName}: ${difference.toExponential(2)} (max |logit| ${scale.toFixed(2)})`,
        );
        expect(scale).toBeGreaterThan(0.5); // outputs large enough for the tolerance to mean something
        expect(difference).toBeLessThan(1e-3);
      });
      if (parity.localMaps !== undefined) {
        const levels = localAttentionMaps(model, images as tf.Tensor4D);
        expect(levels).toHaveLength(parity.localMaps);
        levels.forEach((level, index) => {
          const difference = maxAbsDifference(level.maps, reference.get(`local_map${index + 1}`)!);
          differences.push(
            `  ${backend} ${parity.name} ${level.layerName}: ${difference.toExponential(2)}`,
          );
          expect(difference).toBeLessThan(1e-4);
        });
        tf.dispose(levels.map((level) => level.maps));
      }
      tf.dispose([images, ...outputs, ...reference.values()]);
      model.dispose();
    },
  );

  it.each(
    cases.filter((parity) => parity.trainBatchNorm).map((parity) => [parity.name, parity] as const),
  )(
    '%s: training-mode batch norm matches PyTorch (batch statistics, running averages)',
    async (_name, parity) => {
      const model = await loadedModel(parity);
      const reference = expected(parity.name);
      const images = tf.transpose(reference.get('input')!, [0, 2, 3, 1]);
      const logits = model.apply(images, { training: true }) as tf.Tensor;
      const difference = maxAbsDifference(logits, reference.get('train_logits')!);
      differences.push(`  ${backend} ${parity.name} train_logits: ${difference.toExponential(2)}`);
      expect(difference).toBeLessThan(1e-3);
      const [, , movingMean, movingVariance] = model.getLayer(parity.trainBatchNorm!).getWeights();
      expect(maxAbsDifference(movingMean!, reference.get('train_running_mean')!)).toBeLessThan(
        1e-5,
      );
      expect(maxAbsDifference(movingVariance!, reference.get('train_running_var')!)).toBeLessThan(
        1e-5,
      );
      tf.dispose([images, logits, ...reference.values()]);
      model.dispose();
    },
  );
});
