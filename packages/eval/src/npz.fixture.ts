// Test helper: a tiny reader for uint8 arrays in a NumPy .npz (a zip of .npy
// files), enough for the MedMNIST files in the shared data folder.
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';

export interface NpyArray {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== 'NUMPY') throw new Error(`${name} is not a .npy file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  if (!/'descr':\s*'\|u1'/.test(header))
    throw new Error(`${name}: only uint8 arrays are supported (${header})`);
  if (/'fortran_order':\s*True/.test(header))
    throw new Error(`${name}: Fortran order is not supported`);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  return { shape, data: bytes.subarray(headerStart + headerLength) };
}

export function readNpz(path: string): Record<string, NpyArray> {
  const entries = unzipSync(readFileSync(path));
  return Object.fromEntries(
    Object.entries(entries).map(([file, bytes]) => [
      file.replace(/\.npy$/, ''),
      parseNpy(bytes, file),
    ]),
  );
}
