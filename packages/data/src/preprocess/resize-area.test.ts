// resizeArea against cv2.resize(..., INTER_AREA) values from Debian's OpenCV
// (fixtures/inter-area.json, made by scripts/make-inter-area-fixture.py).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resizeArea } from './resize-area.js';

interface Case {
  source: [number, number, number];
  target: [number, number];
  input: number[];
  float32: number[];
  uint8: number[];
}

const fixture = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/inter-area.json'), 'utf8'),
) as { opencv: string; cases: Case[] };

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('resizeArea matches OpenCV INTER_AREA', () => {
  const summary: string[] = [];
  afterAll(() => console.log(`resizeArea vs OpenCV ${fixture.opencv}:\n${summary.join('\n')}`));

  it.each(fixture.cases.map((c) => [`${c.source.join('x')} -> ${c.target.join('x')}`, c] as const))(
    '%s',
    (_name, c) => {
      const [height, width, channels] = c.source;
      const out = resizeArea(
        Float32Array.from(c.input),
        { height, width, channels },
        { height: c.target[0], width: c.target[1] },
      );
      expect(out).toHaveLength(c.float32.length);
      const onFloat = maxAbsDifference(out, c.float32);
      const onUint8 = maxAbsDifference(out, c.uint8);
      summary.push(
        `  ${_name}: max |diff| ${onFloat} (float32 input), ${onUint8.toFixed(3)} grey levels (cv2 on uint8)`,
      );
      // Same float32 operations in the same order: identical up to the last bit.
      expect(onFloat).toBeLessThanOrEqual(1e-4);
      // cv2 on uint8 rounds (and uses 11-bit fixed point when enlarging).
      expect(onUint8).toBeLessThanOrEqual(0.75);
    },
  );

  it('keeps an image of the target size as it is', () => {
    const input = Float32Array.from({ length: 12 }, (_, i) => i);
    expect(
      Array.from(resizeArea(input, { height: 2, width: 2, channels: 3 }, { height: 2, width: 2 })),
    ).toEqual(Array.from(input));
  });

  it('averages blocks when shrinking by an integer factor', () => {
    const input = Float32Array.from([1, 3, 5, 7, 1, 3, 5, 7]); // 2x4 grey
    expect(
      Array.from(resizeArea(input, { height: 2, width: 4, channels: 1 }, { height: 1, width: 2 })),
    ).toEqual([2, 6]);
  });

  it('rejects a buffer that does not match its size, and empty targets', () => {
    expect(() =>
      resizeArea(
        new Float32Array(5),
        { height: 2, width: 2, channels: 1 },
        { height: 1, width: 1 },
      ),
    ).toThrow(/5 values do not make a 2x2x1 image/);
    expect(() =>
      resizeArea(
        new Float32Array(4),
        { height: 2, width: 2, channels: 1 },
        { height: 0, width: 1 },
      ),
    ).toThrow(/positive integers/);
  });
});
