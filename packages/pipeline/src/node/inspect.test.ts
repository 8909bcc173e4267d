// `gsa datasets inspect` on the DICOM and NIfTI fixtures of @gsa/data: what it
// shows, and that no header identifier is among it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import '@gsa/data/medical';
import { loadDataset } from '@gsa/data/node';
import { DATA_FIXTURES } from '@gsa/data/testing';
import { describeImageSet } from './inspect.js';

const fixtures = DATA_FIXTURES;

beforeAll(async () => {
  await useBackend('cpu');
});

describe('describeImageSet', () => {
  it('shows modality, sizes, bit depth, window and patient counts of a DICOM set, and no PHI', async () => {
    const spec = `dicom:${join(fixtures, 'dicom', 'set')}?flip=R`;
    const set = await loadDataset(spec);
    const text = describeImageSet(spec, set);
    expect(text).toContain('8 images of 8x8x1');
    expect(text).toContain('  modality: OT (8)');
    expect(text).toContain('  source sizes (rows x columns): 8x8 (8)');
    expect(text).toContain('  bits stored: 8 (8)');
    expect(text).toContain("  window: file (the files' center,width: none (stored range) (8))");
    expect(text).toContain('  patients: 4, studies: 4');
    expect(text).toContain('  groups: 4');
    expect(text).toContain('  flipped horizontally: 4 (laterality R)');
    const phi = JSON.parse(readFileSync(join(fixtures, 'dicom', 'expected.json'), 'utf8')) as {
      phi: string[];
    };
    for (const value of phi.phi) expect(text).not.toContain(value);
    (set.images as tf.Tensor4D).dispose();
  });

  it('shows shapes, orientation and slices of a NIfTI set', async () => {
    const spec = `nifti:${join(fixtures, 'nifti')}?window=minmax`;
    const set = await loadDataset(spec);
    const text = describeImageSet(spec, set);
    expect(text).toContain('4 images of 5x7x1');
    expect(text).toContain('  source shapes (x y z): 7x5x1 (4)');
    expect(text).toContain('  stored orientation: RAS (4)');
    expect(text).toContain('  slices: 2D image (4)');
    expect(text).toContain('  window: minmax');
    (set.images as tf.Tensor4D).dispose();
  });
});
