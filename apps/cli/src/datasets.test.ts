// End-to-end: `gsa datasets inspect` and `gsa datasets synth`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '@gsa/viz/node';
import { runGsa, scratchDirectory, sharedFixture } from './cli-test-support.fixture.js';

const { data } = sharedFixture();
const scratch = scratchDirectory('cli-datasets');
const gsa = (...args: string[]) => runGsa(args);

describe('gsa datasets', () => {
  it('inspects a dataset: counts per class, whether one map fits (the layout check), and a contact sheet', () => {
    const sheet = join(scratch, 'sheet.png');
    const result = gsa('datasets', 'inspect', `folder:${data}`, '--sheet', sheet);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('40 images of 16x16x1\n');
    // The synthetic set shares one layout by construction; at 16 px the check's
    // resolution (1-2 px) is a tenth of the side, so it reads as roughly aligned.
    expect(result.stdout).toMatch(
      /\n {2}layout: (roughly )?aligned \(median shift \d+\.\d px, \d+\.\d% of the side; 90% within \d+\.\d px, \d+\.\d%; correlation with the mean \d\.\d\d, 10-90%: \d\.\d\d-\d\.\d\d\)\n {2}the images (mostly )?share one layout/,
    );
    expect(result.stdout).toMatch(/texture-0deg: 20\n\s+texture-90deg: 20/);
    expect(result.stdout).toContain(
      `contact sheet (a row per class, in the order above, then the mean and standard-deviation images): ${sheet}`,
    );
    // Two classes x 8 tiles of 64x64 with 2-pixel gaps, then a row with the mean and std images.
    const png = decodePng(readFileSync(sheet));
    expect([png.width, png.height]).toEqual([2 + 8 * 66, 2 + 3 * 66]);
    const tile = (row: number, column: number) =>
      Array.from({ length: 64 * 64 }, (_, pixel) => {
        const [y, x] = [Math.floor(pixel / 64), pixel % 64];
        return png.data[((2 + row * 66 + y) * png.width + 2 + column * 66 + x) * 4]!;
      });
    // Every tile is stretched to its own range: black and white in each; the gaps stay dark grey.
    for (const [row, column] of [
      [0, 0],
      [1, 7],
      [2, 0],
      [2, 1],
    ] as const) {
      expect(Math.min(...tile(row, column))).toBe(0);
      expect(Math.max(...tile(row, column))).toBe(255);
    }
    expect(Array.from(png.data.subarray(0, 4))).toEqual([32, 32, 32, 255]);
    const none = gsa('datasets', 'inspect', `folder:${data}`, '--no-sheet');
    expect(none.stdout).not.toContain('contact sheet');
    const json = gsa('datasets', 'inspect', `folder:${data}`, '--no-sheet', '--json');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      source: 'folder',
      images: 40,
      shape: [16, 16, 1],
      classes: { 'texture-0deg': 20, 'texture-90deg': 20 },
      structure: { images: 40, verdict: expect.stringMatching(/^(roughly )?aligned$/) },
    });
  });

  it('writes the synthetic dataset and says what it wrote as JSON', () => {
    const out = join(scratch, 'synth-json');
    const result = gsa('datasets', 'synth', '--out', out, '--count', '8', '--size', '16', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ directory: out, count: 8 });
    expect(existsSync(join(out, 'labels.csv'))).toBe(true);
  });
});
