// The safetensors format (https://github.com/huggingface/safetensors): an
// 8-byte little-endian header length N, N bytes of JSON
// `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }`
// (offsets relative to the end of the header), then the raw little-endian data.

export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** The largest header the reference implementation accepts. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's raw bytes (a view into the file, not a copy). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsEntry>;
  /** The optional `__metadata__` string map. */
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

function elementCount(shape: number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** Parses a safetensors file, checking its header against the data it describes. */
export function decodeSafetensors(file: Uint8Array | ArrayBuffer): SafetensorsFile {
  const bytes = file instanceof Uint8Array ? file : new Uint8Array(file);
  if (bytes.byteLength < 8)
    throw new SafetensorsError('Not a safetensors file: shorter than 8 bytes.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength) {
    throw new SafetensorsError(
      `Not a safetensors file: header length ${headerLength} does not fit a ${bytes.byteLength}-byte file.`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new SafetensorsError(
      `Not a safetensors file: the header is not JSON (${String(error)}).`,
    );
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new SafetensorsError('Not a safetensors file: the header is not a JSON object.');
  }
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  const ranges: [number, number, string][] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = value as {
      dtype?: unknown;
      shape?: unknown;
      data_offsets?: unknown;
    };
    if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) {
      throw new SafetensorsError(`${name}: unsupported dtype ${String(dtype)}.`);
    }
    if (!Array.isArray(shape) || shape.some((size) => !Number.isInteger(size) || size < 0)) {
      throw new SafetensorsError(`${name}: invalid shape ${JSON.stringify(shape)}.`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !Number.isInteger(offsets[0]) ||
      !Number.isInteger(offsets[1])
    ) {
      throw new SafetensorsError(`${name}: invalid data_offsets ${JSON.stringify(offsets)}.`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = elementCount(shape as number[]) * BYTES_PER_ELEMENT[dtype as SafetensorsDtype];
    if (begin < 0 || end < begin || end > data.byteLength || end - begin !== expected) {
      throw new SafetensorsError(
        `${name}: data_offsets [${begin}, ${end}] do not hold ${expected} bytes inside ${data.byteLength} bytes of data.`,
      );
    }
    ranges.push([begin, end, name]);
    tensors.set(name, {
      dtype: dtype as SafetensorsDtype,
      shape: shape as number[],
      bytes: data.subarray(begin, end),
    });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let index = 1; index < ranges.length; index++) {
    if (ranges[index]![0] < ranges[index - 1]![1]) {
      throw new SafetensorsError(`${ranges[index]![2]} overlaps ${ranges[index - 1]![2]}.`);
    }
  }
  return { tensors, metadata };
}

/** A float16 bit pattern as a number. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The bytes copied to a fresh, aligned buffer (typed arrays need aligned offsets). */
function aligned(bytes: Uint8Array, alignment: number): ArrayBuffer {
  if (bytes.byteOffset % alignment === 0) {
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  return new Uint8Array(bytes).buffer as ArrayBuffer;
}

/** The entry's values as float32 (from any float or integer dtype; 64-bit integers exactly up to 2^53). */
export function toFloat32Array(entry: SafetensorsEntry): Float32Array {
  const { dtype, bytes } = entry;
  const count = bytes.byteLength / BYTES_PER_ELEMENT[dtype];
  switch (dtype) {
    case 'F32':
      return new Float32Array(aligned(bytes, 4));
    case 'F64':
      return Float32Array.from(new Float64Array(aligned(bytes, 8)));
    case 'F16': {
      const halves = new Uint16Array(aligned(bytes, 2));
      return Float32Array.from(halves, halfToFloat);
    }
    case 'BF16': {
      const words = new Uint32Array(count);
      const halves = new Uint16Array(aligned(bytes, 2));
      for (let index = 0; index < count; index++) words[index] = halves[index]! << 16;
      return new Float32Array(words.buffer);
    }
    case 'I64':
      return Float32Array.from(new BigInt64Array(aligned(bytes, 8)), Number);
    case 'U64':
      return Float32Array.from(new BigUint64Array(aligned(bytes, 8)), Number);
    case 'I32':
      return Float32Array.from(new Int32Array(aligned(bytes, 4)));
    case 'U32':
      return Float32Array.from(new Uint32Array(aligned(bytes, 4)));
    case 'I16':
      return Float32Array.from(new Int16Array(aligned(bytes, 2)));
    case 'U16':
      return Float32Array.from(new Uint16Array(aligned(bytes, 2)));
    case 'I8':
      return Float32Array.from(new Int8Array(aligned(bytes, 1)));
    case 'U8':
    case 'BOOL':
      return Float32Array.from(bytes);
  }
}

export interface SafetensorsInput {
  dtype: 'F32' | 'I64';
  shape: number[];
  data: Float32Array | BigInt64Array;
}

/**
 * Writes a safetensors file. The header is padded with spaces to a multiple
 * of 8 bytes, as the reference writer does, so every tensor is aligned.
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header['__metadata__'] = metadata;
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const { dtype, shape, data } = tensors[name]!;
    if (data.length !== elementCount(shape)) {
      throw new SafetensorsError(`${name}: ${data.length} values for shape [${shape.join(', ')}].`);
    }
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).byteLength) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const file = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  file.set(headerBytes, 8);
  let position = 8 + headerBytes.byteLength;
  for (const name of names) {
    const { data } = tensors[name]!;
    file.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    position += data.byteLength;
  }
  return file;
}
