// The docs demo and `gsa train` are one pipeline: on the same folder, with the
// same settings and seed, they give the same split, accuracy and map.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { writeSyntheticDataset } from '@gsa/data/node';
import { splitRun } from '@gsa/pipeline';
import { loadRunData, train } from '@gsa/pipeline/node';
import { DEMO_SETTINGS, demoRunConfig, trainSideBySide, type EpochReport } from './training.js';

let directory: string;
beforeAll(async () => {
  await useBackend('cpu');
  directory = mkdtempSync(join(tmpdir(), 'gsa-docs-demo-'));
  await writeSyntheticDataset(join(directory, 'data'), { count: 60, size: 16, seed: 3 });
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('trains the same split, accuracy and map as gsa train on the same folder and seed', async () => {
  const settings = { ...DEMO_SETTINGS, epochs: 3, cutoffEpoch: 2, widths: [8, 16], channels: 4 };
  const spec = `folder:${join(directory, 'data')}`;
  const set = await loadRunData(spec, undefined);
  const reports: EpochReport[] = [];
  const demo = await trainSideBySide(set, settings, (report) => reports.push(report));

  const config = { ...demoRunConfig(settings, 'global'), data: spec, out: join(directory, 'run') };
  const run = await train(config);
  const record = JSON.parse(readFileSync(join(config.out, 'split.json'), 'utf8')) as {
    train: string[];
    test: string[];
  };
  const split = splitRun(set, config);
  expect(record.test).toEqual(split.test.map((index) => set.ids[index]));
  expect([demo.trainImages, demo.testImages]).toEqual([record.train.length, record.test.length]);
  expect(demo.accuracy.global).toBe(run.result.history.at(-1)!.evaluation!.accuracy);
  expect(demo.accuracy.global).toBeCloseTo(run.summary.testAccuracy, 10);
  expect(demo.map!.values).toEqual(run.result.map!.values);
  // The demo's per-epoch maps: one per epoch of the global run, the last one the final map.
  const maps = reports.filter((report) => report.map);
  expect(maps.map((report) => report.metrics.epoch)).toEqual([1, 2, 3]);
  expect(maps.at(-1)!.map!.values).toEqual(run.result.map!.values);
  tf.dispose(set.images as tf.Tensor);
});
