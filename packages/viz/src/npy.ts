// The NumPy .npy format, version 1.0: magic, version, a little-endian uint16
// header length, a Python dict literal padded with spaces to a multiple of 64
// bytes ending in '\n', then the raw data. Only float32 little-endian, C order.

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function shapeLiteral(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Float32 values with their shape as the bytes of a `.npy` file (`numpy.load` reads it). */
export function encodeNpy(values: ArrayLike<number>, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((product, size) => product * size, 1);
  if (shape.some((size) => !Number.isInteger(size) || size < 0) || count !== values.length) {
    throw new RangeError(`shape [${shape.join(', ')}] does not hold ${values.length} values`);
  }
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeLiteral(shape)}, }`;
  const preamble = MAGIC.length + 2 + 2;
  const headerLength = Math.ceil((preamble + dict.length + 1) / 64) * 64 - preamble;
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';
  const bytes = new Uint8Array(preamble + headerLength + count * 4);
  bytes.set(MAGIC, 0);
  bytes[6] = 1; // major version
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

export interface NpyArray {
  shape: number[];
  values: Float32Array;
}

/** Reads a `.npy` written by `encodeNpy` or by numpy (`<f4`, C order, versions 1-3). */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  if (MAGIC.some((byte, index) => bytes[index] !== byte))
    throw new Error('not a .npy file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) {
    throw new Error(`truncated .npy file: ${bytes.length} bytes end inside its preamble`);
  }
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (bytes.length < start + headerLength) {
    throw new Error(
      `truncated .npy file: its header needs ${headerLength} bytes, ${bytes.length - start} are there`,
    );
  }
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f4' || fortran !== 'False' || shapeText === undefined) {
    throw new Error(`unsupported .npy header ${header.trim()}: only '<f4' in C order is read`);
  }
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(Number);
  if (shape.some((size) => !Number.isInteger(size) || size < 0)) {
    throw new Error(`unsupported .npy header ${header.trim()}: the shape is not whole numbers`);
  }
  const count = shape.reduce((product, size) => product * size, 1);
  const dataStart = start + headerLength;
  const available = bytes.length - dataStart;
  if (available < count * 4) {
    throw new Error(
      `truncated .npy file: shape (${shape.join(', ')}) of float32 needs ${count * 4} bytes of data, got ${available}`,
    );
  }
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++)
    values[index] = view.getFloat32(dataStart + index * 4, true);
  return { shape, values };
}
