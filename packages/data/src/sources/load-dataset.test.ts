import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { zipSync } from 'fflate';
import { cleanupScratch, scratchDir, testPixels, writeImage } from '../test-helpers.fixture.js';
import { detectDatasetKind, loadDataset, parseDatasetSpec } from './load-dataset.js';

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(cleanupScratch);

describe('parseDatasetSpec', () => {
  it('splits kind:PATH[:task] and leaves other paths to detection', () => {
    expect(parseDatasetSpec('folder:data/faces')).toEqual({ kind: 'folder', path: 'data/faces' });
    expect(parseDatasetSpec('medmnist:/d/pneumoniamnist.npz')).toEqual({
      kind: 'medmnist',
      path: '/d/pneumoniamnist.npz',
    });
    expect(parseDatasetSpec('jaffe:jaffedbase')).toEqual({ kind: 'jaffe', path: 'jaffedbase' });
    expect(parseDatasetSpec('idrid:/d/B. Disease Grading:edema')).toEqual({
      kind: 'idrid',
      path: '/d/B. Disease Grading',
      task: 'edema',
    });
    expect(parseDatasetSpec('idrid:grading')).toEqual({ kind: 'idrid', path: 'grading' });
    expect(parseDatasetSpec('C:\\data\\faces')).toEqual({ path: 'C:\\data\\faces' });
    expect(parseDatasetSpec('./faces')).toEqual({ path: './faces' });
    expect(() => parseDatasetSpec('folder:')).toThrow(/names no path after 'folder:'/);
    expect(() => parseDatasetSpec('  ')).toThrow(/the dataset is empty/);
  });
});

describe('loadDataset and detectDatasetKind', () => {
  it('recognises each layout from a plain path', async () => {
    const csv = scratchDir();
    await writeImage(join(csv, 'a.png'), testPixels(4, 4, 1), 4, 4, 1);
    await writeFile(join(csv, 'labels.csv'), 'file,label\na.png,x\n');
    expect(await detectDatasetKind(csv)).toBe('folder');

    const classes = scratchDir();
    await writeImage(join(classes, 'x', 'a.png'), testPixels(4, 4, 1), 4, 4, 1);
    expect(await detectDatasetKind(classes)).toBe('folder');

    const jaffe = scratchDir();
    await writeImage(join(jaffe, 'KA.AN1.39.tiff'), testPixels(4, 4, 1), 4, 4, 1, 'tiff');
    expect(await detectDatasetKind(jaffe)).toBe('jaffe');

    const idrid = scratchDir();
    await writeImage(join(idrid, 'images', 'IDRiD_001.jpg'), testPixels(4, 4, 3), 4, 4, 3, 'jpeg');
    expect(await detectDatasetKind(idrid)).toBe('idrid');

    const npz = join(scratchDir(), 'x.npz');
    await writeFile(npz, zipSync({}));
    expect(await detectDatasetKind(npz)).toBe('medmnist');

    await expect(detectDatasetKind(join(csv, 'absent'))).rejects.toThrow(/does not exist/);
    await expect(detectDatasetKind(join(csv, 'a.png'))).rejects.toThrow(
      /is a file but not a MedMNIST \.npz/,
    );
    await expect(detectDatasetKind(scratchDir())).rejects.toThrow(/cannot tell what .* holds/);

    const set = await loadDataset(csv, { channels: 3 });
    expect((set.images as tf.Tensor4D).shape).toEqual([1, 4, 4, 3]);
    (set.images as tf.Tensor4D).dispose();
    const named = await loadDataset(`folder:${classes}`);
    expect(named.classNames).toEqual(['x']);
    (named.images as tf.Tensor4D).dispose();
  });
});
