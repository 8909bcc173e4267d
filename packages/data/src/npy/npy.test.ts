import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, parseNpy } from './npy.js';

function pythonHasNumpy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('.npy', () => {
  it('writes the v1.0 layout: magic, header padded to 64 bytes, float32 little-endian', () => {
    const bytes = encodeNpy([1.5, -2], [1, 2]);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
    const headerLength = bytes[8]! | (bytes[9]! << 8);
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(1, 2\), \} *\n$/);
    const data = new DataView(bytes.buffer, 10 + headerLength);
    expect([data.getFloat32(0, true), data.getFloat32(4, true)]).toEqual([1.5, -2]);
  });

  it('round-trips, including 1-d shapes', () => {
    const values = Float32Array.from({ length: 6 }, (_, i) => i / 7);
    expect(parseNpy(encodeNpy(values, [2, 3]))).toEqual({
      dtype: '<f4',
      shape: [2, 3],
      data: values,
    });
    expect(parseNpy(encodeNpy([3], [1])).shape).toEqual([1]);
  });

  it('says a truncated file is truncated, with the bytes expected and found', () => {
    const bytes = encodeNpy([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(() => parseNpy(bytes.subarray(0, bytes.length - 5), 'map.npy')).toThrow(
      'map.npy: truncated .npy file: shape (2, 3) of <f4 needs 24 bytes of data, got 19',
    );
    expect(() => parseNpy(bytes.subarray(0, 40), 'map.npy')).toThrow(
      /^map\.npy: truncated \.npy file: its header needs 118 bytes, 30 are there$/,
    );
    expect(() => parseNpy(bytes.subarray(0, 8), 'map.npy')).toThrow(
      /^map\.npy is not a \.npy array/,
    );
  });

  it('refuses a shape that does not hold the values', () => {
    expect(() => encodeNpy([1, 2, 3], [2, 2])).toThrow(/does not hold 3 values/);
  });

  const withNumpy = pythonHasNumpy() ? it : it.skip;
  withNumpy('is read by numpy.load with the right shape, dtype and values', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gsa-data-npy-'));
    try {
      const path = join(directory, 'map.npy');
      writeFileSync(path, encodeNpy([0, 0.25, 0.5, 1, 0.125, 0.75], [2, 3]));
      const printed = execFileSync(
        'python3',
        [
          '-c',
          'import numpy, sys, json; a = numpy.load(sys.argv[1]); print(json.dumps([a.dtype.str, a.shape, a.tolist()]))',
          path,
        ],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(printed)).toEqual([
        '<f4',
        [2, 3],
        [
          [0, 0.25, 0.5],
          [1, 0.125, 0.75],
        ],
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
