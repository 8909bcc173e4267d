import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '@gsa/backends';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  classifierLayers,
  createBackbone,
  fileSystemHandler,
  loadWeights,
  WeightsMismatchError,
} from '../index.js';
import { SMALL_CONFIGS } from '../test-support/small-configs.fixture.js';
import { encodeTorchvisionWeights } from './torchvision.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const SIZE = 64;
// The checkpoint's class count stands in for ImageNet's 1000 (the layers are the same).
const CHECKPOINT_CLASSES = 10;
const families = SMALL_CONFIGS.filter(
  (config) => !['smallcnn', 'vgg_att3', 'resattnet92_32'].includes(config.name),
);

function build(config: (typeof families)[number], numClasses: number, seed: number) {
  return createBackbone(config.name, {
    ...config.options,
    inputShape: [SIZE, SIZE, 3],
    numClasses,
    seed,
  } as never);
}

const valuesOf = (model: tfl.LayersModel, weightName: string) =>
  model.weights
    .find((weight) => weight.originalName === weightName)!
    .read()
    .dataSync()
    .slice();

/** The checkpoint's bytes or folder, as its family ships it (MobileNet: tfjs layers, others: torchvision). */
async function checkpointOf(
  config: (typeof families)[number],
  model: tfl.LayersModel,
  directory: string,
): Promise<string | Uint8Array> {
  if (config.name !== 'mobilenet_v1') return encodeTorchvisionWeights(model);
  await model.save(fileSystemHandler(directory));
  return join(directory, 'model.json');
}

describe("fine-tuning: a checkpoint's body into a model for other classes (head: 'auto')", () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'gsa-fine-tune-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it.each(families.map((config) => [config.label, config] as const))(
    '%s: loads every body weight, replaces every classifier, reports both',
    async (_label, config) => {
      const pretrained = build(config, CHECKPOINT_CLASSES, 1);
      const fresh = build(config, 3, 2);
      const target = build(config, 3, 2);
      const source = await checkpointOf(config, pretrained, directory);
      const heads = classifierLayers(target);
      // GoogLeNet: the main classifier and both auxiliary heads.
      expect(heads.length).toBe(config.name === 'googlenet' ? 3 : 1);
      const headWeights = new Set(
        heads.flatMap((layer) => layer.weights.map((w) => w.originalName)),
      );

      const report = await loadWeights(target, source, { head: 'auto' });

      expect(report.missing).toEqual([]);
      expect(report.mismatched).toEqual([]);
      expect(new Set(report.replaced.map((entry) => entry.name))).toEqual(headWeights);
      for (const entry of report.replaced.filter((entry) => entry.name.endsWith('kernel'))) {
        // The file's classifier had CHECKPOINT_CLASSES outputs, the model's has 3.
        expect(entry.expected[entry.expected.length - 1]).toBe(3);
        expect(entry.found![entry.found!.length - 1]).toBe(CHECKPOINT_CLASSES);
      }
      expect(report.loaded.length + report.replaced.length).toBe(target.weights.length);
      for (const weight of target.weights) {
        const name = weight.originalName;
        // Body: the checkpoint's values; head: the fresh ones the model was built with.
        const expected = headWeights.has(name) ? valuesOf(fresh, name) : valuesOf(pretrained, name);
        expect(valuesOf(target, name)).toEqual(expected);
      }
      const images = tf.randomUniform([2, SIZE, SIZE, 3], -1, 1, 'float32', 5);
      const output = tf.tidy(() => {
        const predicted = target.predict(images) as tf.Tensor | tf.Tensor[];
        return (Array.isArray(predicted) ? predicted[0]! : predicted).clone();
      });
      expect(output.shape).toEqual([2, 3]);
      expect(Array.from(output.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([images, output]);
      for (const model of [pretrained, fresh, target]) model.dispose();
    },
  );

  it("loads a head that fits with 'auto', never with 'replace'", async () => {
    const config = families.find((entry) => entry.name === 'resnet18')!;
    const pretrained = build(config, 3, 1);
    const bytes = encodeTorchvisionWeights(pretrained);
    const auto = build(config, 3, 2);
    const autoReport = await loadWeights(auto, bytes, { head: 'auto' });
    expect(autoReport.replaced).toEqual([]);
    expect(valuesOf(auto, 'fc/kernel')).toEqual(valuesOf(pretrained, 'fc/kernel'));
    const replace = build(config, 3, 2);
    const fresh = valuesOf(replace, 'fc/kernel');
    const replaceReport = await loadWeights(replace, bytes, { head: 'replace' });
    expect(replaceReport.replaced.map((entry) => entry.name)).toEqual(['fc/kernel', 'fc/bias']);
    expect(valuesOf(replace, 'fc/kernel')).toEqual(fresh);
    expect(valuesOf(replace, 'conv1/kernel')).toEqual(valuesOf(pretrained, 'conv1/kernel'));
    for (const model of [pretrained, auto, replace]) model.dispose();
  });

  it('stays strict about the body: a body that does not fit names its layers and loads nothing', async () => {
    const config = families.find((entry) => entry.name === 'resnet18')!;
    const wider = createBackbone('resnet18', {
      inputShape: [SIZE, SIZE, 3],
      layers: [1, 1],
      width: 1 / 8,
      numClasses: CHECKPOINT_CLASSES,
      seed: 1,
    });
    const target = build(config, 3, 2);
    const before = valuesOf(target, 'conv1/kernel');
    const error = await loadWeights(target, encodeTorchvisionWeights(wider), {
      head: 'auto',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WeightsMismatchError);
    expect((error as Error).message).toMatch(
      /mismatched \d+ \(conv1\/kernel: model \[7,7,3,4\], file \[7,7,3,8\]/,
    );
    // The head is not blamed: only the body's layers are listed.
    expect(
      (error as WeightsMismatchError).report.mismatched.map((entry) => entry.name),
    ).not.toContain('fc/kernel');
    expect(valuesOf(target, 'conv1/kernel')).toEqual(before);
    wider.dispose();
    target.dispose();
  });

  it("without head: 'auto', a checkpoint for other classes says how to fine-tune", async () => {
    const config = families.find((entry) => entry.name === 'resnet18')!;
    const pretrained = build(config, CHECKPOINT_CLASSES, 1);
    const target = build(config, 3, 2);
    await expect(loadWeights(target, encodeTorchvisionWeights(pretrained))).rejects.toThrow(
      /fc\/kernel: model \[8,3\], file \[8,10\].*head: 'auto'/,
    );
    pretrained.dispose();
    target.dispose();
  });
});
