// Netpbm (PGM/PPM/PBM) reader: libvips as shipped with sharp has no ppmload,
// and the classic face sets (ORL, Yale) are PGM files.
import { DataError } from '../errors.js';
import type { RawImage } from '../types.js';

const MAGIC = /^P[1-6]$/;

/** True when the bytes start like a Netpbm file (P1..P6 and whitespace). */
export function looksLikePnm(bytes: Uint8Array): boolean {
  return (
    bytes.length > 2 &&
    bytes[0] === 0x50 &&
    bytes[1]! >= 0x31 &&
    bytes[1]! <= 0x36 &&
    /\s/.test(String.fromCharCode(bytes[2]!))
  );
}

/** Decodes P1-P6 (ASCII and binary PBM, PGM, PPM; 8- or 16-bit). `file` names it in errors. */
export function decodePnm(bytes: Uint8Array, file = 'image'): RawImage {
  let position = 0;
  const fail = (why: string): never => {
    throw new DataError(`${file}: not a valid PGM/PPM file (${why})`, file, {
      problem: 'undecodable',
    });
  };
  // Header tokens are separated by whitespace; '#' starts a comment to end of line.
  const token = (): string => {
    for (;;) {
      while (position < bytes.length && /\s/.test(String.fromCharCode(bytes[position]!)))
        position++;
      if (bytes[position] === 0x23) {
        while (position < bytes.length && bytes[position] !== 0x0a && bytes[position] !== 0x0d)
          position++;
        continue;
      }
      break;
    }
    const start = position;
    while (position < bytes.length && !/\s/.test(String.fromCharCode(bytes[position]!))) position++;
    if (start === position) fail('the header ends early');
    return String.fromCharCode(...bytes.subarray(start, position));
  };
  const integer = (what: string): number => {
    const text = token();
    if (!/^\d+$/.test(text)) fail(`${what} is '${text}'`);
    return Number(text);
  };

  const magic = token();
  if (!MAGIC.test(magic)) fail(`magic number '${magic.slice(0, 2)}'`);
  const kind = Number(magic[1]);
  const width = integer('width');
  const height = integer('height');
  const bitmap = kind === 1 || kind === 4;
  const maxValue = bitmap ? 1 : integer('maxval');
  if (width === 0 || height === 0) fail(`size ${width}x${height}`);
  if (maxValue < 1 || maxValue > 65535) fail(`maxval ${maxValue}`);
  const channels = kind === 3 || kind === 6 ? 3 : 1;
  const count = width * height * channels;
  const data = maxValue > 255 ? new Uint16Array(count) : new Uint8Array(count);

  if (kind <= 3) {
    for (let i = 0; i < count; i++) {
      let value: number;
      if (kind === 1) {
        // Plain PBM digits may run together ("0101").
        while (position < bytes.length && !(bytes[position] === 0x30 || bytes[position] === 0x31))
          position++;
        if (position >= bytes.length) fail(`it holds ${i} of ${count} pixels`);
        value = bytes[position++] === 0x31 ? 0 : 1; // PBM: 1 is black
      } else {
        if (position >= bytes.length) fail(`it holds ${i} of ${count} pixels`);
        value = integer('a pixel');
      }
      if (value > maxValue) fail(`pixel ${i} is ${value}, above maxval ${maxValue}`);
      data[i] = value;
    }
    return { data, width, height, channels, maxValue };
  }

  position++; // exactly one whitespace byte after the header
  if (kind === 4) {
    const rowBytes = Math.ceil(width / 8);
    if (bytes.length - position < rowBytes * height) fail('the pixel data is truncated');
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const bit = (bytes[position + y * rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1;
        data[y * width + x] = bit ? 0 : 1;
      }
    }
    return { data, width, height, channels, maxValue };
  }
  const bytesPerValue = maxValue > 255 ? 2 : 1;
  if (bytes.length - position < count * bytesPerValue) {
    fail(
      `the pixel data is truncated: ${bytes.length - position} of ${count * bytesPerValue} bytes`,
    );
  }
  for (let i = 0; i < count; i++) {
    // 16-bit Netpbm samples are big-endian.
    const value =
      bytesPerValue === 2
        ? (bytes[position + 2 * i]! << 8) | bytes[position + 2 * i + 1]!
        : bytes[position + i]!;
    if (value > maxValue) fail(`pixel ${i} is ${value}, above maxval ${maxValue}`);
    data[i] = value;
  }
  return { data, width, height, channels, maxValue };
}
