// End-to-end: the real `gsa` binary (bin/gsa.js over dist/) as a child process, on small data.
import type { MapStatistics } from '@gsa/attention';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataFixture } from '@gsa/data/testing';
import { ExperimentLedger } from '@gsa/experiments';
import { colormapTable } from '@gsa/viz';
import { decodePng } from '@gsa/viz/node';
import { describeInChromium, expectReportRendersCleanly } from '@gsa/tooling/chromium';
import { bin, directoryContents, env, runGsa, startGsa } from './cli-test-support.fixture.js';

const scratch = mkdtempSync(join(tmpdir(), 'gsa-cli-'));
const data = join(scratch, 'data');
const gsa = (...args: string[]) => runGsa(args);

const tinyTrain = (out: string, ...extra: string[]) =>
  gsa(
    'train',
    '--data',
    `folder:${data}`,
    '--backbone',
    'smallcnn',
    '--epochs',
    '2',
    '--batch-size',
    '8',
    '--channels',
    '4',
    '--backend',
    'wasm',
    '--out',
    out,
    ...extra,
  );

beforeAll(() => {
  const result = gsa(
    'datasets',
    'synth',
    '--out',
    data,
    '--count',
    '40',
    '--size',
    '16',
    '--difficulty',
    '0.1',
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('gsa', () => {
  it('prints help for every command, and its version', () => {
    const help = gsa('--help');
    expect(help.status).toBe(0);
    for (const command of [
      'demo',
      'train',
      'eval',
      'predict',
      'export',
      'map',
      'experiment',
      'worker',
      'results',
      'datasets',
    ])
      expect(help.stdout).toContain(command);
    for (const command of ['eval', 'experiment', 'worker', 'results']) {
      const commandHelp = gsa(command, '--help');
      expect(commandHelp.status).toBe(0);
      expect(commandHelp.stdout).toContain('Examples:');
    }
    const trainHelp = gsa('train', '--help');
    expect(trainHelp.status).toBe(0);
    expect(trainHelp.stdout).toContain('--pixel-rank');
    expect(trainHelp.stdout).toContain('Examples:');
    expect(gsa('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('train -> map -> export -> predict, the run directory holding everything', () => {
    const run = join(scratch, 'run');
    const trained = tinyTrain(run);
    expect(trained.stderr).not.toContain('hint:');
    expect(trained.status).toBe(0);
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

    // The report: the map before and after learning on one scale, Grad-CAM beside the global map.
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    for (const text of [
      'before learning',
      'after learning',
      'Grad-CAM (this prediction)',
      'Grad-CAM of the predicted class at layer <code>block4.relu</code>',
      'test image 3',
      'id="map-decision"',
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

    const map = gsa(
      'map',
      '--run',
      run,
      '--overlay',
      join(data, 'img-0000.png'),
      '--colormap',
      'gray',
      '--darker-is-important',
    );
    expect(map.status).toBe(0);
    expect(map.stdout).toContain('attention-overlay.png');
    expect(map.stdout).toContain('attention-map.svg');
    // gray, darker = more important: the map's peak is black, its lowest pixel white.
    const png = decodePng(readFileSync(join(run, 'attention-map.png')));
    const pixel = (index: number) => {
      const offset = (Math.floor(index / 16) * png.width + (index % 16)) * 4;
      return Array.from(png.data.subarray(offset, offset + 3));
    };
    expect(pixel(values.indexOf(high))).toEqual([0, 0, 0]);
    expect(pixel(values.indexOf(low))).toEqual([255, 255, 255]);
    expect(readFileSync(join(run, 'attention-map.svg'), 'utf8')).toContain(
      'darker = more important',
    );

    // Grad-CAM of the deployed model for one image: image | global map | Grad-CAM, 128 px each.
    const image = join(data, 'img-0003.png');
    const explained = gsa('map', '--run', run, '--gradcam', image, '--backend', 'cpu');
    expect(explained.stderr).toMatch(/Grad-CAM of 'texture-\d+deg' .* at layer 'block4\.relu'/);
    expect(explained.status).toBe(0);
    const panelPath = join(run, 'gradcam-img-0003.png');
    expect(explained.stdout.trim().split('\n')).toContain(panelPath);
    const panel = decodePng(readFileSync(panelPath));
    expect([panel.width, panel.height]).toEqual([3 * 128 + 2 * 4, 128]);
    const wrongLayer = gsa('map', '--run', run, '--gradcam', image, '--layer', 'block9');
    expect(wrongLayer.status).toBe(2);
    expect(wrongLayer.stderr).toMatch(/has no layer 'block9'\. Its layers: .*block4\.relu/);
    expect(wrongLayer.stderr).toContain("'block4.relu'");

    const exported = join(scratch, 'exported');
    expect(gsa('export', '--run', run, '--out', exported).status).toBe(0);
    // --json: one JSON document on stdout for map and export too.
    const mapped = gsa('map', '--run', run, '--json');
    expect(mapped.status).toBe(0);
    expect(JSON.parse(mapped.stdout)).toEqual({
      run,
      written: ['png', 'svg', 'npy'].map((extension) => join(run, `attention-map.${extension}`)),
    });
    const exportedJson = gsa(
      'export',
      '--run',
      run,
      '--out',
      join(scratch, 'json-export'),
      '--json',
    );
    expect(JSON.parse(exportedJson.stdout)).toEqual({ run, model: join(scratch, 'json-export') });
    const predicted = gsa(
      'predict',
      '--model',
      exported,
      join(data, 'img-0000.png'),
      join(data, 'img-0001.png'),
      '--json',
    );
    expect(predicted.status).toBe(0);
    const predictions = JSON.parse(predicted.stdout) as {
      image: string;
      className: string;
      probabilities: Record<string, number>;
    }[];
    expect(predictions).toHaveLength(2);
    for (const prediction of predictions) {
      const sum = Object.values(prediction.probabilities).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
      expect(Object.keys(prediction.probabilities)).toContain(prediction.className);
    }
    const table = gsa('predict', '--model', exported, join(data, 'img-0000.png'));
    expect(table.stdout.split('\n')[0]).toMatch(/^image\s+class\s+texture-0deg\s+texture-90deg$/);

    // eval re-scores the deployed model on the run's own held-out split: the same accuracy as training reported.
    const evaluated = gsa('eval', '--run', run, '--backend', 'wasm', '--json');
    expect(evaluated.status).toBe(0);
    const report = JSON.parse(evaluated.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ subset: 'run test split', images: 8 });
    expect(report.accuracy).toBeCloseTo(summary.testAccuracy as number, 10);
    expect(existsSync(join(run, 'eval.json'))).toBe(true);
    const text = gsa('eval', '--run', run, '--data', `folder:${data}`, '--backend', 'wasm');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/\(all images, 40 images\)\naccuracy \d+\.\d\d%/);
    expect(text.stdout).toContain('confusion matrix (rows: true, columns: predicted)');
    const other = join(scratch, 'three-classes');
    gsa('datasets', 'synth', '--out', other, '--count', '12', '--size', '16', '--classes', '3');
    const mismatch = gsa('eval', '--run', run, '--data', `folder:${other}`);
    expect(mismatch.status).toBe(1);
    expect(mismatch.stderr).toMatch(/has the class '.+', which the model does not know/);
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
    for (const file of files) {
      const text = readFileSync(file).toString('latin1');
      for (const secret of phi)
        expect({ file, found: text.includes(secret) }).toEqual({ file, found: false });
    }
    for (const stream of [trained.stdout, trained.stderr])
      for (const secret of phi) expect(stream).not.toContain(secret);
  });

  it('inspects a dataset: counts per class, the structured check, and a contact sheet', () => {
    const sheet = join(scratch, 'sheet.png');
    const result = gsa('datasets', 'inspect', `folder:${data}`, '--sheet', sheet);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('40 images of 16x16x1 (every image the same size: structured)');
    expect(result.stdout).toMatch(/texture-0deg: 20\n\s+texture-90deg: 20/);
    expect(result.stdout).toContain(
      `contact sheet (a row per class, in the order above): ${sheet}`,
    );
    // Two classes x 8 tiles of 64x64 with 2-pixel gaps.
    const png = decodePng(readFileSync(sheet));
    expect([png.width, png.height]).toEqual([2 + 8 * 66, 2 + 2 * 66]);
    const tile = (row: number, column: number) =>
      Array.from({ length: 64 * 64 }, (_, pixel) => {
        const [y, x] = [Math.floor(pixel / 64), pixel % 64];
        return png.data[((2 + row * 66 + y) * png.width + 2 + column * 66 + x) * 4]!;
      });
    // Every tile is stretched to its own range: black and white in each; the gaps stay dark grey.
    for (const [row, column] of [
      [0, 0],
      [1, 7],
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
    });
  });

  it('trains a local-attention backbone (VGG-att3) and shows its per-image maps beside the global map', () => {
    const config = join(scratch, 'vgg-att3.yaml');
    writeFileSync(
      config,
      'backboneOptions: { width: 0.03125, convsPerBlock: [1, 1, 1, 1, 1, 1] }\n',
    );
    const run = join(scratch, 'vgg-att3');
    const trained = gsa(
      'train',
      '--data',
      `folder:${data}`,
      '--backbone',
      'vgg_att3',
      '--config',
      config,
      '--size',
      '32',
      '--epochs',
      '1',
      '--batch-size',
      '8',
      '--channels',
      '4',
      '--backend',
      'wasm',
      '--out',
      run,
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
    const refused = tinyTrain(run);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(
      `gsa: The run directory ${run} already exists and is not empty.`,
    );
    expect(refused.stderr).toContain('hint: Pass --force');
    expect(readFileSync(join(run, 'keep.txt'), 'utf8')).toBe('precious');
  });

  it('resumes a run killed mid-training from its last checkpoint', async () => {
    const run = join(scratch, 'killed');
    const args = [
      'train',
      '--data',
      `folder:${data}`,
      '--backbone',
      'smallcnn',
      '--epochs',
      '4',
      '--batch-size',
      '8',
      '--channels',
      '4',
      '--backend',
      'wasm',
      '--out',
      run,
      '--colormap',
      'magma',
      '--darker-is-important',
    ];
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
    const args = [
      'train',
      '--data',
      `folder:${data}`,
      '--backbone',
      'smallcnn',
      '--epochs',
      '30',
      '--batch-size',
      '8',
      '--channels',
      '4',
      '--backend',
      'wasm',
      '--out',
      run,
    ];
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

  it('writes the synthetic dataset and says what it wrote as JSON', () => {
    const out = join(scratch, 'synth-json');
    const result = gsa('datasets', 'synth', '--out', out, '--count', '8', '--size', '16', '--json');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ directory: out, count: 8 });
    expect(existsSync(join(out, 'labels.csv'))).toBe(true);
  });

  it('exits at once on a second Ctrl-C, leaving no half-written file', async () => {
    const run = join(scratch, 'twice');
    const running = await startGsa(
      [
        'train',
        '--data',
        `folder:${data}`,
        '--epochs',
        '30',
        '--batch-size',
        '8',
        '--channels',
        '4',
        '--backend',
        'wasm',
        '--out',
        run,
      ],
      /epoch 1\/30/,
    );
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

  it.each([
    [
      ['train', '--data', 'folder:/nonexistent/gsa-data', '--out', 'x'],
      1,
      /Cannot load the data 'folder:\/nonexistent\/gsa-data'/,
    ],
    [['train', '--data', 'tarball:foo', '--out', 'x'], 1, /Cannot load the data 'tarball:foo'/],
    [['train', '--data', 'folder:DATA', '--backbone', 'resnet9000', '--out', 'x'], 1, /resnet9000/],
    [
      [
        'train',
        '--data',
        'folder:DATA',
        '--attention',
        'none',
        '--cutoff-epoch',
        '3',
        '--out',
        'x',
      ],
      2,
      /--cutoff-epoch has no meaning with --attention none/,
    ],
    [
      ['train', '--data', 'folder:DATA', '--epochs', 'many'],
      2,
      /--epochs expects a number, got 'many'/,
    ],
    [
      ['train', '--data', 'folder:DATA', '--cutoff-epoch', '9', '--epochs', '2'],
      2,
      /--cutoff-epoch 9 is after the last epoch/,
    ],
    [['train', '--data', 'folder:DATA', '--attention', 'local'], 2, /argument 'local' is invalid/],
    [['predict', '--model', '/nonexistent/model', 'a.png'], 1, /gsa.json/],
    [
      ['eval', '--run', '/nonexistent/run'],
      1,
      /The run configuration is missing: \/nonexistent\/run/,
    ],
    [['experiment', '--config', '/nonexistent/grid.yaml'], 2, /Cannot read the config file/],
    [['worker'], 2, /Pass exactly one of --queue URL or --ledger FILE/],
    [['results', '/nonexistent/experiment'], 1, /holds no experiment ledger/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
    [
      ['map', '--run', 'x', '--colormap', 'jet'],
      2,
      /argument 'jet' is invalid\. Allowed choices are viridis, magma, gray/,
    ],
    [
      ['train', '--data', 'folder:DATA', '--colormap', 'rainbow'],
      2,
      /argument 'rainbow' is invalid\. Allowed choices are viridis, magma, gray/,
    ],
    [['map', '--run', 'x', '--layer', 'block4.relu'], 2, /pass --gradcam IMAGE with it/],
  ])('%j fails with exit %i and a clear message', (args, code, message) => {
    const result = gsa(
      ...args.map((arg) => arg.replace('DATA', data).replace(/^x$/, join(scratch, 'unused'))),
    );
    expect(result.status).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack without --verbose
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
    const result = tinyTrain(join(blocker, 'run'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Cannot write .*a-file/);
  });

  it('demo (reduced) compares vanilla and global attention', () => {
    const result = gsa(
      'demo',
      '--out',
      join(scratch, 'demo'),
      '--epochs',
      '2',
      '--size',
      '16',
      '--count',
      '40',
      '--backend',
      'wasm',
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/vanilla\s+test accuracy \d+\.\d%/);
    expect(result.stdout).toMatch(
      /global attention\s+test accuracy \d+\.\d% \(mean of the last 2 epochs; last \d+\.\d%\)\s+map ROC-AUC vs true region \d\.\d{3}/,
    );
    expect(result.stdout).toMatch(
      /learned map: spread \d\.\d\d, \d+% of pixels < 0\.1, \d+% > 0\.9/,
    );
    expect(existsSync(join(scratch, 'demo', 'global-attention', 'report.html'))).toBe(true);
  });
});

describeInChromium('report.html of a real `gsa train` in headless Chromium', (browser) => {
  it('renders with no console errors, no network requests, and is not blank', async () => {
    // The run of 'train -> map -> export -> predict'; trained here when that test was filtered out.
    const run = join(scratch, 'run');
    if (!existsSync(join(run, 'report.html'))) expect(tinyTrain(run).status).toBe(0);
    // Map before and after, the mean image and the map on it, 3 examples x (image, global map, Grad-CAM).
    await expectReportRendersCleanly(browser(), join(run, 'report.html'), { minImages: 13 });
  });
});

describe("gsa demo at its default size (the README's first command)", () => {
  it('ends with global attention ahead of vanilla and the map on the true region', () => {
    const out = join(scratch, 'full-demo');
    const result = gsa('demo', '--out', out);
    expect(result.status).toBe(0);
    // Mean test accuracy of the last 5 epochs, then the map's ROC-AUC and how decided it is.
    const vanilla = Number(
      /vanilla\s+test accuracy (\d+\.\d)% \(mean of the last 5 epochs/.exec(result.stdout)?.[1],
    );
    const global =
      /global attention\s+test accuracy (\d+\.\d)% \(mean of the last 5 epochs; last \d+\.\d%\)\s+map ROC-AUC vs true region (\d\.\d{3})/.exec(
        result.stdout,
      );
    expect(global).not.toBeNull();
    expect(Number(global![1])).toBeGreaterThan(vanilla);
    expect(Number(global![2])).toBeGreaterThanOrEqual(0.8);
    const map = /learned map: spread (\d\.\d\d), (\d+)% of pixels < 0\.1/.exec(result.stdout);
    expect(Number(map![1])).toBeGreaterThanOrEqual(0.3); // measured 0.39 (0.05 before the map study)
    expect(existsSync(join(out, 'global-attention', 'report.html'))).toBe(true);
  }, 300_000);
});

describe('gsa experiment', () => {
  const grid = () => tinyGrid('grid.yaml');

  it('runs a 2-cell grid, survives a crash of everything mid-grid, and resumes without redoing a cell', async () => {
    const out = join(scratch, 'experiment');
    const args = ['experiment', '--config', grid(), '--out', out, '--backend', 'cpu'];
    const cells = join(out, 'cells');
    // Kill the coordinator and its worker (the whole process group) once the first cell is done.
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { env, detached: true });
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const poll = setInterval(() => {
        if (
          existsSync(cells) &&
          readdir(cells).filter((name) => !name.startsWith('.')).length >= 1
        ) {
          clearInterval(poll);
          process.kill(-child.pid!, 'SIGKILL');
        }
      }, 50);
      child.on('exit', (_code, signal) => {
        clearInterval(poll);
        if (signal === 'SIGKILL') resolve();
        else reject(new Error(`the experiment ended before it could be killed:\n${text}`));
      });
    });
    expect(doneCells(join(out, 'ledger.sqlite'))).toBe(1);
    const first = readdir(cells).filter((name) => !name.startsWith('.'));
    expect(first).toHaveLength(1);
    const firstSummary = readFileSync(join(cells, first[0]!, 'summary.json'), 'utf8');

    const resumed = gsa(...args);
    expect(resumed.stderr).toContain('2 cells (0 new, 1 already done');
    expect(resumed.status).toBe(0);
    // The finished cell was not run again; the other one was.
    expect(readFileSync(join(cells, first[0]!, 'summary.json'), 'utf8')).toBe(firstSummary);
    expect(readdir(cells).filter((name) => !name.startsWith('.'))).toHaveLength(2);
    expect(resumed.stdout).toMatch(/\| SmallCNN \| Vanilla \| \d+\.\d\d\(\d+\.\d\d\) \|/);
    expect(resumed.stdout).toMatch(/\| {2}\| Global attention \| (\*\*)?\d+\.\d\d\(\d+\.\d\d\)/);
    expect(resumed.stdout).toContain('Cells: 2 done, 0 failed, 0 not finished.');
    for (const file of ['results.md', 'results.csv', 'results.json', 'grid.json', 'ledger.sqlite'])
      expect(existsSync(join(out, file))).toBe(true);

    const csv = gsa('results', out, '--format', 'csv');
    expect(csv.status).toBe(0);
    expect(csv.stdout.split(/\r?\n/)[0]).toBe('backbone,method,data');
    const json = gsa('results', out, '--format', 'json', '--where', 'attention=global');
    const records = JSON.parse(json.stdout) as {
      state: string;
      attempts: number;
      result: { testMean: number };
    }[];
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ state: 'done' });
    expect(records[0]!.result.testMean).toBeGreaterThanOrEqual(0);

    // A third run has nothing left to do.
    const again = gsa(...args);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('2 cells (0 new, 2 already done');
    expect(again.stderr).not.toContain('worker process');
  });
});

const redisUrl = process.env.GSA_REDIS_URL;
const describeWithRedis =
  redisUrl || process.env.GSA_REQUIRE_REDIS === '1' ? describe : describe.skip;
if (!redisUrl && process.env.GSA_REQUIRE_REDIS !== '1') {
  console.warn(
    'gsa experiment --queue: skipped (set GSA_REDIS_URL=redis://127.0.0.1:PORT to run it)',
  );
}

describeWithRedis('gsa experiment --queue (BullMQ on Redis)', () => {
  it('runs the cells on `gsa worker` processes and records each once', async () => {
    if (!redisUrl) throw new Error('GSA_REQUIRE_REDIS=1 but GSA_REDIS_URL is not set');
    const out = join(scratch, 'queued');
    const gridPath = tinyGrid('queued.yaml', 'seeds: [0, 1]');
    const started = (args: string[]) => {
      const child = spawn(process.execPath, [bin, ...args], { env });
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const exited = new Promise<{ code: number | null; text: string }>((resolve) =>
        child.on('exit', (code) => resolve({ code, text })),
      );
      return { child, exited };
    };
    const coordinator = started([
      'experiment',
      '--config',
      gridPath,
      '--out',
      out,
      '--queue',
      redisUrl,
    ]);
    const workers = [0, 1].map(() => started(['worker', '--queue', redisUrl, '--backend', 'cpu']));
    const finished = await coordinator.exited;
    for (const worker of workers) worker.child.kill('SIGTERM');
    const workerLogs = await Promise.all(workers.map((worker) => worker.exited));
    expect(finished.code).toBe(0);
    expect(finished.text).toContain('4 cells (4 new');
    // Every cell was run to the end exactly once, across the workers.
    const doneLines = workerLogs.map((log) => (log.text.match(/ done in /g) ?? []).length);
    expect(doneLines.reduce((a, b) => a + b, 0)).toBe(4);
    const ledger = ExperimentLedger.open(join(out, 'ledger.sqlite'));
    try {
      const cells = ledger.cells();
      expect(cells.map((cell) => cell.state)).toEqual(['done', 'done', 'done', 'done']);
      expect(cells.every((cell) => cell.duplicates === 0)).toBe(true);
    } finally {
      ledger.close();
    }
    expect(readdir(join(out, 'cells')).filter((name) => !name.startsWith('.'))).toHaveLength(4);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toContain('Cells: 4 done, 0 failed');
  });
});

/** A grid of tiny cells (vanilla and global, 2 folds, 2 epochs) on the synthetic data. */
function tinyGrid(name: string, ...extra: string[]): string {
  const path = join(scratch, name);
  writeFileSync(
    path,
    [
      `data: folder:${data}`,
      'backbone: smallcnn',
      'backboneOptions: { widths: [4, 8] }',
      'attention: [none, global]',
      'epochs: 2',
      'cutoffEpoch: 1',
      'channels: 4',
      'batchSize: 8',
      'folds: 2',
      'topEpochs: 2',
      ...extra,
      '',
    ].join('\n'),
  );
  return path;
}

function doneCells(path: string): number {
  const ledger = ExperimentLedger.open(path);
  try {
    return ledger.counts().done;
  } finally {
    ledger.close();
  }
}

/** The numbers an SVG colour bar is labelled with, top (max) first. */
function svgLabels(svg: string): number[] {
  return [...svg.matchAll(/>(-?\d[\d.e+-]*)<\/text>/g)].map((match) => Number(match[1]));
}

function readdir(path: string): string[] {
  return existsSync(path)
    ? spawnSync('ls', [path], { encoding: 'utf8' }).stdout.trim().split('\n')
    : [];
}
