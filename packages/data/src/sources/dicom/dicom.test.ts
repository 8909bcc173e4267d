// DICOM fixtures made by scripts/make-medical-fixtures.py (pydicom + dcmtk);
// expected values computed there in numpy from DICOM PS3.3 C.11.
import { readFileSync } from 'node:fs';
import { copyFile, cp, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { isLazyImages } from '../../images/image-set.js';
import { groupHoldout, groupKFold, holdout } from '../../splits/splits.js';
import { cleanupScratch, scratchDir } from '../../test-helpers.fixture.js';
import type { ImageSet } from '../../types.js';
import { applyWindow, decodeDicom } from './decode-dicom.js';
import { loadDicom } from './dicom.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'dicom');
const SET = join(FIXTURES, 'set');
interface Expected {
  mono2: { stored: number[]; rescaled: number[]; windowed: number[] };
  'mono2-window-200-1000': number[];
  'mono2-no-window': number[];
  'ct-signed': { stored: number[]; windowed: number[] };
  mono8: number[];
  rgb: number[];
  set: Record<string, number[]>;
  phi: string[];
}
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Expected;

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(cleanupScratch);

function maxDifference(actual: ArrayLike<number>, wanted: readonly number[]): number {
  expect(actual.length).toBe(wanted.length);
  let worst = 0;
  for (let i = 0; i < wanted.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - wanted[i]!));
  return worst;
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

function dispose(set: ImageSet): void {
  if (!isLazyImages(set.images)) set.images.dispose();
}

describe('decodeDicom', () => {
  it('applies rescale slope/intercept and the file window, in every uncompressed and lossless syntax', async () => {
    for (const name of [
      'mono2', // explicit VR little endian
      'mono2-implicit',
      'mono2-big-endian',
      'mono2-deflated',
      'mono2-rle',
      'mono2-jpeg-lossless',
    ]) {
      const { image, header } = await decodeDicom(join(FIXTURES, `${name}.dcm`));
      expect([image.width, image.height, image.channels, image.maxValue]).toEqual([8, 8, 1, 1]);
      expect(maxDifference(image.data, expected.mono2.windowed)).toBeLessThan(1e-6);
      expect(header.slope).toBe(0.5);
      expect(header.intercept).toBe(-100);
      expect(header.window).toEqual({ center: 300, width: 800 });
    }
    // Spot check by hand: stored 1000 -> 0.5 * 1000 - 100 = 400 -> (400 - 299.5) / 799 + 0.5.
    expect(applyWindow(Float64Array.of(400, -200, 800), 300, 800)[0]).toBeCloseTo(0.625782, 6);
    expect([...applyWindow(Float64Array.of(-200, 800), 300, 800)]).toEqual([0, 1]);
  });

  it('inverts MONOCHROME1 against MONOCHROME2', async () => {
    const two = (await decodeDicom(join(FIXTURES, 'mono2.dcm'))).image.data;
    const one = (await decodeDicom(join(FIXTURES, 'mono1.dcm'))).image.data;
    expect(
      maxDifference(
        one,
        [...two].map((value) => 1 - value),
      ),
    ).toBeLessThan(1e-6);
    expect(one.some((value, i) => Math.abs(value - two[i]!) > 0.1)).toBe(true);
  });

  it('uses the window given instead of the file one, and the stored range when the file has none', async () => {
    const given = await decodeDicom(join(FIXTURES, 'mono2.dcm'), { center: 200, width: 1000 });
    expect(maxDifference(given.image.data, expected['mono2-window-200-1000'])).toBeLessThan(1e-6);
    const none = await decodeDicom(join(FIXTURES, 'mono2-no-window.dcm'));
    expect(maxDifference(none.image.data, expected['mono2-no-window'])).toBeLessThan(1e-6);
    const minmax = (await decodeDicom(join(FIXTURES, 'mono2.dcm'), 'minmax')).image.data;
    expect(Math.min(...minmax)).toBe(0);
    expect(Math.max(...minmax)).toBe(1);
  });

  it('reads signed CT values with the first of several windows', async () => {
    const { image, header } = await decodeDicom(join(FIXTURES, 'ct-signed.dcm'));
    expect(header.modality).toBe('CT');
    expect(header.window).toEqual({ center: 40, width: 400 });
    expect(maxDifference(image.data, expected['ct-signed'].windowed)).toBeLessThan(1e-6);
  });

  it('reads RGB interleaved, planar and RLE, and 8-bit grey raw and JPEG Baseline', async () => {
    for (const name of ['rgb', 'rgb-planar', 'rgb-rle']) {
      const { image } = await decodeDicom(join(FIXTURES, `${name}.dcm`));
      expect(image.channels).toBe(3);
      expect(maxDifference(image.data, expected.rgb)).toBeLessThan(1e-6);
    }
    const raw = await decodeDicom(join(FIXTURES, 'mono8.dcm'));
    expect(maxDifference(raw.image.data, expected.mono8)).toBeLessThan(1e-6);
    const jpeg = await decodeDicom(join(FIXTURES, 'mono8-jpeg-baseline.dcm'));
    expect(jpeg.image.channels).toBe(1);
    // Lossy (IJG quality 90) on a smooth ramp: within 2 grey levels.
    expect(maxDifference(jpeg.image.data, expected.mono8)).toBeLessThanOrEqual(2 / 255);
  });

  it('refuses multi-frame files and unsupported transfer syntaxes, naming the file', async () => {
    const multi = join(FIXTURES, 'multiframe.dcm');
    await expect(decodeDicom(multi)).rejects.toThrow(
      `${multi}: multi-frame image (3 frames) is not supported`,
    );
    const j2k = join(FIXTURES, 'jpeg2000.dcm');
    await expect(decodeDicom(j2k)).rejects.toThrow(
      `${j2k}: transfer syntax 1.2.840.10008.1.2.4.90 (JPEG 2000 Lossless) is not supported`,
    );
    const csv = join(SET, 'labels.csv');
    await expect(decodeDicom(csv)).rejects.toThrow(`${csv} is not a DICOM Part 10 file`);
  });
});

describe('loadDicom', () => {
  const files = Object.keys(expected.set);

  it('loads a labelled tree: ids are relative paths, pixels as stored, groups one per patient', async () => {
    const set = await loadDicom(SET);
    expect(set.ids).toEqual(files);
    expect(set.classNames).toEqual(['disease', 'normal']);
    expect([...set.labels]).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    expect((set.images as tf.Tensor4D).shape).toEqual([8, 8, 8, 1]);
    expect(
      maxDifference(
        await pixelsOf(set),
        files.flatMap((file) => expected.set[file]!),
      ),
    ).toBeLessThan(1e-6);
    const groups = set.groups!;
    expect(new Set(groups).size).toBe(4);
    for (let p = 0; p < 4; p++) expect(groups[2 * p]).toBe(groups[2 * p + 1]);
    expect(groups[0]).toMatch(/^patient-[0-9a-f]{16}$/);
    expect(set.metadata.details).toMatchObject({
      modality: { OT: 8 },
      sourceSizes: { '8x8': 8 },
      bitsStored: { '8': 8 },
      photometric: { MONOCHROME2: 8 },
      transferSyntax: { 'Explicit VR Little Endian': 8 },
      window: 'file',
      fileWindows: { 'none (stored range)': 8 },
      labelKey: 'file',
      patients: 4,
      laterality: { L: 4, R: 4 },
      flipped: [],
    });
    // The same files give the same groups every time (reproducible splits); a user salt changes the names only.
    const again = await loadDicom(SET);
    expect(again.groups).toEqual(groups);
    const salted = await loadDicom(SET, { salt: 'site-secret' });
    expect(salted.groups).not.toEqual(groups);
    expect(new Set(salted.groups).size).toBe(4);
    for (const loaded of [set, again, salted]) dispose(loaded);
  });

  it('keys labels by SOP Instance UID or PatientID as well as by file', async () => {
    for (const [file, key] of [
      ['labels-by-sop.csv', 'sop'],
      ['labels-by-patient.csv', 'patient'],
    ] as const) {
      const set = await loadDicom(SET, { labelsFile: file });
      expect(set.ids).toEqual(files);
      expect([...set.labels]).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
      expect(set.metadata.details).toMatchObject({ labelKey: key, unlabelled: 0 });
      dispose(set);
    }
    const root = scratchDir();
    await cp(SET, root, { recursive: true });
    await writeFile(join(root, 'labels.csv'), 'PatientID,label\nPHI-PAT-0001,a\nNOT-A-PATIENT,b\n');
    const failure = loadDicom(root);
    await expect(failure).rejects.toThrow(
      /1 row\(s\) match no PatientID among the files \(line 3\)/,
    );
    await expect(loadDicom(root)).rejects.not.toThrow(/NOT-A-PATIENT/);
    await writeFile(join(root, 'labels.csv'), 'PatientID,label\nPHI-PAT-0001,a\n');
    const partial = await loadDicom(root);
    expect(partial.ids).toEqual(files.slice(0, 2));
    expect(partial.metadata.details).toMatchObject({ unlabelled: 6 });
    dispose(partial);
  });

  it('keeps every patient on one side of group-aware splits', async () => {
    const set = await loadDicom(SET);
    const groups = set.groups!;
    const split = groupHoldout(set.labels, groups, { testFraction: 0.25, seed: 3 });
    const trainGroups = new Set(split.train.map((i) => groups[i]));
    expect(split.test.length).toBeGreaterThan(0);
    for (const i of split.test) expect(trainGroups.has(groups[i])).toBe(false);
    const byHoldout = holdout(set, { seed: 0, groupAware: true, testFraction: 0.25 });
    expect(byHoldout.method).toBe('group');
    const testGroups = new Set(byHoldout.test.map((i) => groups[i]));
    for (const i of byHoldout.train) expect(testGroups.has(groups[i])).toBe(false);
    for (const fold of groupKFold(set.labels, groups, { k: 2, seed: 1 })) {
      const held = new Set(fold.validation.map((i) => groups[i]));
      for (const i of fold.train) expect(held.has(groups[i])).toBe(false);
    }
    dispose(set);
  });

  it('flips by laterality or by a list, resizes with INTER_AREA and loads lazily', async () => {
    const plain = await loadDicom(SET);
    const flipped = await loadDicom(SET, { flipLaterality: 'R' });
    expect(flipped.metadata.details?.flipped).toEqual(files.filter((_, i) => i % 2 === 1));
    const a = await pixelsOf(plain);
    const b = await pixelsOf(flipped);
    for (let n = 0; n < 8; n++) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          const mirrored = n % 2 === 1 ? 7 - x : x;
          expect(b[n * 64 + y * 8 + x]).toBe(a[n * 64 + y * 8 + mirrored]);
        }
      }
    }
    const listed = await loadDicom(SET, { flip: [files[0]!] });
    expect(listed.metadata.details?.flipped).toEqual([files[0]]);
    await expect(loadDicom(SET, { flip: ['nope.dcm'] })).rejects.toThrow(
      /flip list id\(s\) not in the set: nope\.dcm/,
    );

    const small = await loadDicom(SET, { size: 4, channels: 3, normalize: 'imagenet', lazy: true });
    expect(isLazyImages(small.images)).toBe(true);
    const pixels = await pixelsOf(small);
    expect(pixels.length).toBe(8 * 4 * 4 * 3);
    // Block mean of the first 2x2 block, then ImageNet's red channel statistics.
    const first = expected.set[files[0]!]!;
    const mean = (first[0]! + first[1]! + first[8]! + first[9]!) / 4;
    expect(pixels[0]).toBeCloseTo((mean - 0.485) / 0.229, 5);
    for (const loaded of [plain, flipped, listed]) dispose(loaded);
  });

  it('refuses a tree holding a multi-frame or JPEG 2000 file, naming it, before decoding', async () => {
    for (const name of ['multiframe.dcm', 'jpeg2000.dcm']) {
      const root = scratchDir();
      await mkdir(join(root, 'a'));
      await copyFile(join(FIXTURES, 'mono2.dcm'), join(root, 'a', 'mono2.dcm'));
      await copyFile(join(FIXTURES, name), join(root, 'a', name));
      await expect(loadDicom(root)).rejects.toThrow(
        name === 'multiframe.dcm'
          ? `${join(root, 'a', name)}: multi-frame`
          : `${join(root, 'a', name)}: transfer syntax`,
      );
    }
  });

  it('reads class subfolders when there is no labels CSV', async () => {
    const root = scratchDir();
    await mkdir(join(root, 'ct'));
    await mkdir(join(root, 'other'));
    await copyFile(join(FIXTURES, 'ct-signed.dcm'), join(root, 'ct', 'x.dcm'));
    await copyFile(join(FIXTURES, 'mono2.dcm'), join(root, 'other', 'y'));
    const set = await loadDicom(root, { window: { center: 40, width: 400 }, groupBy: 'none' });
    expect(set.ids).toEqual(['ct/x.dcm', 'other/y']);
    expect(set.classNames).toEqual(['ct', 'other']);
    expect(set.groups).toBeUndefined();
    expect(set.metadata.details).toMatchObject({ window: '40,400', labelKey: 'folder' });
    dispose(set);
  });

  it('writes no header identifier (names, IDs, dates, UIDs) into anything the set exposes', async () => {
    const uids = readFileSync(join(SET, 'labels-by-sop.csv'), 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]!)
      .filter((uid) => uid !== '');
    const forbidden = [...expected.phi, ...uids];
    for (const options of [
      {},
      { labelsFile: 'labels-by-patient.csv' },
      { labelsFile: 'labels-by-sop.csv', groupBy: 'study' as const },
    ]) {
      const set = await loadDicom(SET, options);
      const exposed = JSON.stringify({
        ids: set.ids,
        groups: set.groups,
        splits: set.splits,
        classNames: set.classNames,
        labels: [...set.labels],
        metadata: set.metadata,
      });
      for (const value of forbidden) expect(exposed).not.toContain(value);
      dispose(set);
    }
    // Only when the user asks (salt: false) do the plain PatientIDs become the groups.
    const plain = await loadDicom(SET, { salt: false });
    expect(plain.groups![0]).toBe('PHI-PAT-0001');
    dispose(plain);
  });
});
