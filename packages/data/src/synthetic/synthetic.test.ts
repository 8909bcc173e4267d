import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { decodeImage } from '../decode/decode.js';
import { readImages } from '../images/image-set.js';
import { loadImageFolder } from '../sources/folder.js';
import { cleanupScratch, scratchDir } from '../test-helpers.fixture.js';
import { SyntheticGenerator, generateSyntheticDataset, syntheticRegion } from './synthetic.js';
import { writeSyntheticDataset } from './write-synthetic.js';

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(cleanupScratch);

describe('generateSyntheticDataset', () => {
  it('is seeded, balanced, and has a disk of about 10% of the image as its region', async () => {
    const a = generateSyntheticDataset({ count: 20, size: 32, seed: 5 });
    const b = generateSyntheticDataset({ count: 20, size: 32, seed: 5 });
    const c = generateSyntheticDataset({ count: 20, size: 32, seed: 6 });
    const [pa, pb, pc] = [a, b, c].map((set) => (set.images as tf.Tensor4D).dataSync());
    expect(Array.from(pa!)).toEqual(Array.from(pb!));
    expect(Array.from(pa!)).not.toEqual(Array.from(pc!));
    expect(Array.from(a.labels).filter((label) => label === 0)).toHaveLength(10);
    expect(a.classNames).toEqual(['texture-0deg', 'texture-90deg']);
    expect(a.ids[0]).toBe('img-0000.png');
    const area = a.mask.reduce((sum, value) => sum + value, 0) / (32 * 32);
    expect(area).toBeGreaterThan(0.09);
    expect(area).toBeLessThan(0.11);
    expect(a.region).toEqual(syntheticRegion(32));
    expect(Math.min(...pa!)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pa!)).toBeLessThanOrEqual(1);
    tf.dispose([a, b, c].map((set) => set.images as tf.Tensor4D));
  });

  it('puts the class evidence only inside the disk, and distractor centres outside it', () => {
    const size = 48;
    const generator = new SyntheticGenerator({
      size,
      count: 30,
      classes: 3,
      difficulty: 0.3,
      seed: 1,
    });
    const mask = generator.mask();
    let insideChanged = 0;
    let outsideChanged = 0;
    for (let index = 0; index < 30; index++) {
      const images = [0, 1, 2].map((label) => generator.image(index, label));
      for (let p = 0; p < size * size; p++) {
        const differs = images[0]![p] !== images[1]![p] || images[0]![p] !== images[2]![p];
        if (differs && mask[p] === 0) outsideChanged++;
        else if (differs) insideChanged++;
      }
      const { region } = generator;
      for (const patch of generator.plan(index).plan.distractors) {
        expect(Math.hypot(patch.x - region.centerX, patch.y - region.centerY)).toBeGreaterThan(
          region.radius,
        );
      }
      const { shiftX, shiftY } = generator.plan(index).plan;
      expect(Math.abs(shiftX)).toBeLessThanOrEqual(2);
      expect(Math.abs(shiftY)).toBeLessThanOrEqual(2);
    }
    expect(outsideChanged).toBe(0);
    expect(insideChanged).toBeGreaterThan(0);
  });

  it('makes the evidence fainter and the noise stronger as difficulty rises', () => {
    const contrast = (difficulty: number): number => {
      const generator = new SyntheticGenerator({
        size: 32,
        count: 4,
        difficulty,
        seed: 3,
        distractors: 0,
      });
      let sum = 0;
      for (let index = 0; index < 4; index++) {
        const [a, b] = [0, 1].map((label) => generator.image(index, label));
        for (let p = 0; p < a!.length; p++) sum += Math.abs(a![p]! - b![p]!);
      }
      return sum;
    };
    expect(contrast(0)).toBeGreaterThan(2 * contrast(1));
  });

  it('generates lazily the same pixels, in colour too', async () => {
    const eager = generateSyntheticDataset({ count: 6, size: 16, channels: 3, seed: 2 });
    const lazy = generateSyntheticDataset({
      count: 6,
      size: 16,
      channels: 3,
      seed: 2,
      lazy: { cacheSize: 2 },
    });
    const read = await readImages(lazy, [0, 1, 2, 3, 4, 5]);
    expect(read.shape).toEqual([6, 16, 16, 3]);
    expect(Array.from(read.dataSync())).toEqual(
      Array.from((eager.images as tf.Tensor4D).dataSync()),
    );
    tf.dispose([read, eager.images as tf.Tensor4D]);
  });

  it('rejects bad options, naming the value', () => {
    expect(() => generateSyntheticDataset({ difficulty: 2 })).toThrow(
      /difficulty must be in \[0, 1\], got 2/,
    );
    expect(() => generateSyntheticDataset({ classes: 1 })).toThrow(
      /classes must be an integer >= 2/,
    );
  });
});

describe('writeSyntheticDataset', () => {
  it('writes PNGs, labels.csv, mask.png and synthetic.json that load back to the same pixels', async () => {
    const directory = join(scratchDir(), 'synthetic');
    await writeSyntheticDataset(directory, { count: 8, size: 24, seed: 9 });
    const files = (await readdir(directory)).sort();
    expect(files).toHaveLength(11);
    expect(files).toEqual(
      expect.arrayContaining(['img-0000.png', 'labels.csv', 'mask.png', 'synthetic.json']),
    );
    expect((await readFile(join(directory, 'labels.csv'), 'utf8')).split('\n')[0]).toBe(
      'file,label',
    );
    const loaded = await loadImageFolder(directory);
    const generated = generateSyntheticDataset({ count: 8, size: 24, seed: 9 });
    expect(loaded.ids).toEqual(generated.ids);
    expect(Array.from(loaded.labels)).toEqual(Array.from(generated.labels));
    const [a, b] = [loaded, generated].map((set) => (set.images as tf.Tensor4D).dataSync());
    for (let i = 0; i < a!.length; i++) expect(a![i]).toBeCloseTo(b![i]!, 6);
    const mask = await decodeImage(join(directory, 'mask.png'));
    expect(Array.from(mask.data, (value) => value / 255)).toEqual(Array.from(generated.mask));
    tf.dispose([loaded.images as tf.Tensor4D, generated.images as tf.Tensor4D]);
  });

  it('refuses to write into a non-empty folder unless told to, and replaces it whole', async () => {
    const directory = join(scratchDir(), 'out');
    await writeSyntheticDataset(directory, { count: 3, size: 16 });
    await expect(writeSyntheticDataset(directory, { count: 2, size: 16 })).rejects.toThrow(
      /already exists and is not empty/,
    );
    await writeSyntheticDataset(directory, { count: 2, size: 16, overwrite: true });
    expect((await readdir(directory)).filter((name) => name.endsWith('.png'))).toHaveLength(3); // 2 images + mask
  });

  it('leaves nothing behind when the options are bad', async () => {
    const parent = scratchDir();
    await expect(writeSyntheticDataset(join(parent, 'bad'), { size: 4 })).rejects.toThrow(
      /size must be an integer >= 16/,
    );
    expect(existsSync(join(parent, 'bad'))).toBe(false);
    expect(await readdir(parent)).toEqual([]);
  });
});
