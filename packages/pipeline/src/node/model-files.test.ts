import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '@gsa/backends';
import { loadModelFromDirectory, saveModelToDirectory } from './model-files.js';

function tinyModel(fill: number): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [3], units: 2, kernelInitializer: 'zeros' })],
  });
  model.layers[0]!.setWeights([tf.fill([3, 2], fill), tf.fill([2], fill)]);
  return model;
}

describe('saveModelToDirectory', () => {
  let directory: string;
  beforeAll(async () => {
    await useBackend('cpu');
  });
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'gsa-model-files-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('lets two concurrent saves to one folder both succeed, leaving one whole model', async () => {
    const target = join(directory, 'model');
    const [one, two] = [tinyModel(1), tinyModel(2)];
    await Promise.all([saveModelToDirectory(one, target), saveModelToDirectory(two, target)]);
    expect(readdirSync(directory)).toEqual(['model']);
    expect(readdirSync(target).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadModelFromDirectory(target);
    const kernel = Array.from(loaded.layers[0]!.getWeights()[0]!.dataSync());
    expect([1, 2].some((fill) => kernel.every((value) => value === fill))).toBe(true);
    for (const model of [one, two, loaded]) model.dispose();
  });
});
