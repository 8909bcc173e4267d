// NumPy .npy arrays (format versions 1-3) and .npz archives (a zip of .npy
// files, stored or deflated) read with fflate; float32 .npy written. Only what
// image data needs: bool, (u)int8/16/32/64 and float32/64, C order, either
// byte order. Bytes in, bytes out: reading a file is @gsa/data/node's readNpz.
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
  if (dataStart > bytes.length) {
    throw new DataError(
      `${name}: truncated .npy file: its header needs ${headerLength} bytes, ${bytes.length - headerStart} are there`,
      name,
    );
  }
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
      `${name}: truncated .npy file: shape (${header.shape.join(', ')}) of ${header.descr} needs ${count * size} bytes of data, got ${payload.length}`,
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
 * The arrays of a .npz archive's bytes, keyed by name without `.npy`. `only`
 * limits which arrays are decompressed; one of them missing is an error that
 * lists the arrays the archive has. `name` labels errors.
 */
export function parseNpz(
  bytes: Uint8Array,
  name = 'arrays.npz',
  only?: readonly string[],
): Map<string, NpyArray> {
  const names: string[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (entry) => {
        const array = entry.name.replace(/\.npy$/, '');
        if (entry.name.endsWith('.npy')) names.push(array);
        return only === undefined || only.includes(array);
      },
    });
  } catch (error) {
    throw new DataError(
      `${name} is not a readable .npz (zip) archive: ${(error as Error).message}`,
      name,
      { cause: error },
    );
  }
  const missing = (only ?? []).filter((array) => !names.includes(array));
  if (missing.length > 0) {
    throw new DataError(
      `${name} has no array(s) ${missing.join(', ')}; it has ${names.length > 0 ? names.join(', ') : 'none'}`,
      name,
    );
  }
  const arrays = new Map<string, NpyArray>();
  for (const [entry, content] of Object.entries(entries)) {
    if (!entry.endsWith('.npy')) continue;
    arrays.set(entry.slice(0, -4), parseNpy(content, `${name}:${entry}`));
  }
  return arrays;
}

function shapeLiteral(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Float32 values with their shape as the bytes of a version 1.0 `.npy` file
 * (`numpy.load` reads it; `parseNpy` reads it back).
 */
export function encodeNpy(values: ArrayLike<number>, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((product, size) => product * size, 1);
  if (shape.some((size) => !Number.isInteger(size) || size < 0) || count !== values.length) {
    throw new RangeError(`shape [${shape.join(', ')}] does not hold ${values.length} values`);
  }
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeLiteral(shape)}, }`;
  // Magic, version and a little-endian uint16 header length; the header is
  // padded with spaces to a multiple of 64 bytes and ends in a newline.
  const preamble = MAGIC.length + 2 + 2;
  const headerLength = Math.ceil((preamble + dict.length + 1) / 64) * 64 - preamble;
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';
  const bytes = new Uint8Array(preamble + headerLength + count * 4);
  bytes.set(MAGIC, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  const view = new DataView(bytes.buffer);
  view.setUint16(8, headerLength, true);
  for (let index = 0; index < header.length; index++)
    bytes[preamble + index] = header.charCodeAt(index);
  for (let index = 0; index < count; index++) {
    view.setFloat32(preamble + headerLength + index * 4, values[index]!, true);
  }
  return bytes;
}
