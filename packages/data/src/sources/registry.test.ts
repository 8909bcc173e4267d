import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { zipSync } from 'fflate';
import { cleanupScratch, scratchDir, testPixels, writeImage } from '../test-helpers.fixture.js';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import './builtin-sources.js';
import { registerMedicalSources } from './medical-sources.js';
import {
  datasetSources,
  datasetSpecSyntax,
  detectDatasetKind,
  loadDataset,
  parseDatasetSpec,
  registerDatasetSource,
} from './registry.js';

registerMedicalSources();

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

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
      settings: { task: 'edema' },
    });
    expect(parseDatasetSpec('idrid:grading')).toEqual({ kind: 'idrid', path: 'grading' });
    expect(parseDatasetSpec('C:\\data\\faces')).toEqual({ path: 'C:\\data\\faces' });
    expect(parseDatasetSpec('./faces')).toEqual({ path: './faces' });
    expect(() => parseDatasetSpec('folder:')).toThrow(/names no path after 'folder:'/);
    expect(() => parseDatasetSpec('  ')).toThrow(/the dataset is empty/);
  });

  it('reads dicom: and nifti: settings after ?, and names the syntax for unknown kinds and settings', () => {
    expect(
      parseDatasetSpec(
        'dicom:/d/ct?window=40,400&flip=R&group=study&salt=none&key=patient&labels=my%20labels.csv',
      ),
    ).toEqual({
      kind: 'dicom',
      path: '/d/ct',
      settings: {
        window: { center: 40, width: 400 },
        flipLaterality: 'R',
        groupBy: 'study',
        salt: false,
        labelKey: 'patient',
        labelsFile: 'my labels.csv',
      },
    });
    expect(parseDatasetSpec('dicom:/d/ct?flip=right-eyes.txt&window=minmax').settings).toEqual({
      flip: 'right-eyes.txt',
      window: 'minmax',
    });
    expect(parseDatasetSpec('nifti:/d/brain.nii.gz?axis=1&index=middle&orient=stored')).toEqual({
      kind: 'nifti',
      path: '/d/brain.nii.gz',
      settings: { axis: 1, index: 'middle', orient: 'stored' },
    });
    expect(parseDatasetSpec('nifti:/d?index=12').settings).toEqual({ index: 12 });
    expect(() => parseDatasetSpec('dicom:/d?axis=2')).toThrow(
      /unknown setting 'axis' for dicom:; use labels, key, window, flip, group, salt/,
    );
    expect(() => parseDatasetSpec('nifti:/d?axis=3')).toThrow(/axis=3: expected 0, 1, 2/);
    expect(() => parseDatasetSpec('nifti:/d?index=-1')).toThrow(/non-negative integer or 'middle'/);
    expect(() => parseDatasetSpec('dicom:/d?window=40')).toThrow(
      /window '40' is not file, range, minmax or CENTER,WIDTH/,
    );
    expect(() => parseDatasetSpec('dicm:/d')).toThrow(
      /unknown dataset kind 'dicm:' in 'dicm:\/d' \(known: folder:, medmnist:, jaffe:, idrid:, dicom:, nifti:\).*dicom:DIR\[\?labels=FILE&key=file\|sop\|patient.*nifti:FILE_OR_DIR\[\?labels=FILE&axis=0\|1\|2/,
    );
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
      /cannot tell what .*a\.png holds: expected .*a MedMNIST \.npz.*; or name its kind: folder:PATH/,
    );
    await expect(detectDatasetKind(scratchDir())).rejects.toThrow(/cannot tell what .* holds/);

    const dicom = scratchDir();
    await mkdir(join(dicom, 'a'));
    await copyFile(join(FIXTURES, 'dicom', 'mono2.dcm'), join(dicom, 'a', 'x.dcm'));
    await writeFile(join(dicom, 'labels.csv'), 'file,label\na/x.dcm,yes\n');
    expect(await detectDatasetKind(dicom)).toBe('dicom');
    expect(await detectDatasetKind(join(FIXTURES, 'nifti'))).toBe('nifti');
    expect(await detectDatasetKind(join(FIXTURES, 'nifti', 'volume.nii.gz'))).toBe('nifti');
    const fromDicom = await loadDataset(`dicom:${dicom}?window=200,1000&flip=R&salt=none`, {
      size: 4,
    });
    expect((fromDicom.images as tf.Tensor4D).shape).toEqual([1, 4, 4, 1]);
    expect(fromDicom.metadata.details).toMatchObject({ window: '200,1000', flipped: ['a/x.dcm'] });
    expect(fromDicom.groups).toEqual(['PHI-4711-SECRET']);
    (fromDicom.images as tf.Tensor4D).dispose();
    const fromNifti = await loadDataset(join(FIXTURES, 'nifti'));
    expect((fromNifti.images as tf.Tensor4D).shape).toEqual([4, 5, 7, 1]);
    (fromNifti.images as tf.Tensor4D).dispose();

    const set = await loadDataset(csv, { channels: 3 });
    expect((set.images as tf.Tensor4D).shape).toEqual([1, 4, 4, 3]);
    (set.images as tf.Tensor4D).dispose();
    const named = await loadDataset(`folder:${classes}`);
    expect(named.classNames).toEqual(['x']);
    (named.images as tf.Tensor4D).dispose();
  });
});

describe('the registry', () => {
  it('takes a new source: named, detected, and listed in the syntax', async () => {
    const root = scratchDir();
    await writeFile(join(root, 'scan.xyz'), 'x');
    registerDatasetSource({
      kind: 'xyz-scans',
      syntax: 'DIR (.xyz files)',
      detectOrder: 5,
      detect: ({ path, isFile }) => !isFile && path === root,
      load: async () => {
        throw new Error('not loaded in this test');
      },
    });
    expect(datasetSources().map((source) => source.kind)).toContain('xyz-scans');
    expect(datasetSpecSyntax()).toMatch(/xyz-scans:DIR \(\.xyz files\)/);
    expect(parseDatasetSpec('xyz-scans:/d')).toEqual({ kind: 'xyz-scans', path: '/d' });
    expect(await detectDatasetKind(root)).toBe('xyz-scans');
    await expect(loadDataset(root)).rejects.toThrow('not loaded in this test');
    expect(() =>
      registerDatasetSource({ kind: 'X', syntax: '', load: () => Promise.reject(new Error()) }),
    ).toThrow(/lower-case letters/);
  });
});
