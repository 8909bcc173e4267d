// IDRiD fixtures in the official layout of "B. Disease Grading", with small
// JPEGs (a tenth of 4288x2848) so that the crop is exercised scaled.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { decodeImage } from '../decode/decode.js';
import { DataError } from '../errors.js';
import { preprocessImage } from '../preprocess/preprocess.js';
import { cleanupScratch, scratchDir, testPixels, writeImage } from '../test-helpers.fixture.js';
import { idridCrop, loadIdrid } from './idrid.js';

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(cleanupScratch);

const WIDTH = 429;
const HEIGHT = 285;
const HEADER = 'Image name,Retinopathy grade,Risk of macular edema ,,,,\n';

async function idridFolder(): Promise<string> {
  const root = join(scratchDir(), 'B. Disease Grading');
  const train = join(root, '1. Original Images', 'a. Training Set');
  const test = join(root, '1. Original Images', 'b. Testing Set');
  const truth = join(root, '2. Groundtruths');
  await mkdir(truth, { recursive: true });
  const trainRows = [
    ['IDRiD_001', 3, 2],
    ['IDRiD_002', 0, 0],
    ['IDRiD_003', 4, 1],
    ['IDRiD_004', 2, 2],
    ['IDRiD_005', 1, 0],
  ];
  const testRows = [
    ['IDRiD_001', 2, 1],
    ['IDRiD_002', 0, 0],
  ];
  let seed = 1;
  for (const [folder, rows] of [
    [train, trainRows],
    [test, testRows],
  ] as const) {
    for (const [name] of rows) {
      await writeImage(
        join(folder, `${name}.jpg`),
        testPixels(HEIGHT, WIDTH, 3, seed++),
        WIDTH,
        HEIGHT,
        3,
        'jpeg',
      );
    }
  }
  const csv = (rows: (string | number)[][]): string =>
    HEADER + rows.map((row) => `${row.join(',')},,,,`).join('\n') + '\n,,,,,,\n';
  await writeFile(join(truth, 'a. IDRiD_Disease Grading_Training Labels.csv'), csv(trainRows));
  await writeFile(join(truth, 'b. IDRiD_Disease Grading_Testing Labels.csv'), csv(testRows));
  return root;
}

describe('idridCrop', () => {
  it('keeps columns 260..3685 of the original 4288-pixel width, scaled for resized images', () => {
    expect(idridCrop({ width: 4288, height: 2848 })).toEqual({
      left: 260,
      top: 0,
      width: 3426,
      height: 2848,
    });
    expect(idridCrop({ width: 429, height: 285 })).toEqual({
      left: 26,
      top: 0,
      width: 344,
      height: 285,
    });
  });
});

describe('loadIdrid', () => {
  it('reads both splits and either task', async () => {
    const root = await idridFolder();
    const set = await loadIdrid(root, { size: 16, allowEmptyClasses: true });
    expect(set.ids).toEqual([
      'train/IDRiD_001',
      'train/IDRiD_002',
      'train/IDRiD_003',
      'train/IDRiD_004',
      'train/IDRiD_005',
      'test/IDRiD_001',
      'test/IDRiD_002',
    ]);
    expect(set.splits).toEqual(['train', 'train', 'train', 'train', 'train', 'test', 'test']);
    expect(Array.from(set.labels)).toEqual([3, 0, 4, 2, 1, 2, 0]);
    expect(set.classNames).toHaveLength(5);
    expect((set.images as tf.Tensor4D).shape).toEqual([7, 16, 16, 3]);
    (set.images as tf.Tensor4D).dispose();

    const edema = await loadIdrid(root, { task: 'edema', size: 8 });
    expect(Array.from(edema.labels)).toEqual([2, 0, 1, 2, 0, 1, 0]);
    expect(edema.classNames).toHaveLength(3);
    (edema.images as tf.Tensor4D).dispose();
  });

  it("applies the paper's crop before resizing and flips right eyes", async () => {
    const root = await idridFolder();
    const set = await loadIdrid(root, {
      size: [12, 15],
      rightEyes: ['train/IDRiD_002', 'IDRiD_005'],
    });
    expect(set.metadata.details).toMatchObject({
      flipped: ['train/IDRiD_002', 'train/IDRiD_005'],
      paperCrop: true,
    });
    const images = set.images as tf.Tensor4D;
    const raw = await decodeImage(set.metadata.files![1]!);
    const cropped = preprocessImage(raw, {
      crop: { left: 26, top: 0, width: 344, height: 285 },
      size: [12, 15],
    });
    const flipped = preprocessImage(
      raw,
      { crop: { left: 26, top: 0, width: 344, height: 285 }, size: [12, 15] },
      true,
    );
    const second = tf.tidy(() => tf.slice(images, [1, 0, 0, 0], [1, 12, 15, 3]).dataSync());
    expect(Array.from(second)).toEqual(Array.from(flipped.data));
    expect(Array.from(second)).not.toEqual(Array.from(cropped.data));
    const first = await decodeImage(set.metadata.files![0]!);
    const unflipped = preprocessImage(first, { crop: idridCrop(first), size: [12, 15] });
    expect(
      Array.from(tf.tidy(() => tf.slice(images, [0, 0, 0, 0], [1, 12, 15, 3]).dataSync())),
    ).toEqual(Array.from(unflipped.data));
    images.dispose();
  });

  it('names ambiguous or unknown right eyes, missing images and bad grades', async () => {
    const root = await idridFolder();
    await expect(loadIdrid(root, { rightEyes: ['IDRiD_001'] })).rejects.toThrow(
      /right eye 'IDRiD_001' is ambiguous: write one of train\/IDRiD_001, test\/IDRiD_001/,
    );
    await expect(loadIdrid(root, { rightEyes: ['IDRiD_099'] })).rejects.toThrow(
      /right eye id\(s\) not in the set: IDRiD_099/,
    );
    const truth = join(root, '2. Groundtruths', 'b. IDRiD_Disease Grading_Testing Labels.csv');
    await writeFile(truth, `${HEADER}IDRiD_001,2,1\nIDRiD_007,1,0\n`);
    await expect(loadIdrid(root)).rejects.toThrow(
      /1 image\(s\) listed in .*Testing Labels\.csv are not in .*b\. Testing Set: IDRiD_007/,
    );
    await writeFile(truth, `${HEADER}IDRiD_001,7,1\n`);
    await expect(loadIdrid(root)).rejects.toThrow(
      /line 2: IDRiD_001 has retinopathy grade '7', expected an integer 0-4/,
    );
    await expect(loadIdrid(scratchDir())).rejects.toThrow(/no IDRiD label CSV/);
  });

  it('names a label CSV that has a header but no rows', async () => {
    // Both splits: an empty testing CSV must not quietly load the training images alone.
    const root = await idridFolder();
    const testing = join(root, '2. Groundtruths', 'b. IDRiD_Disease Grading_Testing Labels.csv');
    await writeFile(testing, `${HEADER},,,,,,\n,,,,,,\n`);
    const error = await loadIdrid(root).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe(
      `${testing} has a header but no rows (expected one row per image: Image name, Retinopathy grade, Risk of macular edema)`,
    );
    expect((error as DataError).subject).toBe(testing);
    // One CSV and no images at all: the CSV, not "<root>: no images".
    const lone = scratchDir();
    await writeFile(join(lone, 'labels.csv'), HEADER);
    await expect(loadIdrid(lone)).rejects.toThrow(
      new RegExp(`^${join(lone, 'labels.csv').replace(/[.]/g, '\\.')} has a header but no rows`),
    );
  });
});
