import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { zipSync } from 'fflate';
import { DataError } from '../errors.js';
import { isLazyImages, readImages } from '../images/image-set.js';
import { DATA_DIR, cleanupScratch, hasSharedData, scratchDir } from '../test-helpers.fixture.js';
import { loadMedMnist } from './medmnist.js';
import { encodeNpy, parseNpy } from '../npy/npy.js';
import { readNpz } from '../npy/read-npz.js';

const hasPneumonia = hasSharedData('pneumoniamnist.npz', 'the PneumoniaMNIST test');

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(cleanupScratch);

/** A .npy file as NumPy writes it (format 1.0 unless the header needs 2.0). */
function npy(
  descr: string,
  shape: number[],
  payload: Uint8Array,
  version = 1,
  fortran = false,
): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefix = version === 1 ? 10 : 12;
  header += ' '.repeat(63 - ((prefix + header.length) % 64)) + '\n';
  const bytes = new Uint8Array(prefix + header.length + payload.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(bytes.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), prefix);
  bytes.set(payload, prefix + header.length);
  return bytes;
}

const u8 = (values: number[]): Uint8Array => Uint8Array.from(values);

describe('parseNpy', () => {
  it('reads uint8, little- and big-endian floats, int64 and version 2 headers', () => {
    expect(parseNpy(npy('|u1', [2, 2], u8([1, 2, 3, 4])))).toMatchObject({
      dtype: '|u1',
      shape: [2, 2],
    });
    const little = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    expect(Array.from(parseNpy(npy('<f4', [2], little)).data)).toEqual([1.5, -2]);
    const big = new Uint8Array(8);
    new DataView(big.buffer).setFloat32(0, 1.5, false);
    new DataView(big.buffer).setFloat32(4, -2, false);
    expect(Array.from(parseNpy(npy('>f4', [2], big)).data)).toEqual([1.5, -2]);
    const int64 = new Uint8Array(new BigInt64Array([3n, -1n]).buffer);
    expect(Array.from(parseNpy(npy('<i8', [2, 1], int64, 2)).data)).toEqual([3, -1]);
    expect(parseNpy(npy('<i8', [], new Uint8Array(8))).shape).toEqual([]);
  });

  it('rejects what it cannot read, naming the array', () => {
    expect(() => parseNpy(u8([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'x.npy')).toThrow(
      /x\.npy is not a \.npy array/,
    );
    expect(() => parseNpy(npy('<c8', [1], new Uint8Array(8)), 'c.npy')).toThrow(
      /c\.npy: unsupported dtype '<c8'/,
    );
    expect(() => parseNpy(npy('|u1', [2, 2], u8([1, 2, 3, 4]), 1, true), 'f.npy')).toThrow(
      /Fortran-ordered/,
    );
    expect(() => parseNpy(npy('|u1', [4, 4], u8([1, 2])), 't.npy')).toThrow(
      /t\.npy: truncated \.npy file: shape \(4, 4\) of \|u1 needs 16 bytes of data, got 2/,
    );
  });
});

async function writeNpz(
  directory: string,
  name: string,
  arrays: Record<string, Uint8Array>,
  level: 0 | 6 = 6,
): Promise<string> {
  const file = join(directory, name);
  const entries = Object.fromEntries(
    Object.entries(arrays).map(([key, value]) => [`${key}.npy`, value]),
  );
  await writeFile(file, zipSync(entries, { level }));
  return file;
}

function medmnistArrays(channels: 1 | 3): Record<string, Uint8Array> {
  const arrays: Record<string, Uint8Array> = {};
  const sizes = { train: 4, val: 2, test: 2 };
  let value = 0;
  for (const [split, n] of Object.entries(sizes)) {
    const shape = channels === 1 ? [n, 3, 3] : [n, 3, 3, 3];
    const pixels = Uint8Array.from({ length: n * 9 * channels }, () => (value += 7) % 256);
    arrays[`${split}_images`] = npy('|u1', shape, pixels);
    arrays[`${split}_labels`] = npy(
      '|u1',
      [n, 1],
      Uint8Array.from({ length: n }, (_, i) => i % 2),
    );
  }
  return arrays;
}

describe('loadMedMnist', () => {
  it('reads train, val and test with their split, stored or deflated', async () => {
    const directory = scratchDir();
    for (const level of [0, 6] as const) {
      const file = await writeNpz(directory, `breastmnist-${level}.npz`, medmnistArrays(1), level);
      const set = await loadMedMnist(file);
      expect(set.ids).toEqual([
        'train/0',
        'train/1',
        'train/2',
        'train/3',
        'val/0',
        'val/1',
        'test/0',
        'test/1',
      ]);
      expect(set.splits).toEqual([
        'train',
        'train',
        'train',
        'train',
        'val',
        'val',
        'test',
        'test',
      ]);
      expect(Array.from(set.labels)).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
      const images = set.images as tf.Tensor4D;
      expect(images.shape).toEqual([8, 3, 3, 1]);
      expect(images.dataSync()[0]).toBeCloseTo(7 / 255, 6);
      images.dispose();
    }
  });

  it('knows MedMNIST class names, takes RGB, resizes, and loads lazily', async () => {
    const directory = scratchDir();
    const file = await writeNpz(directory, 'pneumoniamnist_64.npz', medmnistArrays(3));
    const set = await loadMedMnist(file, { splits: ['test'], size: 6, lazy: true });
    expect(set.classNames).toEqual(['normal', 'pneumonia']);
    expect(set.ids).toEqual(['test/0', 'test/1']);
    expect(isLazyImages(set.images)).toBe(true);
    const batch = await readImages(set, [1]);
    expect(batch.shape).toEqual([1, 6, 6, 3]);
    batch.dispose();
    const unknown = await writeNpz(directory, 'mystery.npz', medmnistArrays(1));
    const named = await loadMedMnist(unknown, { splits: ['train'] });
    expect(named.classNames).toEqual(['0', '1']);
    (named.images as tf.Tensor4D).dispose();
  });

  it('names missing arrays, multi-label sets, 3D volumes and bad files', async () => {
    const directory = scratchDir();
    const arrays = medmnistArrays(1);
    delete arrays.val_labels;
    const missing = await writeNpz(directory, 'missing.npz', arrays);
    await expect(loadMedMnist(missing)).rejects.toThrow(
      /missing\.npz has no array\(s\) val_labels; it has /,
    );
    const multi = await writeNpz(directory, 'chestmnist.npz', {
      train_images: npy('|u1', [2, 2, 2], new Uint8Array(8)),
      train_labels: npy('|u1', [2, 14], new Uint8Array(28)),
    });
    await expect(loadMedMnist(multi, { splits: ['train'] })).rejects.toThrow(
      /multi-label sets such as ChestMNIST/,
    );
    const volume = await writeNpz(directory, 'organmnist3d.npz', {
      train_images: npy('|u1', [1, 2, 2, 2], new Uint8Array(8)),
      train_labels: npy('|u1', [1, 1], new Uint8Array(1)),
    });
    await expect(loadMedMnist(volume, { splits: ['train'] })).rejects.toThrow(
      /3D MedMNIST volumes are not supported/,
    );
    const notZip = join(directory, 'broken.npz');
    await writeFile(notZip, 'hello');
    const error = await loadMedMnist(notZip).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/broken\.npz is not a readable \.npz/);
    const labelsTooHigh = await writeNpz(directory, 'breastmnist.npz', {
      train_images: npy('|u1', [1, 2, 2], new Uint8Array(4)),
      train_labels: npy('|u1', [1, 1], u8([5])),
    });
    await expect(loadMedMnist(labelsTooHigh, { splits: ['train'] })).rejects.toThrow(
      /label 5, outside the 2 classes/,
    );
    const floats = new Float32Array(8).fill(0.5);
    floats[5] = Number.POSITIVE_INFINITY;
    const infinite = await writeNpz(directory, 'infinite.npz', {
      train_images: encodeNpy(floats, [2, 2, 2]),
      train_labels: npy('|u1', [2, 1], u8([0, 1])),
    });
    await expect(loadMedMnist(infinite, { splits: ['train'] })).rejects.toThrow(
      /infinite\.npz:train_images holds Infinity in image 1: every pixel must be a finite number/,
    );
  });
});

describe('loadMedMnist on PneumoniaMNIST (shared data)', () => {
  (hasPneumonia ? it : it.skip)('reads 4707/524/624 chest X-rays, 28x28 grey', async () => {
    const file = join(DATA_DIR, 'pneumoniamnist.npz');
    const arrays = await readNpz(file, ['train_images']);
    expect(arrays.get('train_images')!.shape).toEqual([4707, 28, 28]);
    const set = await loadMedMnist(file);
    expect(set.classNames).toEqual(['normal', 'pneumonia']);
    const counts = { train: 0, val: 0, test: 0 };
    for (const split of set.splits!) counts[split]++;
    expect(counts).toEqual({ train: 4707, val: 524, test: 624 });
    const images = set.images as tf.Tensor4D;
    expect(images.shape).toEqual([5855, 28, 28, 1]);
    expect(tf.tidy(() => tf.max(images).dataSync()[0])).toBeLessThanOrEqual(1);
    images.dispose();
  });
});
