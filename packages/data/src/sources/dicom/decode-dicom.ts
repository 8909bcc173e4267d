// One DICOM Part 10 file -> one image in [0, 1]: parse (dicom-parser), decode
// the frame (native, deflated, RLE, JPEG lossless, JPEG baseline), then the
// grey pipeline of PS3.3 C.11: modality rescale, VOI window, MONOCHROME1
// inverted; colour (RGB, YBR_FULL) scaled by its bit depth.
import { readFile } from 'node:fs/promises';
import dicomParser from 'dicom-parser';
import sharp, { type OutputInfo } from 'sharp';
import { DataError } from '../../errors.js';
import type { RawImage } from '../../types.js';
import type { IntensityWindow } from '../medical-labels.js';
import { decodeRle } from './rle.js';

/** Transfer syntaxes read here, by UID. */
export const DICOM_SUPPORTED_TRANSFER_SYNTAXES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (8-bit)',
};

/** Transfer syntaxes refused with a clear message (no well-kept pure-JS decoder). */
export const DICOM_UNSUPPORTED_TRANSFER_SYNTAXES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (12-bit lossy)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.4.100': 'MPEG2 video',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 video',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 video (BD)',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
};

/** The one method used of jpeg-lossless-decoder-js (2.1.2 does not publish its .d.ts). */
interface JpegLosslessDecoder {
  /** Samples of 1 byte, or 2 (little-endian) above 8 bits. */
  decompress(buffer: ArrayBuffer, offset: number, length: number): ArrayBuffer;
}
// A variable specifier: TypeScript does not look for the missing types, and the
// decoder loads only when a JPEG Lossless file is met.
const JPEG_LOSSLESS_MODULE: string = 'jpeg-lossless-decoder-js';
async function jpegLosslessDecoder(): Promise<JpegLosslessDecoder> {
  const module = (await import(JPEG_LOSSLESS_MODULE)) as {
    Decoder: new () => JpegLosslessDecoder;
  };
  return new module.Decoder();
}

const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const RLE = '1.2.840.10008.1.2.5';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const JPEG_LOSSLESS = new Set(['1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70']);

/** What a file's header says, kept in memory only: `patientId` and `sopInstanceUid` never leave the loader. */
export interface DicomHeader {
  readonly transferSyntax: string;
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly photometric: string;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly frames: number;
  readonly modality?: string;
  readonly laterality?: string;
  readonly slope: number;
  readonly intercept: number;
  readonly window?: { readonly center: number; readonly width: number };
  readonly voiFunction: string;
  readonly patientId?: string;
  readonly studyInstanceUid?: string;
  readonly sopInstanceUid?: string;
}

const GREY = new Set(['MONOCHROME1', 'MONOCHROME2']);
const COLOUR = new Set(['RGB', 'YBR_FULL']);

function parse(bytes: Uint8Array, name: string, headerOnly: boolean): dicomParser.DataSet {
  if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM') {
    throw new DataError(
      `${name} is not a DICOM Part 10 file (no 'DICM' after the 128-byte preamble)`,
      name,
    );
  }
  try {
    return dicomParser.parseDicom(bytes, headerOnly ? { untilTag: 'x7fe00010' } : {});
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new DataError(`${name}: cannot parse the DICOM file (${message})`, name, {
      cause: error,
    });
  }
}

function text(data: dicomParser.DataSet, tag: string): string | undefined {
  const value = data.string(tag)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function number(data: dicomParser.DataSet, tag: string): number | undefined {
  const value = data.floatString(tag, 0);
  return value === undefined || !Number.isFinite(value) ? undefined : value;
}

function headerOf(data: dicomParser.DataSet, name: string): DicomHeader {
  const transferSyntax = text(data, 'x00020010') ?? '1.2.840.10008.1.2';
  const center = number(data, 'x00281050');
  const width = number(data, 'x00281051');
  const required = (tag: string, what: string): number => {
    const value = data.uint16(tag);
    if (value === undefined)
      throw new DataError(`${name}: no ${what} (${tag}); is it an image?`, name);
    return value;
  };
  const header: DicomHeader = {
    transferSyntax,
    rows: required('x00280010', 'Rows'),
    columns: required('x00280011', 'Columns'),
    samplesPerPixel: data.uint16('x00280002') ?? 1,
    photometric: text(data, 'x00280004') ?? 'MONOCHROME2',
    bitsAllocated: required('x00280100', 'Bits Allocated'),
    bitsStored: data.uint16('x00280101') ?? required('x00280100', 'Bits Allocated'),
    frames: data.intString('x00280008') ?? 1,
    slope: number(data, 'x00281053') ?? 1,
    intercept: number(data, 'x00281052') ?? 0,
    voiFunction: (text(data, 'x00281056') ?? 'LINEAR').toUpperCase(),
    ...optional('modality', text(data, 'x00080060')),
    ...optional('laterality', text(data, 'x00200062') ?? text(data, 'x00200060')),
    ...(center !== undefined && width !== undefined && width > 0
      ? { window: { center, width } }
      : {}),
    ...optional('patientId', text(data, 'x00100020')),
    ...optional('studyInstanceUid', text(data, 'x0020000d')),
    ...optional('sopInstanceUid', text(data, 'x00080018')),
  };
  return header;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Throws unless gsa can decode this file's pixels: syntax, frames, photometric, bit depth. */
export function checkDecodable(header: DicomHeader, name: string): void {
  const syntax = header.transferSyntax;
  if (DICOM_SUPPORTED_TRANSFER_SYNTAXES[syntax] === undefined) {
    const known = DICOM_UNSUPPORTED_TRANSFER_SYNTAXES[syntax];
    throw new DataError(
      `${name}: transfer syntax ${syntax}${known === undefined ? '' : ` (${known})`} is not supported; ` +
        `gsa reads ${Object.values(DICOM_SUPPORTED_TRANSFER_SYNTAXES).join(', ')}. ` +
        'Decompress it first, e.g. dcmtk: dcmdjpeg / dcmdjp2k, or gdcmconv --raw',
      name,
    );
  }
  if (header.frames > 1) {
    throw new DataError(
      `${name}: multi-frame image (${header.frames} frames) is not supported: gsa reads one 2D image per file; split the frames into single files first (e.g. dcmtk's dcmsplit, or nifti: for volumes)`,
      name,
    );
  }
  const colour = header.samplesPerPixel === 3;
  // A colour JPEG Baseline frame is decoded to RGB whatever its photometric interpretation says.
  const colourJpeg = colour && syntax === JPEG_BASELINE;
  if (!colourJpeg && !(colour ? COLOUR : GREY).has(header.photometric)) {
    throw new DataError(
      `${name}: photometric interpretation ${header.photometric} with ${header.samplesPerPixel} sample(s) per pixel is not supported ` +
        '(gsa reads MONOCHROME1 and MONOCHROME2 with 1 sample, RGB and YBR_FULL with 3, and any colour JPEG Baseline)',
      name,
    );
  }
  if (![8, 16, 32].includes(header.bitsAllocated) || header.bitsStored > header.bitsAllocated) {
    throw new DataError(
      `${name}: ${header.bitsAllocated} bits allocated (${header.bitsStored} stored) is not supported; gsa reads 8, 16 or 32-bit integer pixels`,
      name,
    );
  }
  if (syntax === JPEG_BASELINE && header.bitsAllocated !== 8) {
    throw new DataError(`${name}: JPEG Baseline with ${header.bitsAllocated}-bit pixels`, name);
  }
}

/** Reads a file's header (no pixel decoding) for the loader: what it needs to select, group and size. */
export async function readDicomHeader(file: string, name = file): Promise<DicomHeader> {
  const bytes = await readBytes(file, name);
  return headerOf(parse(bytes, name, true), name);
}

// A Buffer, not a bare Uint8Array: dicom-parser inflates deflated files with Buffer.copy.
async function readBytes(file: string, name: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new DataError(`cannot read ${name}: ${(error as Error).message}`, name, { cause: error });
  }
}

/** Stored sample values of one frame, interleaved (pixel by pixel), before any rescale. */
interface StoredPixels {
  readonly values: Float64Array;
  readonly channels: number;
  /** Colour was converted to RGB by the codec (JPEG baseline). */
  readonly rgb: boolean;
  readonly bitsStored: number;
  readonly signed: boolean;
}

function readSamples(
  bytes: Uint8Array,
  count: number,
  header: DicomHeader,
  signed: boolean,
  littleEndian: boolean,
  name: string,
): Float64Array {
  const size = header.bitsAllocated / 8;
  if (bytes.byteLength < count * size) {
    throw new DataError(
      `${name}: pixel data holds ${bytes.byteLength} bytes, expected ${count * size} (${header.rows}x${header.columns}x${header.samplesPerPixel} of ${header.bitsAllocated} bits); truncated?`,
      name,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * size);
  const stored = header.bitsStored;
  // Keep the stored bits only (High Bit = Bits Stored - 1, as in practice), then sign-extend.
  const mask = stored >= 32 ? 0xffffffff : 2 ** stored - 1;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let raw =
      size === 1
        ? view.getUint8(i)
        : size === 2
          ? view.getUint16(i * 2, littleEndian)
          : view.getUint32(i * 4, littleEndian);
    if (stored < header.bitsAllocated) raw = raw % (mask + 1);
    if (signed && raw >= 2 ** (stored - 1)) raw -= 2 ** stored;
    out[i] = raw;
  }
  return out;
}

async function decodeFrame(
  data: dicomParser.DataSet,
  header: DicomHeader,
  name: string,
): Promise<StoredPixels> {
  const element = data.elements.x7fe00010;
  if (element === undefined) throw new DataError(`${name}: no Pixel Data (7FE0,0010)`, name);
  const pixels = header.rows * header.columns;
  const channels = header.samplesPerPixel;
  const count = pixels * channels;
  const signed = data.uint16('x00280103') === 1;
  const base = { channels, bitsStored: header.bitsStored, signed, rgb: false };
  const syntax = header.transferSyntax;

  if (element.encapsulatedPixelData !== true) {
    const bytes = new Uint8Array(
      data.byteArray.buffer,
      data.byteArray.byteOffset + element.dataOffset,
      Math.min(element.length, data.byteArray.byteLength - element.dataOffset),
    );
    let values = readSamples(bytes, count, header, signed, syntax !== BIG_ENDIAN, name);
    if (channels > 1 && data.uint16('x00280006') === 1) values = interleave(values, channels);
    return { ...base, values };
  }

  let frame: Uint8Array;
  try {
    frame = new Uint8Array(
      dicomParser.readEncapsulatedPixelDataFromFragments(
        data,
        element,
        0,
        element.fragments?.length,
      ),
    );
  } catch (error) {
    throw new DataError(
      `${name}: cannot read the encapsulated pixel data (${String(error)})`,
      name,
      {
        cause: error,
      },
    );
  }
  const bytesPerSample = header.bitsAllocated / 8;
  if (syntax === RLE) {
    const decoded = decodeRle(frame, pixels, channels, bytesPerSample, name);
    return { ...base, values: readSamples(decoded, count, header, signed, true, name) };
  }
  if (JPEG_LOSSLESS.has(syntax)) {
    let decoded: Uint8Array;
    try {
      const output = (await jpegLosslessDecoder()).decompress(
        frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer,
        0,
        frame.byteLength,
      );
      decoded = new Uint8Array(output);
    } catch (error) {
      throw new DataError(
        `${name}: cannot decode the JPEG Lossless frame (${String(error)})`,
        name,
        {
          cause: error,
        },
      );
    }
    return { ...base, values: readSamples(decoded, count, header, signed, true, name) };
  }
  // JPEG Baseline: libvips (sharp) decodes it and converts YCbCr to RGB.
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(frame).raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new DataError(`${name}: cannot decode the JPEG Baseline frame (${String(error)})`, name, {
      cause: error,
    });
  }
  if (raw.info.width !== header.columns || raw.info.height !== header.rows) {
    throw new DataError(
      `${name}: the JPEG frame is ${raw.info.width}x${raw.info.height} but the header says ${header.columns}x${header.rows}`,
      name,
    );
  }
  const values = Float64Array.from(raw.data);
  return {
    values:
      raw.info.channels === channels ? values : keepChannels(values, raw.info.channels, channels),
    channels,
    rgb: channels === 3,
    bitsStored: 8,
    signed: false,
  };
}

function keepChannels(values: Float64Array, from: number, to: number): Float64Array {
  const pixels = values.length / from;
  const out = new Float64Array(pixels * to);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < to; c++) out[p * to + c] = values[p * from + Math.min(c, from - 1)]!;
  }
  return out;
}

/** Colour-by-plane (Planar Configuration 1) to colour-by-pixel. */
function interleave(values: Float64Array, channels: number): Float64Array {
  const pixels = values.length / channels;
  const out = new Float64Array(values.length);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < pixels; p++) out[p * channels + c] = values[c * pixels + p]!;
  }
  return out;
}

/**
 * Maps modality values (after rescale) to [0, 1] with PS3.3 C.11.2.1.2's VOI
 * functions: LINEAR (default), LINEAR_EXACT, SIGMOID.
 */
export function applyWindow(
  values: Float64Array,
  center: number,
  width: number,
  voiFunction = 'LINEAR',
): Float32Array {
  const out = new Float32Array(values.length);
  if (voiFunction === 'SIGMOID') {
    for (let i = 0; i < values.length; i++) {
      out[i] = 1 / (1 + Math.exp((-4 * (values[i]! - center)) / width));
    }
  } else if (voiFunction === 'LINEAR_EXACT') {
    const low = center - width / 2;
    const high = center + width / 2;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      out[i] = x <= low ? 0 : x > high ? 1 : (x - center) / width + 0.5;
    }
  } else {
    if (width < 1)
      throw new DataError(`window width must be at least 1, got ${width}`, String(width));
    const low = center - 0.5 - (width - 1) / 2;
    const high = center - 0.5 + (width - 1) / 2;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      out[i] = x <= low ? 0 : x > high ? 1 : (x - (center - 0.5)) / (width - 1) + 0.5;
    }
  }
  return out;
}

function mapRange(values: Float64Array, low: number, high: number): Float32Array {
  const out = new Float32Array(values.length);
  const span = high - low;
  for (let i = 0; i < values.length; i++) {
    out[i] = span > 0 ? Math.min(1, Math.max(0, (values[i]! - low) / span)) : 0;
  }
  return out;
}

function ycbcrToRgb(values: Float64Array, max: number): Float64Array {
  const out = new Float64Array(values.length);
  const half = (max + 1) / 2;
  for (let i = 0; i < values.length; i += 3) {
    const y = values[i]!;
    const cb = values[i + 1]! - half;
    const cr = values[i + 2]! - half;
    out[i] = Math.min(max, Math.max(0, y + 1.402 * cr));
    out[i + 1] = Math.min(max, Math.max(0, y - 0.344136 * cb - 0.714136 * cr));
    out[i + 2] = Math.min(max, Math.max(0, y + 1.772 * cb));
  }
  return out;
}

/** A decoded DICOM image with the header it came from. */
export interface DecodedDicom {
  readonly image: RawImage;
  readonly header: DicomHeader;
}

/**
 * Decodes one DICOM file to a RawImage of float pixels in [0, 1] (`maxValue`
 * 1): grey images through rescale, `window` and MONOCHROME1 inversion, colour
 * images scaled by their bit depth. `name` labels errors.
 */
export async function decodeDicom(
  file: string,
  window: IntensityWindow = 'file',
  name = file,
): Promise<DecodedDicom> {
  const data = parse(await readBytes(file, name), name, false);
  const header = headerOf(data, name);
  checkDecodable(header, name);
  const stored = await decodeFrame(data, header, name);
  const { rows: height, columns: width } = header;
  if (stored.channels === 3) {
    const max = 2 ** stored.bitsStored - 1;
    const rgb =
      !stored.rgb && header.photometric === 'YBR_FULL'
        ? ycbcrToRgb(stored.values, max)
        : stored.values;
    const data32 = new Float32Array(rgb.length);
    for (let i = 0; i < rgb.length; i++) data32[i] = rgb[i]! / max;
    return { image: { data: data32, width, height, channels: 3, maxValue: 1 }, header };
  }
  const { slope, intercept } = header;
  const values = stored.values;
  for (let i = 0; i < values.length; i++) values[i] = values[i]! * slope + intercept;
  const chosen = window === 'file' ? (header.window ?? 'range') : window;
  let out: Float32Array;
  if (chosen === 'range') {
    const bits = stored.bitsStored;
    const low = stored.signed ? -(2 ** (bits - 1)) : 0;
    const high = stored.signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    const ends = [low * slope + intercept, high * slope + intercept];
    out = mapRange(values, Math.min(...ends), Math.max(...ends));
  } else if (chosen === 'minmax') {
    let low = Infinity;
    let high = -Infinity;
    for (const value of values) {
      low = Math.min(low, value);
      high = Math.max(high, value);
    }
    out = mapRange(values, low, high);
  } else {
    out = applyWindow(
      values,
      chosen.center,
      chosen.width,
      window === 'file' ? header.voiFunction : 'LINEAR',
    );
  }
  if (header.photometric === 'MONOCHROME1') {
    for (let i = 0; i < out.length; i++) out[i] = 1 - out[i]!;
  }
  return { image: { data: out, width, height, channels: 1, maxValue: 1 }, header };
}
