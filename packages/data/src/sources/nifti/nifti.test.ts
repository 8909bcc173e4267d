// NIfTI fixtures made by scripts/make-medical-fixtures.py with nibabel; the
// expected slices are numpy arrays (canonical ones from as_closest_canonical).
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { isLazyImages } from '../../images/image-set.js';
import { cleanupScratch, scratchDir } from '../../test-helpers.fixture.js';
import type { ImageSet } from '../../types.js';
import { loadNifti } from './nifti.js';
import { extractSlice, readNifti, readNiftiHeader } from './read-nifti.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'nifti');
interface Expected {
  volume: {
    shape: number[];
    axis2_index1: number[];
    axis2_middle: number[];
    axis0_index3: number[];
    axis1_index0: number[];
  };
  'volume-prs': {
    orientation: string;
    canonical_shape: number[];
    axis2_middle: number[];
    axis0_index1: number[];
  };
  images: Record<string, number[]>;
}
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Expected;

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(cleanupScratch);

function close(actual: ArrayLike<number>, wanted: readonly number[], tolerance = 1e-5): void {
  expect(actual.length).toBe(wanted.length);
  let worst = 0;
  for (let i = 0; i < wanted.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - wanted[i]!));
  expect(worst).toBeLessThan(tolerance);
}

function minMax(values: readonly number[]): number[] {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return values.map((value) => (value - low) / (high - low));
}

async function pixelsOf(set: ImageSet): Promise<Float32Array> {
  if (isLazyImages(set.images)) {
    const all = await set.images.read(set.ids.map((_, i) => i));
    const data = all.dataSync() as Float32Array;
    all.dispose();
    return data;
  }
  return (set.images as tf.Tensor4D).dataSync() as Float32Array;
}

describe('readNifti and extractSlice', () => {
  it('reads .nii and .nii.gz volumes with scl_slope/scl_inter, and cuts the chosen slice', async () => {
    for (const name of ['volume.nii', 'volume.nii.gz']) {
      const volume = await readNifti(join(FIXTURES, name));
      expect(volume.header.shape).toEqual(expected.volume.shape);
      expect([volume.header.slope, volume.header.intercept, volume.header.dataType]).toEqual([
        2,
        10,
        'int16',
      ]);
      expect(volume.header.orientation).toBe('RAS');
      const cases = [
        [2, 1, expected.volume.axis2_index1, [5, 6]],
        [2, 2, expected.volume.axis2_middle, [5, 6]],
        [0, 3, expected.volume.axis0_index3, [4, 5]],
        [1, 0, expected.volume.axis1_index0, [4, 6]],
      ] as const;
      for (const [axis, index, values, [height, width]] of cases) {
        const slice = extractSlice(volume, axis, index, true);
        expect([slice.height, slice.width, slice.channels]).toEqual([height, width, 1]);
        close(slice.values, values, 1e-9);
      }
    }
  });

  it('reorients to the closest canonical (RAS) orientation as nibabel does', async () => {
    const file = join(FIXTURES, 'volume-prs.nii.gz');
    const header = await readNiftiHeader(file);
    expect(header.orientation).toBe(expected['volume-prs'].orientation);
    const volume = await readNifti(file);
    const [x, y, z] = expected['volume-prs'].canonical_shape as [number, number, number];
    const middle = extractSlice(volume, 2, Math.floor(z / 2), true);
    expect([middle.height, middle.width]).toEqual([y, x]);
    close(middle.values, expected['volume-prs'].axis2_middle, 1e-9);
    close(extractSlice(volume, 0, 1, true).values, expected['volume-prs'].axis0_index1, 1e-9);
  });
});

describe('loadNifti', () => {
  it('loads 2D images (.nii, .nii.gz, big-endian) from a labels CSV', async () => {
    const set = await loadNifti(FIXTURES);
    const files = Object.keys(expected.images);
    expect(set.ids).toEqual(files);
    expect(set.classNames).toEqual(['a', 'b']);
    expect([...set.labels]).toEqual([0, 1, 0, 1]);
    expect((set.images as tf.Tensor4D).shape).toEqual([4, 5, 7, 1]);
    // No cal_min/cal_max in these files: each image's own minimum..maximum.
    close(
      await pixelsOf(set),
      files.flatMap((file) => minMax(expected.images[file]!)),
    );
    expect(set.metadata.details).toMatchObject({
      volumes: 4,
      sourceShapes: { '7x5x1': 4 },
      dataType: { float32: 4 },
      orientation: { RAS: 4 },
      slices: { '2D image': 4 },
      window: 'file',
    });
    (set.images as tf.Tensor4D).dispose();
  });

  it('takes several slices of one volume from a CSV, with a window and the paper resize', async () => {
    const root = scratchDir();
    await copyFile(join(FIXTURES, 'volume.nii.gz'), join(root, 'volume.nii.gz'));
    await writeFile(
      join(root, 'labels.csv'),
      'file,label,index,subject\nvolume.nii.gz,low,1,s1\nvolume.nii.gz,high,middle,s1\n',
    );
    const set = await loadNifti(join(root, 'volume.nii.gz'), {
      window: { center: 1000, width: 2001 },
    });
    expect(set.ids).toEqual(['volume.nii.gz:2:1', 'volume.nii.gz:2:2']);
    expect(set.groups).toEqual(['s1', 's1']);
    const window = (values: readonly number[]): number[] =>
      values.map((v) => (v <= -0.5 ? 0 : v > 1999.5 ? 1 : (v + 0.5) / 2000));
    close(await pixelsOf(set), [
      ...window(expected.volume.axis2_index1),
      ...window(expected.volume.axis2_middle),
    ]);
    (set.images as tf.Tensor4D).dispose();

    const resized = await loadNifti(join(root, 'volume.nii.gz'), {
      size: 3,
      channels: 3,
      lazy: true,
      window: 'range',
    });
    expect(isLazyImages(resized.images)).toBe(true);
    expect((await pixelsOf(resized)).length).toBe(2 * 3 * 3 * 3);
    await writeFile(join(root, 'far.csv'), 'file,label\nvolume.nii.gz,x\n');
    const far = loadNifti(join(root, 'volume.nii.gz'), {
      labelsFile: 'far.csv',
      axis: 0,
      index: 9,
    });
    await expect(far).rejects.toThrow(
      /volume\.nii\.gz: slice 9 along axis 0 is outside its 6 slices/,
    );
  });

  it('reads class subfolders, the middle slice by default, and refuses 4D series naming the file', async () => {
    const root = scratchDir();
    await mkdir(join(root, 'x'));
    await mkdir(join(root, 'y'));
    await copyFile(join(FIXTURES, 'volume.nii'), join(root, 'x', 'one.nii'));
    await copyFile(join(FIXTURES, 'volume-prs.nii.gz'), join(root, 'y', 'two.nii.gz'));
    // Different stored orientations: fine once reoriented (then resized to one size), refused as stored.
    const set = await loadNifti(root, { window: 'range', size: 4 });
    expect(set.ids).toEqual(['x/one.nii', 'y/two.nii.gz']);
    expect(set.metadata.details).toMatchObject({
      orientation: { RAS: 1, PRS: 1 },
      slices: { 'axis 2, slice 2': 2 },
    });
    (set.images as tf.Tensor4D).dispose();
    await expect(loadNifti(root, { orient: 'stored' })).rejects.toThrow(
      /stored in different orientations \(RAS: x\/one\.nii; PRS: y\/two\.nii\.gz\)/,
    );

    await copyFile(join(FIXTURES, 'series4d.nii'), join(root, 'y', 'series.nii'));
    await expect(loadNifti(root)).rejects.toThrow(
      `${join(root, 'y', 'series.nii')}: a 4D series of 2 volumes is not supported`,
    );
  });
});
