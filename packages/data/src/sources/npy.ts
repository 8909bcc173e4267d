// NumPy .npy arrays (format versions 1-3) and .npz archives (a zip of .npy
// files, stored or deflated) read with fflate. Only what image data needs:
// bool, (u)int8/16/32/64 and float32/64, C order, either byte order.
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { DataError } from '../errors.js';

export type NpyData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** One array: its dtype descriptor (e.g. '|u1', '<f4'), shape and values in C order. */
export interface NpyArray {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function parseHeader(
  text: string,
  name: string,
): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(`${name}: malformed .npy header '${text.trim()}'`, name);
  }
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const size = Number(part.replace(/L$/, ''));
      if (!Number.isInteger(size) || size < 0)
        throw new DataError(`${name}: bad shape (${shapeText})`, name);
      return size;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/** Parses one .npy file's bytes; `name` labels errors. */
export function parseNpy(bytes: Uint8Array, name = 'array.npy'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((value, i) => bytes[i] !== value)) {
    throw new DataError(`${name} is not a .npy array (bad magic)`, name);
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (major < 1 || major > 3)
    throw new DataError(`${name}: unsupported .npy version ${major}`, name);
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw new DataError(`${name}: truncated .npy header`, name);
  const header = parseHeader(
    new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
      bytes.subarray(headerStart, dataStart),
    ),
    name,
  );
  if (header.fortran && header.shape.length > 1) {
    throw new DataError(
      `${name}: Fortran-ordered arrays are not supported; save it with np.ascontiguousarray`,
      name,
    );
  }
  const match = /^([<>|=])([biuf])(\d+)$/.exec(header.descr);
  if (match === null) throw new DataError(`${name}: unsupported dtype '${header.descr}'`, name);
  const [, order, kind, sizeText] = match as unknown as [string, string, string, string];
  const size = Number(sizeText);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const payload = bytes.subarray(dataStart);
  if (payload.length < count * size) {
    throw new DataError(
      `${name}: truncated data, ${payload.length} of ${count * size} bytes`,
      name,
    );
  }
  // Copy into an aligned buffer, swapping bytes for big-endian data.
  const aligned = new Uint8Array(count * size);
  aligned.set(payload.subarray(0, count * size));
  if (order === '>' && size > 1) {
    for (let i = 0; i < aligned.length; i += size) aligned.subarray(i, i + size).reverse();
  }
  const buffer = aligned.buffer;
  let data: NpyData;
  const key = `${kind}${size}`;
  switch (key) {
    case 'b1':
    case 'u1':
      data = new Uint8Array(buffer);
      break;
    case 'i1':
      data = new Int8Array(buffer);
      break;
    case 'u2':
      data = new Uint16Array(buffer);
      break;
    case 'i2':
      data = new Int16Array(buffer);
      break;
    case 'u4':
      data = new Uint32Array(buffer);
      break;
    case 'i4':
      data = new Int32Array(buffer);
      break;
    case 'f4':
      data = new Float32Array(buffer);
      break;
    case 'f8':
      data = new Float64Array(buffer);
      break;
    case 'i8':
      data = Float64Array.from(new BigInt64Array(buffer), Number);
      break;
    case 'u8':
      data = Float64Array.from(new BigUint64Array(buffer), Number);
      break;
    default:
      throw new DataError(`${name}: unsupported dtype '${header.descr}'`, name);
  }
  return { dtype: header.descr, shape: header.shape, data };
}

/**
 * Reads the arrays of a .npz file, keyed by name without `.npy`. `only`
 * limits which arrays are decompressed; one of them missing is an error that
 * lists the arrays the file has.
 */
export async function readNpz(
  file: string,
  only?: readonly string[],
): Promise<Map<string, NpyArray>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new DataError(`cannot read ${file}: ${(error as Error).message}`, file, { cause: error });
  }
  const names: string[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (entry) => {
        const name = entry.name.replace(/\.npy$/, '');
        if (entry.name.endsWith('.npy')) names.push(name);
        return only === undefined || only.includes(name);
      },
    });
  } catch (error) {
    throw new DataError(
      `${file} is not a readable .npz (zip) archive: ${(error as Error).message}`,
      file,
      {
        cause: error,
      },
    );
  }
  const missing = (only ?? []).filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw new DataError(
      `${file} has no array(s) ${missing.join(', ')}; it has ${names.length > 0 ? names.join(', ') : 'none'}`,
      file,
    );
  }
  const arrays = new Map<string, NpyArray>();
  for (const [entry, content] of Object.entries(entries)) {
    if (!entry.endsWith('.npy')) continue;
    arrays.set(entry.slice(0, -4), parseNpy(content, `${file}:${entry}`));
  }
  return arrays;
}
