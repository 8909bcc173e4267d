// A minimal PNG decoder for test data (8-bit, non-interlaced; grey, grey+alpha,
// RGB, RGBA), so the tests need no image library.
import { inflateSync } from 'node:zlib';

export interface DecodedImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}

export function decodePng(file: Uint8Array): DecodedImage {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let position = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const compressed: Uint8Array[] = [];
  while (position < file.byteLength) {
    const length = view.getUint32(position);
    const type = String.fromCharCode(...file.subarray(position + 4, position + 8));
    const body = file.subarray(position + 8, position + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(position + 8);
      height = view.getUint32(position + 12);
      const [bitDepth, colorType, , , interlace] = body.subarray(8, 13);
      if (bitDepth !== 8 || interlace !== 0 || !(colorType! in CHANNELS)) {
        throw new Error(
          `decodePng: only 8-bit non-interlaced grey/RGB(A) PNGs (got depth ${bitDepth}, type ${colorType}).`,
        );
      }
      channels = CHANNELS[colorType!]!;
    } else if (type === 'IDAT') {
      compressed.push(body);
    } else if (type === 'IEND') {
      break;
    }
    position += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(compressed));
  const stride = width * channels;
  const data = new Uint8Array(height * stride);
  for (let row = 0; row < height; row++) {
    const filter = raw[row * (stride + 1)]!;
    const line = raw.subarray(row * (stride + 1) + 1, (row + 1) * (stride + 1));
    const out = row * stride;
    for (let index = 0; index < stride; index++) {
      const left = index >= channels ? data[out + index - channels]! : 0;
      const up = row > 0 ? data[out - stride + index]! : 0;
      const upLeft = row > 0 && index >= channels ? data[out - stride + index - channels]! : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      if (predictor === undefined) throw new Error(`decodePng: unknown filter ${filter}.`);
      data[out + index] = (line[index]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, data };
}
