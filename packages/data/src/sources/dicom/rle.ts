// DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets,
// each segment a PackBits stream of one byte plane (most significant byte of
// each sample first). Small enough to own rather than depend on.
import { DataError } from '../../errors.js';

/**
 * Decodes one RLE frame to interleaved little-endian samples
 * (`samplesPerPixel` samples of `bytesPerSample` bytes per pixel).
 */
export function decodeRle(
  frame: Uint8Array,
  pixels: number,
  samplesPerPixel: number,
  bytesPerSample: number,
  name: string,
): Uint8Array {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.byteLength < 64)
    throw new DataError(`${name}: RLE frame shorter than its header`, name);
  const segments = view.getUint32(0, true);
  const expected = samplesPerPixel * bytesPerSample;
  if (segments !== expected) {
    throw new DataError(
      `${name}: RLE frame has ${segments} segments, expected ${expected} (${samplesPerPixel} sample(s) of ${bytesPerSample} byte(s))`,
      name,
    );
  }
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.byteLength;
    const sample = Math.floor(s / bytesPerSample);
    // Segment order is most significant byte first; little-endian output puts it last.
    const byte = bytesPerSample - 1 - (s % bytesPerSample);
    let at = sample * bytesPerSample + byte;
    let written = 0;
    let i = start;
    while (i < end && written < pixels) {
      const n = (frame[i++]! << 24) >> 24; // signed header byte
      if (n >= 0) {
        for (let k = 0; k <= n && written < pixels; k++, written++, at += expected) {
          out[at] = frame[i++]!;
        }
      } else if (n !== -128) {
        const value = frame[i++]!;
        for (let k = 0; k < 1 - n && written < pixels; k++, written++, at += expected) {
          out[at] = value;
        }
      }
    }
    if (written < pixels) {
      throw new DataError(
        `${name}: RLE segment ${s + 1} holds ${written} of ${pixels} pixels (truncated or corrupt)`,
        name,
      );
    }
  }
  return out;
}
