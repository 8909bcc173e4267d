// End-to-end: `gsa train` (the built binary as a child process) on small data.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MapStatistics } from '@gsa/attention';
import { dataFixture } from '@gsa/data/testing';
import { colormapTable } from '@gsa/viz';
import { decodePng } from '@gsa/viz/node';
import { describeInChromium, expectReportRendersCleanly } from '@gsa/tooling/chromium';
import {
  bin,
  directoryContents,
  env,
  readdir,
  runGsa,
  scratchDirectory,
  sharedFixture,
  startGsa,
  trainArgs,
} from './cli-test-support.fixture.js';

const shared = sharedFixture();
const { data, run } = shared;
const scratch = scratchDirectory('cli-train');
const gsa = (...args: string[]) => runGsa(args);

describe('gsa train', () => {
  it('writes a run directory that holds everything: model, map, metrics, summary, split, report', () => {
    const trained = shared;
    expect(trained.stderr).not.toContain('hint:');
    expect(trained.stdout).toMatch(
      /^test accuracy \d+\.\d\d% \(global, smallcnn\); map spread \d\.\d\d, \d+% of pixels < 0\.1, \d+% > 0\.9, range \d\.\d\d-\d\.\d\d; run directory /,
    );
    for (const file of [
      'config.json',
      'metrics.jsonl',
      'summary.json',
      'attention-map.png',
      'attention-map.svg',
      'attention-map.npy',
      'report.html',
      'split.json',
      'model/model.json',
      'model/gsa.json',
    ]) {
      expect(existsSync(join(run, file))).toBe(true);
    }
    expect(readdir(join(run, 'checkpoints'))).toEqual(['epoch-0001', 'epoch-0002']);
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(summary.testAccuracy).toEqual(expect.any(Number));
    expect(summary).toMatchObject({
      attention: 'global',
      epochs: 2,
      gsaVersion: expect.any(String),
      backend: expect.stringMatching(/^wasm/),
    });
    expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    // How decided the map is, from the map the run wrote.
    const written = JSON.parse(readFileSync(join(run, 'attention-map.json'), 'utf8')) as {
      values: number[];
    };
    const sorted = [...written.values].sort((a, b) => a - b);
    const decision = summary.map as MapStatistics;
    expect(decision.min).toBeCloseTo(sorted[0]!, 6);
    expect(decision.max).toBeCloseTo(sorted.at(-1)!, 6);
    expect(decision.fractionBelow).toBe(
      sorted.filter((value) => value < 0.1).length / sorted.length,
    );
    expect(decision.fractionAbove).toBe(
      sorted.filter((value) => value > 0.9).length / sorted.length,
    );
    expect(decision.spread).toBeGreaterThanOrEqual(0);
    expect(decision.spread).toBeLessThanOrEqual(decision.max - decision.min + 1e-9);
    expect(summary.pixelRepresentation).toMatchObject({ kind: 'exact', standardized: true });
    // The layout check ran on the training images only (32 of the 40) and says so.
    expect(summary.structure).toMatchObject({
      images: 32,
      verdict: expect.stringMatching(/^(roughly )?aligned$/),
    });
    expect(trained.stderr).toMatch(
      /gsa: layout of the training images: (roughly )?aligned \(median shift/,
    );

    // The report: the map before and after learning on one scale, Grad-CAM beside the global map.
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    for (const text of [
      'before learning',
      'after learning',
      'Grad-CAM (this prediction)',
      'Grad-CAM of the predicted class at layer <code>block4.relu</code>',
      'test image 3',
      'id="map-decision"',
      // Does one map fit: the training images' layout, with their mean and std images.
      'Does one map fit this data?',
      'per-pixel standard deviation',
      `Spread (95th &minus; 5th percentile) ${decision.spread.toFixed(2)}`,
    ])
      expect(html).toContain(text);
    expect(html).not.toContain('test image 4');
    // The SVG's colour bar is labelled with the map's min and max.
    const { values } = JSON.parse(readFileSync(join(run, 'attention-map.json'), 'utf8')) as {
      values: number[];
    };
    const [low, high] = [Math.min(...values), Math.max(...values)];
    const labels = svgLabels(readFileSync(join(run, 'attention-map.svg'), 'utf8'));
    expect(labels).toHaveLength(2);
    expect(Math.abs(labels[0]! - high)).toBeLessThanOrEqual(Math.abs(high) * 5e-3);
    expect(Math.abs(labels[1]! - low)).toBeLessThanOrEqual(Math.abs(low) * 5e-3);
    expect(low).toBeLessThan(high);
  });

  it('trains on DICOM with patients kept on one side and no header PHI in the run directory', () => {
    const fixtures = dataFixture('dicom');
    const run = join(scratch, 'dicom-run');
    const trained = gsa(
      'train',
      '--data',
      `dicom:${join(fixtures, 'set')}`,
      '--size',
      '16',
      '--epochs',
      '1',
      '--batch-size',
      '4',
      '--channels',
      '2',
      '--test-fraction',
      '0.25',
      '--backend',
      'cpu',
      '--out',
      run,
    );
    expect(trained.stderr).not.toContain('hint:');
    expect(trained.status).toBe(0);
    // 4 patients with 2 images each: a group-aware 75/25 split puts one whole patient in test.
    expect(trained.stderr).toMatch(/8 images .*; 6 train \/ 2 test/);
    const { phi } = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as {
      phi: string[];
    };
    const files = spawnSync('find', [run, '-type', 'f'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n');
    expect(files.length).toBeGreaterThan(5);
    // Each value as a token of its own: the surname 'Doe' is PHI, the 'Doe' of
    // the report's "Does one map fit this data?" is not.
    const leaks = (text: string) =>
      phi.filter((secret) =>
        new RegExp(
          `(?<![A-Za-z0-9])${secret.replace(/[\^$.*+?()[\]{}|\\]/g, '\\$&')}(?![A-Za-z0-9])`,
        ).test(text),
      );
    for (const file of files)
      expect({ file, leaks: leaks(readFileSync(file).toString('latin1')) }).toEqual({
        file,
        leaks: [],
      });
    for (const stream of [trained.stdout, trained.stderr]) expect(leaks(stream)).toEqual([]);
    // The check finds a value that is there (the test itself can fail).
    expect(leaks('patient Doe^Jane, id PHI-4711-SECRET')).toEqual(
      expect.arrayContaining(['Doe^Jane', 'PHI-4711-SECRET', 'Doe']),
    );
    expect(leaks('Does one map fit this data?')).toEqual([]);
  });

  it('trains a local-attention backbone (VGG-att3) and shows its per-image maps beside the global map', () => {
    const config = join(scratch, 'vgg-att3.yaml');
    writeFileSync(
      config,
      'backboneOptions: { width: 0.03125, convsPerBlock: [1, 1, 1, 1, 1, 1] }\n',
    );
    const run = join(scratch, 'vgg-att3');
    const trained = gsa(
      ...trainArgs(data, run, '--backbone', 'vgg_att3', '--config', config),
      ...['--size', '32', '--epochs', '1'],
    );
    expect(trained.stderr).not.toContain('hint:');
    expect(trained.status).toBe(0);
    const report = readFileSync(join(run, 'report.html'), 'utf8');
    expect(report).toContain('Per-image attention beside the global map');
    for (const level of ['attn1.map (32×32', 'attn2.map (16×16', 'attn3.map (8×8'])
      expect(report).toContain(level);
  });

  it('never overwrites a run directory without --force', () => {
    const run = join(scratch, 'existing');
    mkdirSync(run);
    writeFileSync(join(run, 'keep.txt'), 'precious');
    const refused = gsa(...trainArgs(data, run));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(
      `gsa: The run directory ${run} already exists and is not empty.`,
    );
    expect(refused.stderr).toContain('hint: Pass --force');
    expect(readFileSync(join(run, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it('resumes a run killed mid-training from its last checkpoint', async () => {
    const run = join(scratch, 'killed');
    // Later flags win: 4 epochs instead of trainArgs' 2.
    const args = trainArgs(
      data,
      run,
      '--epochs',
      '4',
      '--colormap',
      'magma',
      '--darker-is-important',
    );
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { env });
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('epoch 2/4')) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(text)),
      );
    });
    const resumed = gsa(...args, '--resume');
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toContain('Resuming after epoch 2');
    expect(
      readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').length,
    ).toBeGreaterThanOrEqual(4);
    // The initial map came back from the checkpoint: the report still shows "before learning".
    expect(readFileSync(join(run, 'report.html'), 'utf8')).toContain('before learning');
    // --colormap magma --darker-is-important: the map's peak takes magma's darkest colour.
    const { values } = JSON.parse(readFileSync(join(run, 'attention-map.json'), 'utf8')) as {
      values: number[];
    };
    const png = decodePng(readFileSync(join(run, 'attention-map.png')));
    const peak = values.indexOf(Math.max(...values));
    const offset = (Math.floor(peak / 16) * png.width + (peak % 16)) * 4;
    expect(Array.from(png.data.subarray(offset, offset + 3))).toEqual(
      Array.from(colormapTable('magma').subarray(0, 3)),
    );
  });

  it('gives a run directory one owner, says so on Ctrl-C (exit 130), resumes, and leaves a finished run alone', async () => {
    const run = join(scratch, 'owned');
    const args = trainArgs(data, run, '--epochs', '30');
    const first = await startGsa(args, /epoch 1\/30/);
    const { child, exited } = first;
    // A second process on the same directory is refused, naming the first; nothing of the run changes.
    const second = gsa(...args, '--resume');
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`run directory .*owned is in use: process ${child.pid} on .* \\(gsa train\\)`),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(first.text()).toMatch(
      /interrupted after epoch \d+ of 30; summary.json says "interrupted"/,
    );
    const interrupted = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as {
      status: string;
      epochs: number;
      epochsPlanned: number;
    };
    expect(interrupted).toMatchObject({ status: 'interrupted', epochsPlanned: 30 });
    expect(interrupted.epochs).toBeLessThan(30);
    expect(readFileSync(join(run, 'report.html'), 'utf8')).toContain(
      `interrupted after epoch ${interrupted.epochs} of 30`,
    );
    expect(existsSync(join(run, '.gsa-lock'))).toBe(false);

    const resumed = gsa(...args, '--resume');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).status).toBe('completed');
    const epochs = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { epoch: number }).epoch);
    expect(epochs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));

    // Resuming a finished run says so and changes nothing.
    const before = directoryContents(run);
    const again = gsa(...args, '--resume');
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/already finished \(30 of 30 epochs\); nothing was changed/);
    expect(directoryContents(run)).toEqual(before);
  });

  it('exits at once on a second Ctrl-C, leaving no half-written file', async () => {
    const run = join(scratch, 'twice');
    const running = await startGsa(trainArgs(data, run, '--epochs', '30'), /epoch 1\/30/);
    running.child.kill('SIGINT');
    // The second only once the first was heard (signals sent together arrive as one).
    await running.waitFor('Ctrl-C again');
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(130);
    expect(running.text()).toContain('stopped at once; continue with --resume');
    // Every file was written whole or not at all: no temporary names are left.
    const names = Object.keys(directoryContents(run));
    expect(names.filter((name) => /\.tmp|\.[0-9]+$|tmp-/.test(name))).toEqual([]);
    expect(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).epochs).toBe(30);
  });

  it('names a corrupt image', () => {
    const broken = join(scratch, 'broken');
    gsa('datasets', 'synth', '--out', broken, '--count', '8', '--size', '16');
    writeFileSync(join(broken, 'img-0003.png'), 'not a png');
    const result = gsa(
      'train',
      '--data',
      `folder:${broken}`,
      '--out',
      join(scratch, 'broken-run'),
      '--epochs',
      '1',
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/img-0003\.png/);
  });

  it('refuses an output it cannot write to', () => {
    const blocker = join(scratch, 'a-file');
    writeFileSync(blocker, 'x');
    const result = gsa(...trainArgs(data, join(blocker, 'run')));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Cannot write .*a-file/);
  });
});

describeInChromium('report.html of a real `gsa train` in headless Chromium', (browser) => {
  it('renders with no console errors, no network requests, and is not blank', async () => {
    // The shared run (trained once per jest run).
    // Map before and after, the mean image and the map on it, 3 examples x (image, global map, Grad-CAM).
    await expectReportRendersCleanly(browser(), join(run, 'report.html'), { minImages: 13 });
  });
});

/** The numbers an SVG colour bar is labelled with, top (max) first. */
function svgLabels(svg: string): number[] {
  return [...svg.matchAll(/>(-?\d[\d.e+-]*)<\/text>/g)].map((match) => Number(match[1]));
}
