import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { DataError, type DataProblem } from '../errors.js';
import { isLazyImages, readImages } from '../images/image-set.js';
import {
  DATA_DIR,
  cleanupScratch,
  hasSharedData,
  scratchDir,
  testPixels,
  writeImage,
} from '../test-helpers.fixture.js';
import { loadImageFolder } from './folder.js';

const hasOrl = hasSharedData('orl/labels.csv', 'the ORL folder test');

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(cleanupScratch);

async function csvFolder(
  rows: string,
  files: Record<string, [number, number, 1 | 3]>,
): Promise<string> {
  const directory = scratchDir();
  let seed = 1;
  for (const [name, [width, height, channels]] of Object.entries(files)) {
    await writeImage(
      join(directory, name),
      testPixels(height, width, channels, seed++),
      width,
      height,
      channels,
    );
  }
  await writeFile(join(directory, 'labels.csv'), rows);
  return directory;
}

/** Awaits a DataError with `message`, and (where given) the kind of problem it says it is. */
async function expectDataError(
  promise: Promise<unknown>,
  message: RegExp,
  problem?: DataProblem,
): Promise<DataError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DataError);
  expect((error as DataError).message).toMatch(message);
  if (problem !== undefined) expect((error as DataError).problem).toBe(problem);
  return error as DataError;
}

describe('loadImageFolder with labels.csv', () => {
  it('reads file,label,split,group and keeps the row order', async () => {
    const directory = await csvFolder(
      'file,label,split,group\nimgs/a.png,cat,train,p1\nimgs/b.png,dog,test,p2\nimgs/c.png,cat,validation,p2\n',
      { 'imgs/a.png': [6, 4, 1], 'imgs/b.png': [6, 4, 1], 'imgs/c.png': [6, 4, 1] },
    );
    const set = await loadImageFolder(directory);
    expect(set.ids).toEqual(['imgs/a.png', 'imgs/b.png', 'imgs/c.png']);
    expect(set.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(set.labels)).toEqual([0, 1, 0]);
    expect(set.splits).toEqual(['train', 'test', 'val']);
    expect(set.groups).toEqual(['p1', 'p2', 'p2']);
    expect(set.metadata).toMatchObject({ source: 'folder', height: 4, width: 6, channels: 1 });
    const images = set.images as tf.Tensor4D;
    expect(images.shape).toEqual([3, 4, 6, 1]);
    expect(images.dataSync()[0]).toBeCloseTo(testPixels(4, 6, 1, 1)[0]! / 255, 6);
    images.dispose();
  });

  it('applies preprocessing and loads lazily with the same pixels', async () => {
    const directory = await csvFolder('file,label\na.png,0\nb.png,1\nc.png,10\n', {
      'a.png': [9, 7, 3],
      'b.png': [9, 7, 3],
      'c.png': [9, 7, 3],
    });
    const options = { size: [4, 5] as const, normalize: 'imagenet' as const };
    const eager = await loadImageFolder(directory, options);
    const lazy = await loadImageFolder(directory, { ...options, lazy: { cacheSize: 2 } });
    expect(eager.classNames).toEqual(['0', '1', '10']); // numeric order
    expect(isLazyImages(lazy.images)).toBe(true);
    const fromLazy = await readImages(lazy, [0, 1, 2]);
    expect(fromLazy.shape).toEqual([3, 4, 5, 3]);
    expect(Array.from(fromLazy.dataSync())).toEqual(
      Array.from((eager.images as tf.Tensor4D).dataSync()),
    );
    expect(isLazyImages(lazy.images) && lazy.images.cache.size).toBe(2);
    tf.dispose([fromLazy, eager.images as tf.Tensor4D]);
  });

  it('gives clear errors for bad labels files', async () => {
    const files = { 'a.png': [4, 4, 1], 'b.png': [4, 4, 1] } as Record<
      string,
      [number, number, 1 | 3]
    >;
    await expectDataError(
      loadImageFolder(await csvFolder('', files)),
      /labels file .*labels\.csv is empty/,
    );
    await expectDataError(
      loadImageFolder(await csvFolder('file,label\n', files)),
      /has a header but no rows/,
    );
    await expectDataError(
      loadImageFolder(await csvFolder('a.png,x\nb.png,y\n', files)),
      /needs a header with a file and a label column.*'a\.png,x'/,
    );
    await expectDataError(
      loadImageFolder(await csvFolder('file,label\na.png,cat\nb.png,bird\n', files), {
        classNames: ['cat', 'dog'],
      }),
      /unknown label\(s\) 'bird' \(b\.png\)/,
    );
    await expectDataError(
      loadImageFolder(await csvFolder('file,label\na.png,cat\nb.png,cat\n', files), {
        classNames: ['cat', 'dog'],
      }),
      /class\(es\) with no images: 'dog'/,
      'empty-class',
    );
    await expectDataError(
      loadImageFolder(await csvFolder('file,label\na.png,cat\na.png,dog\n', files)),
      /duplicate image id\(s\): a\.png/,
    );
    await expectDataError(
      loadImageFolder(await csvFolder('file,label\na.png,cat\nzz.png,dog\n', files)),
      /1 image\(s\) listed in .* do not exist: .*zz\.png/,
      'missing-files',
    );
    await expectDataError(
      loadImageFolder(
        await csvFolder('file,label,split\na.png,cat,train\nb.png,dog,holdout\n', files),
      ),
      /split 'holdout' is not one of train, val/,
    );
    await expectDataError(
      loadImageFolder(await csvFolder('file,label\na.png,cat\nb.png,\n', files)),
      /line 3: no label for b\.png/,
      'labels-file',
    );
    await expectDataError(
      loadImageFolder(scratchDir(), { labelsFile: 'nope.csv' }),
      /labels file .*nope\.csv does not exist/,
      'labels-file',
    );
  });

  it('names a corrupt image and lists images of another size', async () => {
    const corrupt = await csvFolder('file,label\na.png,x\nb.png,y\n', { 'a.png': [4, 4, 1] });
    await writeFile(join(corrupt, 'b.png'), new TextEncoder().encode('not a png'));
    const error = await expectDataError(
      loadImageFolder(corrupt),
      /cannot decode image .*b\.png/,
      'undecodable',
    );
    expect(error.subject).toContain('b.png');

    const mixed = await csvFolder('file,label\na.png,x\nb.png,y\nc.png,x\n', {
      'a.png': [4, 4, 1],
      'b.png': [5, 4, 1],
      'c.png': [4, 4, 1],
    });
    await expectDataError(
      loadImageFolder(mixed),
      /2 are 4x4x1 \(HxWxC\) but 1 differ: 4x5x1 \(HxWxC\): .*b\.png/,
      'mixed-sizes',
    );
    await expectDataError(loadImageFolder(mixed, { lazy: true }), /but 1 differ: .*b\.png/);
    const resized = await loadImageFolder(mixed, { size: 4 });
    expect((resized.images as tf.Tensor4D).shape).toEqual([3, 4, 4, 1]);
    (resized.images as tf.Tensor4D).dispose();
  });

  it('decodes every file once when loading lazily, so a truncated PNG or JPEG fails the load', async () => {
    for (const [format, name] of [
      ['png', 'b.png'],
      ['jpeg', 'b.jpg'],
    ] as const) {
      const directory = await csvFolder(`file,label\na.png,x\n${name},y\nc.png,x\n`, {
        'a.png': [32, 24, 3],
        'c.png': [32, 24, 3],
      });
      await writeImage(join(directory, name), testPixels(24, 32, 3, 9), 32, 24, 3, format);
      // The header (and so sharp's metadata) is intact; the pixel data ends early.
      const bytes = await readFile(join(directory, name));
      await writeFile(join(directory, name), bytes.subarray(0, bytes.length - 40));
      const error = await expectDataError(
        loadImageFolder(directory, { lazy: true }),
        new RegExp(
          `cannot decode image .*${name.replace('.', '\\.')}: corrupt or truncated image \\(libvips: `,
        ),
      );
      expect(error.subject).toBe(join(directory, name));
      await expectDataError(
        loadImageFolder(directory, { lazy: { cacheSize: 0 } }),
        /corrupt or truncated/,
      );
    }
  });

  it("checks a lazy load's crop against every image up front, naming the file", async () => {
    const directory = await csvFolder('file,label\na.png,x\nb.png,y\n', {
      'a.png': [8, 8, 1],
      'b.png': [6, 8, 1],
    });
    await expectDataError(
      loadImageFolder(directory, {
        lazy: true,
        size: 4,
        crop: { left: 0, top: 0, width: 7, height: 7 },
      }),
      /b\.png: crop \(left 0, top 0, 7x7\) does not fit the 6x8 image/,
    );
  });

  it('names a row that points at a folder', async () => {
    const directory = await csvFolder('file,label\na.png,x\nsub,y\n', { 'a.png': [4, 4, 1] });
    await mkdir(join(directory, 'sub'));
    for (const lazy of [false, true]) {
      const error = await expectDataError(
        loadImageFolder(directory, { lazy }),
        /cannot read image .*sub: it is a folder/,
      );
      expect(error.subject).toBe(join(directory, 'sub'));
    }
  });

  it('writes nothing into the data folder', async () => {
    const directory = await csvFolder('file,label\na.png,x\n', { 'a.png': [4, 4, 1] });
    const before = await readdir(directory);
    const set = await loadImageFolder(directory);
    (set.images as tf.Tensor4D).dispose();
    expect(await readdir(directory)).toEqual(before);
  });
});

describe('loadImageFolder with a folder per class', () => {
  it('uses subfolder names as classes, and train/ test/ as splits', async () => {
    const directory = scratchDir();
    for (const [path, seed] of [
      ['train/benign/1.png', 1],
      ['train/benign/2.png', 2],
      ['train/malignant/3.png', 3],
      ['test/benign/4.png', 4],
      ['test/malignant/5.png', 5],
    ] as const) {
      await writeImage(join(directory, path), testPixels(3, 3, 1, seed), 3, 3, 1);
    }
    const set = await loadImageFolder(directory);
    expect(set.classNames).toEqual(['benign', 'malignant']);
    expect(set.ids).toEqual([
      'test/benign/4.png',
      'test/malignant/5.png',
      'train/benign/1.png',
      'train/benign/2.png',
      'train/malignant/3.png',
    ]);
    expect(set.splits).toEqual(['test', 'test', 'train', 'train', 'train']);
    expect(Array.from(set.labels)).toEqual([0, 1, 0, 0, 1]);
    (set.images as tf.Tensor4D).dispose();
  });

  it('refuses an empty class folder and a folder with neither layout', async () => {
    const directory = scratchDir();
    await writeImage(join(directory, 'a/1.png'), testPixels(3, 3, 1), 3, 3, 1);
    await mkdir(join(directory, 'b'));
    await expectDataError(loadImageFolder(directory), /class folder\(s\) with no images in .*: b/);
    await expectDataError(
      loadImageFolder(scratchDir()),
      /has no labels\.csv .* and no class subfolders/,
    );
    await expectDataError(loadImageFolder(join(directory, 'nothing-here')), /does not exist/);
  });
});

describe('loadImageFolder on the ORL faces (shared data)', () => {
  (hasOrl ? it : it.skip)(
    'reads png,subject,label with images in png/, subjects as groups',
    async () => {
      const set = await loadImageFolder(join(DATA_DIR, 'orl'), { size: 32 });
      expect(set.ids).toHaveLength(400);
      expect(set.classNames).toHaveLength(40);
      expect(new Set(set.groups)).toEqual(
        new Set(set.classNames.map((label) => `s${Number(label) + 1}`)),
      );
      const images = set.images as tf.Tensor4D;
      expect(images.shape).toEqual([400, 32, 32, 1]);
      const range = tf.tidy(() => [tf.min(images).dataSync()[0]!, tf.max(images).dataSync()[0]!]);
      expect(range[0]).toBeGreaterThanOrEqual(0);
      expect(range[1]).toBeLessThanOrEqual(1);
      images.dispose();
    },
  );
});
