// A small NIfTI-1/NIfTI-2 reader (single-file .nii, gzipped .nii.gz via
// node:zlib), following the nifti1.h / nifti2.h header layouts: dimensions,
// data type, scl_slope/scl_inter, cal_min/cal_max and the voxel-to-world
// affine (sform, else qform), from which the closest canonical (RAS)
// orientation is found, as nibabel's as_closest_canonical does.
import { open, readFile } from 'node:fs/promises';
import { constants, gunzipSync } from 'node:zlib';
import { DataError } from '../../errors.js';

/** NIfTI data types read here: code -> [name, bytes per voxel]. */
const DATA_TYPES: Readonly<Record<number, readonly [string, number]>> = {
  2: ['uint8', 1],
  4: ['int16', 2],
  8: ['int32', 4],
  16: ['float32', 4],
  64: ['float64', 8],
  128: ['rgb24', 3],
  256: ['int8', 1],
  512: ['uint16', 2],
  768: ['uint32', 4],
};

/** What a NIfTI header says. */
export interface NiftiHeader {
  readonly version: 1 | 2;
  readonly littleEndian: boolean;
  /** Voxels along x, y, z (1 when absent), and the number of volumes (dim[4], 1 when absent). */
  readonly shape: readonly [number, number, number];
  readonly volumes: number;
  readonly dataType: string;
  readonly bytesPerVoxel: number;
  readonly voxOffset: number;
  /** scl_slope (1 when 0 or not finite, as the standard says) and scl_inter. */
  readonly slope: number;
  readonly intercept: number;
  readonly calMin: number;
  readonly calMax: number;
  /**
   * For each canonical axis (R, A, S): the stored axis it comes from and
   * whether it runs backwards. Identity when the file has no sform or qform.
   */
  readonly canonical: readonly { readonly axis: number; readonly flip: boolean }[];
  /** Axis codes of the stored voxel axes, e.g. 'RAS', 'LPS'; '???' without an affine. */
  readonly orientation: string;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function orientationOf(
  columns: readonly (readonly number[])[],
  name: string,
): { canonical: NiftiHeader['canonical']; orientation: string } {
  // columns[j] = world direction of voxel axis j; pick its dominant world axis.
  const letters = [
    ['L', 'R'],
    ['P', 'A'],
    ['I', 'S'],
  ];
  const canonical: { axis: number; flip: boolean }[] = [];
  let orientation = '';
  const taken = new Set<number>();
  columns.forEach((column, j) => {
    let best = 0;
    for (let i = 1; i < 3; i++) if (Math.abs(column[i]!) > Math.abs(column[best]!)) best = i;
    if (taken.has(best) || column[best] === 0) {
      throw new DataError(
        `${name}: its affine does not map the voxel axes to distinct world axes`,
        name,
      );
    }
    taken.add(best);
    const positive = column[best]! > 0;
    canonical[best] = { axis: j, flip: !positive };
    orientation += letters[best]![positive ? 1 : 0];
  });
  return { canonical, orientation };
}

/** Parses a NIfTI header from the first bytes of a (decompressed) file. */
export function parseNiftiHeader(bytes: Uint8Array, name: string): NiftiHeader {
  if (bytes.length < 348) throw new DataError(`${name}: too short for a NIfTI header`, name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = (little: boolean): number => view.getInt32(0, little);
  const littleEndian = size(true) === 348 || size(true) === 540;
  const sizeof = size(littleEndian);
  if (sizeof !== 348 && sizeof !== 540) {
    throw new DataError(`${name} is not a NIfTI file (sizeof_hdr is neither 348 nor 540)`, name);
  }
  const le = littleEndian;
  const version = sizeof === 348 ? 1 : 2;
  const text = (at: number, length: number): string =>
    String.fromCharCode(...bytes.subarray(at, at + length)).replace(/\0.*$/s, '');
  let dims: number[];
  let code: number;
  let voxOffset: number;
  let slope: number;
  let intercept: number;
  let calMax: number;
  let calMin: number;
  let pixdim: number[];
  let qformCode: number;
  let sformCode: number;
  let quatern: number[];
  let srows: number[][];
  if (version === 1) {
    const magic = text(344, 4);
    if (magic !== 'n+1') {
      throw new DataError(
        `${name}: NIfTI magic '${magic}' is not 'n+1' (a single .nii file); header/image pairs (.hdr/.img) are not supported`,
        name,
      );
    }
    dims = Array.from({ length: 8 }, (_, i) => view.getInt16(40 + 2 * i, le));
    code = view.getInt16(70, le);
    pixdim = Array.from({ length: 8 }, (_, i) => view.getFloat32(76 + 4 * i, le));
    voxOffset = view.getFloat32(108, le);
    slope = view.getFloat32(112, le);
    intercept = view.getFloat32(116, le);
    calMax = view.getFloat32(124, le);
    calMin = view.getFloat32(128, le);
    qformCode = view.getInt16(252, le);
    sformCode = view.getInt16(254, le);
    quatern = [256, 260, 264].map((at) => view.getFloat32(at, le));
    srows = [280, 296, 312].map((at) => [0, 1, 2, 3].map((k) => view.getFloat32(at + 4 * k, le)));
  } else {
    if (bytes.length < 540) throw new DataError(`${name}: too short for a NIfTI-2 header`, name);
    const magic = text(4, 3);
    if (magic !== 'n+2') {
      throw new DataError(
        `${name}: NIfTI-2 magic '${magic}' is not 'n+2' (a single .nii file)`,
        name,
      );
    }
    dims = Array.from({ length: 8 }, (_, i) => Number(view.getBigInt64(16 + 8 * i, le)));
    code = view.getInt16(12, le);
    pixdim = Array.from({ length: 8 }, (_, i) => view.getFloat64(104 + 8 * i, le));
    voxOffset = Number(view.getBigInt64(168, le));
    slope = view.getFloat64(176, le);
    intercept = view.getFloat64(184, le);
    calMax = view.getFloat64(192, le);
    calMin = view.getFloat64(200, le);
    qformCode = view.getInt32(344, le);
    sformCode = view.getInt32(348, le);
    quatern = [352, 360, 368].map((at) => view.getFloat64(at, le));
    srows = [400, 432, 464].map((at) => [0, 1, 2, 3].map((k) => view.getFloat64(at + 8 * k, le)));
  }
  const type = DATA_TYPES[code];
  if (type === undefined) {
    throw new DataError(
      `${name}: NIfTI data type ${code} is not supported (gsa reads ${Object.values(DATA_TYPES)
        .map(([typeName]) => typeName)
        .join(', ')})`,
      name,
    );
  }
  const rank = dims[0]!;
  if (!(rank >= 1 && rank <= 7))
    throw new DataError(`${name}: NIfTI dim[0] is ${rank}, expected 1-7`, name);
  const extent = (i: number): number => (i <= rank ? Math.max(1, dims[i]!) : 1);
  const volumes = [4, 5, 6, 7].reduce((product, i) => product * extent(i), 1);

  // World direction of each voxel axis (scaling does not matter for the axis codes).
  let columns: number[][] | undefined;
  if (sformCode > 0) {
    columns = [0, 1, 2].map((j) => srows.map((row) => row[j]!));
  } else if (qformCode > 0) {
    const [b, c, d] = quatern as [number, number, number];
    const a = Math.sqrt(Math.max(0, 1 - b * b - c * c - d * d));
    const r = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
    ];
    const qfac = pixdim[0]! < 0 ? -1 : 1;
    columns = [0, 1, 2].map((j) => r.map((row) => row[j]! * (j === 2 ? qfac : 1)));
  }
  const { canonical, orientation } =
    columns === undefined
      ? { canonical: [0, 1, 2].map((axis) => ({ axis, flip: false })), orientation: '???' }
      : orientationOf(columns, name);
  return {
    version,
    littleEndian: le,
    shape: [extent(1), extent(2), extent(3)],
    volumes,
    dataType: type[0],
    bytesPerVoxel: type[1],
    voxOffset: Math.max(voxOffset, sizeof),
    slope: slope === 0 || !Number.isFinite(slope) ? 1 : slope,
    intercept: Number.isFinite(intercept) ? intercept : 0,
    calMin,
    calMax,
    canonical,
    orientation,
  };
}

/** A whole volume: its header and a reader of voxel values (after scl_slope/scl_inter). */
export interface NiftiVolume {
  readonly header: NiftiHeader;
  /** Scaled value of voxel (x, y, z) in stored order; `channel` for RGB24. */
  value(x: number, y: number, z: number, channel?: number): number;
}

async function readBytes(file: string, name: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new DataError(`cannot read ${name}: ${(error as Error).message}`, name, { cause: error });
  }
}

function gunzip(bytes: Uint8Array, name: string, partial = false): Uint8Array {
  try {
    return gunzipSync(bytes, partial ? { finishFlush: constants.Z_SYNC_FLUSH } : {});
  } catch (error) {
    throw new DataError(`${name}: cannot decompress (${(error as Error).message})`, name, {
      cause: error,
    });
  }
}

/** Reads only the header (the first 64 KiB, decompressed as far as they go). */
export async function readNiftiHeader(file: string, name = file): Promise<NiftiHeader> {
  let head: Uint8Array;
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(65536);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new DataError(`cannot read ${name}: ${(error as Error).message}`, name, { cause: error });
  }
  return parseNiftiHeader(isGzip(head) ? gunzip(head, name, true) : head, name);
}

/** Reads a whole .nii or .nii.gz file. */
export async function readNifti(file: string, name = file): Promise<NiftiVolume> {
  let bytes = await readBytes(file, name);
  if (isGzip(bytes)) bytes = gunzip(bytes, name);
  const header = parseNiftiHeader(bytes, name);
  const [nx, ny, nz] = header.shape;
  const voxels = nx * ny * nz * header.volumes;
  const needed = header.voxOffset + voxels * header.bytesPerVoxel;
  if (bytes.byteLength < needed) {
    throw new DataError(
      `${name}: holds ${bytes.byteLength} bytes, its header needs ${needed} (${header.shape.join('x')}x${header.volumes} ${header.dataType}); truncated?`,
      name,
    );
  }
  const view = new DataView(
    bytes.buffer,
    bytes.byteOffset + header.voxOffset,
    voxels * header.bytesPerVoxel,
  );
  const le = header.littleEndian;
  const read: (offset: number) => number = {
    uint8: (at: number) => view.getUint8(at),
    int8: (at: number) => view.getInt8(at),
    int16: (at: number) => view.getInt16(at * 2, le),
    uint16: (at: number) => view.getUint16(at * 2, le),
    int32: (at: number) => view.getInt32(at * 4, le),
    uint32: (at: number) => view.getUint32(at * 4, le),
    float32: (at: number) => view.getFloat32(at * 4, le),
    float64: (at: number) => view.getFloat64(at * 8, le),
    rgb24: (at: number) => view.getUint8(at),
  }[header.dataType]!;
  const rgb = header.dataType === 'rgb24';
  const { slope, intercept } = header;
  return {
    header,
    value(x, y, z, channel = 0) {
      const index = x + nx * (y + ny * z);
      // RGB24 is stored as bytes, not scaled.
      return rgb ? read(index * 3 + channel) : read(index) * slope + intercept;
    },
  };
}

/** The shape [x, y, z] of a volume after reorientation to the closest canonical (RAS) one. */
export function canonicalShape(header: NiftiHeader): [number, number, number] {
  return [0, 1, 2].map((a) => header.shape[header.canonical[a]!.axis]!) as [number, number, number];
}

/**
 * One 2D slice: the plane `index` along `axis` (0 = x, 1 = y, 2 = z), in
 * canonical (RAS) axes when `canonical`, else as stored. Rows follow the
 * higher remaining axis and columns the lower one (an axial slice: rows = y,
 * columns = x). Returns the values row by row (and channel-interleaved for RGB24).
 */
export function extractSlice(
  volume: NiftiVolume,
  axis: number,
  index: number,
  canonical: boolean,
): { values: Float64Array; width: number; height: number; channels: number } {
  const header = volume.header;
  const map = canonical ? header.canonical : [0, 1, 2].map((a) => ({ axis: a, flip: false }));
  const shape = [0, 1, 2].map((a) => header.shape[map[a]!.axis]!);
  const [u, v] = [0, 1, 2].filter((a) => a !== axis) as [number, number];
  const width = shape[u]!;
  const height = shape[v]!;
  const channels = header.dataType === 'rgb24' ? 3 : 1;
  const values = new Float64Array(width * height * channels);
  const stored = [0, 0, 0];
  const place = (a: number, coordinate: number): void => {
    const { axis: from, flip } = map[a]!;
    stored[from] = flip ? header.shape[from]! - 1 - coordinate : coordinate;
  };
  place(axis, index);
  for (let row = 0; row < height; row++) {
    place(v, row);
    for (let column = 0; column < width; column++) {
      place(u, column);
      for (let c = 0; c < channels; c++) {
        values[(row * width + column) * channels + c] = volume.value(
          stored[0]!,
          stored[1]!,
          stored[2]!,
          c,
        );
      }
    }
  }
  return { values, width, height, channels };
}
