// End-to-end: `gsa train --align translate` on faces that are not aligned
// (a layout moved by up to 8 px per image), then eval and predict, which
// align new images with the reference the model carries.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '@gsa/data';
import { createRgbaImage } from '@gsa/viz';
import { writePng } from '@gsa/viz/node';
import { runGsa, scratchDirectory, trainArgs } from './cli-test-support.fixture.js';

const scratch = scratchDirectory('cli-align');
const data = join(scratch, 'moved');
const SIZE = 32;

/** An oval with two eyes, at (dy, dx); class 1 has a darker left eye. Grey PNG values 0..255. */
async function writeFace(path: string, dy: number, dx: number, label: number, random: Random) {
  const image = createRgbaImage(SIZE, SIZE, [0, 0, 0, 255]);
  const blobs: [number, number, number, number, number][] = [
    [16, 16, 10, 7, 0.8],
    [12, 12, 2, 2, label === 1 ? -0.7 : -0.3],
    [12, 20, 2, 2, -0.3],
  ];
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let value = 0.1;
      for (const [cy, cx, ry, rx, h] of blobs)
        value += h * Math.exp(-(((y - dy - cy) / ry) ** 2 + ((x - dx - cx) / rx) ** 2) / 2);
      value += 0.05 * (random.next() - 0.5);
      const grey = Math.round(Math.min(1, Math.max(0, value)) * 255);
      image.data.set([grey, grey, grey, 255], (y * SIZE + x) * 4);
    }
  }
  await writePng(path, image);
}

beforeAll(async () => {
  mkdirSync(data, { recursive: true });
  const random = new Random(4);
  const rows = ['file,label'];
  for (let i = 0; i < 40; i++) {
    const name = `face-${String(i).padStart(2, '0')}.png`;
    const label = i % 2;
    await writeFace(
      join(data, name),
      (random.next() - 0.5) * 16,
      (random.next() - 0.5) * 16,
      label,
      random,
    );
    rows.push(`${name},${label === 1 ? 'dark' : 'light'}`);
  }
  writeFileSync(join(data, 'labels.csv'), `${rows.join('\n')}\n`);
});

describe('gsa train --align translate', () => {
  it('warns before training on images that are not aligned, and says what to do', () => {
    const trained = runGsa(trainArgs(data, join(scratch, 'unaligned'), '--epochs', '1'));
    expect(trained.status).toBe(0);
    expect(trained.stderr).toMatch(
      /gsa: layout of the training images: not aligned \(median shift [^\n]*\n[^]*gsa: warning: the images do not share one layout: [^\n]*--align translate/,
    );
    // The warning comes before the first epoch.
    expect(trained.stderr.indexOf('gsa: warning:')).toBeLessThan(
      trained.stderr.indexOf('epoch 1/1'),
    );
  });

  it('says the faces are not aligned, aligns them, records the shifts, and eval and predict align alike', () => {
    const run = join(scratch, 'run');
    const trained = runGsa(trainArgs(data, run, '--align', 'translate'));
    expect(trained.stderr).not.toContain('hint:');
    expect(trained.status).toBe(0);
    expect(trained.stderr).toMatch(/layout of the training images: not aligned \(/);
    expect(trained.stderr).toMatch(
      /--align translate: 40 images moved onto the training images' registered mean/,
    );
    expect(trained.stderr).toMatch(
      /layout of the training images after alignment: (roughly )?aligned \(/,
    );
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as {
      testAccuracy: number;
      structure: { verdict: string; shift: { p90: number } };
      structureBeforeAlignment: { verdict: string; shift: { p90: number } };
    };
    expect(summary.structureBeforeAlignment.verdict).toBe('not aligned');
    expect(summary.structure.shift.p90).toBeLessThan(
      summary.structureBeforeAlignment.shift.p90 / 2,
    );
    const alignment = JSON.parse(readFileSync(join(run, 'alignment.json'), 'utf8')) as {
      format: string;
      reference: { method: string; grid: number; mean: number[] };
      shifts: Record<string, [number, number]>;
    };
    expect(alignment.format).toBe('gsa-alignment-1');
    expect(alignment.reference).toMatchObject({ method: 'translate', grid: 64 });
    expect(Object.keys(alignment.shifts)).toHaveLength(40);
    const info = JSON.parse(readFileSync(join(run, 'model', 'gsa.json'), 'utf8')) as {
      alignment?: { method: string };
    };
    expect(info.alignment?.method).toBe('translate');

    // gsa eval aligns the test images with the model's reference: the accuracy training reported.
    const evaluated = runGsa(['eval', '--run', run, '--backend', 'wasm', '--json']);
    expect(evaluated.status).toBe(0);
    expect((JSON.parse(evaluated.stdout) as { accuracy: number }).accuracy).toBeCloseTo(
      summary.testAccuracy,
      10,
    );
    const predicted = runGsa([
      'predict',
      '--model',
      join(run, 'model'),
      join(data, 'face-00.png'),
      '--json',
    ]);
    expect(predicted.status).toBe(0);
    const [prediction] = JSON.parse(predicted.stdout) as {
      probabilities: Record<string, number>;
    }[];
    expect(Object.values(prediction!.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(existsSync(join(run, 'report.html'))).toBe(true);
  });
});
