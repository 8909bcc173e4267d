// The bad-input battery: wrong inputs through the CLI, each answered by one
// clear error that names the file or value and what to do, a non-zero exit,
// and no change to any file that was there before.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { encodeNpy } from '@gsa/data';
import { encodePng } from '@gsa/viz/node';
import { directoryContents, runGsa } from './cli-test-support.fixture.js';

const scratch = mkdtempSync(join(tmpdir(), 'gsa-bad-input-'));
const gsa = (args: readonly string[]) => runGsa(args, scratch);
/** Every file under `root` with a hash of its bytes. */
const contents = directoryContents;

const path = (...parts: string[]) => join(scratch, ...parts);

beforeAll(() => {
  const made = gsa(['datasets', 'synth', '--out', path('good'), '--count', '24', '--size', '16']);
  expect(made.status).toBe(0);
  const png = (name: string) => readFileSync(path('good', name));
  const labels = readFileSync(path('good', 'labels.csv'), 'utf8').trim().split('\n');
  const header = labels[0]!;
  const rows = labels.slice(1);
  const folder = (name: string, files: Record<string, Buffer | string>): void => {
    mkdirSync(path(name), { recursive: true });
    for (const [file, data] of Object.entries(files)) {
      mkdirSync(join(path(name), file, '..'), { recursive: true });
      writeFileSync(path(name, file), data);
    }
  };
  const first = rows[0]!.split(',')[0]!;
  const second = rows[1]!.split(',')[0]!;
  const goodFiles = Object.fromEntries(
    rows.map((row) => [row.split(',')[0]!, png(row.split(',')[0]!)]),
  );
  // A corrupt image, a truncated one, a labels file naming a missing one.
  folder('corrupt', { ...goodFiles, [first]: 'not a PNG at all', 'labels.csv': labels.join('\n') });
  folder('truncated', {
    ...goodFiles,
    [first]: png(first).subarray(0, 40),
    'labels.csv': labels.join('\n'),
  });
  folder('missing-file', {
    ...goodFiles,
    'labels.csv': [header, ...rows, 'absent.png,texture-0deg'].join('\n'),
  });
  // One class only; an empty labels file; a label row without a label.
  folder('one-class', {
    ...goodFiles,
    'labels.csv': [header, ...rows.map((row) => `${row.split(',')[0]},texture-0deg`)].join('\n'),
  });
  folder('empty-labels', { ...goodFiles, 'labels.csv': '' });
  folder('no-label', { ...goodFiles, 'labels.csv': [header, ...rows, `${second},`].join('\n') });
  // Mixed sizes: one image of another size, no --size to bring them together.
  const other = Buffer.from(
    encodePng({ width: 20, height: 20, data: new Uint8ClampedArray(20 * 20 * 4).fill(128) }),
  );
  folder('mixed-sizes', { ...goodFiles, [first]: other, 'labels.csv': labels.join('\n') });
  // A class folder with no image in it.
  folder('empty-class', {
    'a/x.png': png(first),
    'a/y.png': png(second),
    'b/readme.txt': 'no images',
  });
  // MedMNIST arrays: a NaN in float images, and labels that do not match the images.
  const images = new Float32Array(4 * 8 * 8).fill(0.5);
  images[70] = Number.NaN;
  const part = (pixels: Float32Array) => ({
    images: encodeNpy(pixels, [4, 8, 8]),
    labels: encodeNpy([0, 1, 0, 1], [4, 1]),
  });
  const clean = part(new Float32Array(4 * 8 * 8).fill(0.5));
  const dirty = part(images);
  writeFileSync(
    path('nan.npz'),
    zipSync({
      'train_images.npy': dirty.images,
      'train_labels.npy': dirty.labels,
      'val_images.npy': clean.images,
      'val_labels.npy': clean.labels,
      'test_images.npy': clean.images,
      'test_labels.npy': clean.labels,
    }),
  );
  writeFileSync(path('not-a-zip.npz'), 'PK but not really');
  // Config files.
  writeFileSync(path('bad.yaml'), 'data: [unclosed\n  lr: 0.1');
  writeFileSync(path('unknown-key.yaml'), `data: folder:${path('good')}\nlearningrate: 0.1\n`);
  writeFileSync(path('list.yaml'), '- a\n- b\n');
  writeFileSync(path('old-key.yaml'), `data: folder:${path('good')}\nlr: 0.1\n`);
  // A file where a run directory should be; a run directory held by a live process (this one).
  writeFileSync(path('a-file'), 'x');
  mkdirSync(path('locked-run'));
  writeFileSync(
    path('locked-run', '.gsa-lock'),
    JSON.stringify({
      pid: process.pid,
      host: hostname(),
      started: '2026-12-06T00:00:00Z',
      purpose: 'gsa train',
    }),
  );
  // A run killed mid-way (no summary.json): resuming it with other settings must be refused.
  const partial = gsa(partialRun());
  expect(partial.status).toBe(0);
  rmSync(path('partial', 'summary.json'));
  // Weights of another architecture, and a file that is not weights at all.
  writeFileSync(path('not-weights.safetensors'), 'garbage');
  copyFileSync(path('good', first), path('image.png'));
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The run the battery kills mid-way and then resumes with other settings. */
function partialRun(...extra: string[]): string[] {
  return [
    'train',
    '--backend',
    'cpu',
    '--data',
    good(),
    ...['--epochs', '2', '--channels', '4', '--batch', '8', '--out', path('partial')],
    ...extra,
  ];
}

const good = () => `folder:${path('good')}`;
const train = (...args: string[]) => ['train', '--backend', 'cpu', '--epochs', '1', ...args];

/** [what, arguments, exit code, what the error must say]. */
const CASES: [string, () => string[], number, RegExp][] = [
  [
    'a missing data folder',
    () => train('--data', `folder:${path('nowhere')}`, '--out', path('r1')),
    1,
    /Cannot load the data 'folder:.*nowhere'/,
  ],
  [
    'an unknown data kind',
    () => train('--data', 'tarball:x', '--out', path('r2')),
    1,
    /unknown dataset kind 'tarball:'.*known: folder:/,
  ],
  [
    'a corrupt image',
    () => train('--data', `folder:${path('corrupt')}`, '--out', path('r3')),
    1,
    /cannot decode image .*corrupt\/img-\d+\.png[^]*hint: Replace or remove that file/,
  ],
  [
    'a truncated image',
    () => train('--data', `folder:${path('truncated')}`, '--out', path('r4')),
    1,
    /cannot decode image .*truncated\/img-\d+\.png[^]*hint: Replace or remove that file/,
  ],
  [
    'a labels file naming a missing image',
    () => train('--data', `folder:${path('missing-file')}`, '--out', path('r5')),
    1,
    /listed in .*labels\.csv do not exist: .*absent\.png[^]*hint: Add the missing files/,
  ],
  [
    'one class only',
    () => train('--data', `folder:${path('one-class')}`, '--out', path('r6')),
    1,
    /one-class has 1 class \('texture-0deg'\): a classifier needs at least two/,
  ],
  [
    'an empty labels file',
    () => train('--data', `folder:${path('empty-labels')}`, '--out', path('r7')),
    1,
    /labels file .*labels\.csv is empty/,
  ],
  [
    'a row without a label',
    () => train('--data', `folder:${path('no-label')}`, '--out', path('r8')),
    1,
    /no label for img-\d+\.png[^]*hint: Fix labels\.csv/,
  ],
  [
    'images of two sizes',
    () => train('--data', `folder:${path('mixed-sizes')}`, '--out', path('r9')),
    1,
    /images differ in size .*mixed-sizes\/img-0000\.png[^]*hint: Pass --size PX/,
  ],
  [
    'a class folder without images',
    () => train('--data', `folder:${path('empty-class')}`, '--out', path('r10')),
    1,
    /class folder\(s\) with no images in .*empty-class: b[^]*hint: Add images to that class folder/,
  ],
  [
    'NaN in a .npz',
    () => train('--data', `medmnist:${path('nan.npz')}`, '--out', path('r11')),
    1,
    /nan\.npz:train_images holds NaN in image 1: every pixel must be a finite number/,
  ],
  [
    'a .npz that is not a zip',
    () => train('--data', `medmnist:${path('not-a-zip.npz')}`, '--out', path('r12')),
    1,
    /not-a-zip\.npz is not a readable \.npz/,
  ],
  [
    'a run directory that is a file',
    () => train('--data', good(), '--out', path('a-file')),
    1,
    /Cannot write .*a-file[^]*hint: A file stands where the directory should be/,
  ],
  [
    'a run directory held by another process',
    () => train('--data', good(), '--out', path('locked-run')),
    1,
    new RegExp(`locked-run is in use: process ${process.pid}`),
  ],
  [
    'weights that are not weights',
    () =>
      train(
        '--data',
        good(),
        '--pretrained',
        path('not-weights.safetensors'),
        '--out',
        path('r15'),
      ),
    1,
    /not-weights\.safetensors/,
  ],
  [
    'an unknown backbone',
    () => train('--data', good(), '--backbone', 'resnet9000', '--out', path('r16')),
    1,
    /Unknown backbone 'resnet9000'/,
  ],
  [
    'a config file that is not YAML',
    () => train('--config', path('bad.yaml')),
    2,
    /bad\.yaml is not valid YAML or JSON/,
  ],
  [
    'an unknown key in a config file',
    () => train('--config', path('unknown-key.yaml'), '--out', path('r18')),
    2,
    /learningrate/,
  ],
  [
    'a config file that is a list',
    () => train('--config', path('list.yaml')),
    2,
    /list\.yaml must hold a mapping/,
  ],
  [
    'a missing config file',
    () => train('--config', path('none.yaml')),
    2,
    /Cannot read the config file .*none\.yaml/,
  ],
  [
    'a negative learning rate',
    () => train('--data', good(), '--lr', '-1', '--out', path('r21')),
    2,
    /learningRate: /,
  ],
  [
    'a config file with a key of gsa 0.x',
    () => train('--config', path('old-key.yaml'), '--out', path('r27')),
    2,
    /The setting 'lr' is now called 'learningRate'[^]*hint: Rename it in the config or grid file/,
  ],
  [
    'one setting given by its flag and its alias',
    () => train('--data', good(), '--lr', '0.1', '--learning-rate', '0.2', '--out', path('r28')),
    2,
    /--lr and --learning-rate are the same setting/,
  ],
  [
    'a map learning-rate rule that does not exist',
    () => train('--data', good(), '--map-learning-rate', 'fast', '--out', path('r29')),
    2,
    /--map-learning-rate expects a positive number or a rule \(inputFanIn \| uniformFanIn \| backbone \| inverseSqrt\), got 'fast'/,
  ],
  [
    'a batch of zero',
    () => train('--data', good(), '--batch', '0', '--out', path('r22')),
    2,
    /batchSize: /,
  ],
  [
    'a test fraction above 1',
    () => train('--data', good(), '--test-fraction', '1.5', '--out', path('r23')),
    2,
    /testFraction: /,
  ],
  [
    'a size below 8 pixels',
    () => train('--data', good(), '--size', '4', '--out', path('r24')),
    2,
    /size: /,
  ],
  [
    'a word where a number goes',
    () => train('--data', good(), '--epochs', 'many'),
    2,
    /--epochs expects a number, got 'many'/,
  ],
  [
    'a cut-off after the last epoch',
    () => train('--data', good(), '--cutoff', '5', '--out', path('r26')),
    2,
    /--cutoff-epoch 5 is after the last epoch/,
  ],
  [
    'a killed run resumed with other settings',
    () => partialRun('--lr', '0.5', '--resume'),
    1,
    /checkpoint in .*partial\/checkpoints was made by a run with other settings[^]*hint: Resume with the settings the run started with/,
  ],
  [
    'eval of a folder that is no run',
    () => ['eval', '--run', path('good')],
    1,
    /run configuration is missing: .*good\/config\.json/,
  ],
  [
    'predict with a model folder that does not exist',
    () => ['predict', '--model', path('nowhere'), path('image.png')],
    1,
    /nowhere/,
  ],
  ['map of a missing run', () => ['map', '--run', path('nowhere')], 1, /nowhere/],
  [
    'export of a folder that is no run',
    () => ['export', '--run', path('good'), '--out', path('r30')],
    1,
    /good has no trained model/,
  ],
  [
    'inspect of a missing folder',
    () => ['datasets', 'inspect', `folder:${path('nowhere')}`, '--no-sheet'],
    1,
    /nowhere/,
  ],
  [
    'an experiment grid that does not exist',
    () => ['experiment', '--config', path('none-grid.yaml')],
    2,
    /none-grid\.yaml/,
  ],
];

describe('every bad input gets one clear error and changes nothing', () => {
  it('has at least 30 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(30));

  it.each(CASES)('%s', (_what, args, code, message) => {
    const before = contents(scratch);
    const result = gsa(args());
    if (process.env.GSA_SHOW_ERRORS) console.info(_what, result.status, result.stderr);
    expect(result.stderr).toMatch(/^gsa: |error: /m);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/hint: |\(run with --help for usage\)/);
    expect(result.status).toBe(code);
    expect(contents(scratch)).toEqual(before);
  });
});

/** A 64 KiB tmpfs (root only: elsewhere the case is skipped with a message). */
function smallDisk(): string | undefined {
  const mountPoint = mkdtempSync(join(tmpdir(), 'gsa-full-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], {
    encoding: 'utf8',
  });
  if (mounted.status === 0) return mountPoint;
  rmSync(mountPoint, { recursive: true, force: true });
  console.warn(
    `skipping the full-disk case: cannot mount a small tmpfs here (${(mounted.stderr || String(mounted.error)).trim()})`,
  );
  return undefined;
}

describe('a full disk', () => {
  const disk = smallDisk();
  afterAll(() => {
    if (disk === undefined) return;
    spawnSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  (disk ? it : it.skip)(
    'stops with the error, says the disk is full, and keeps what was there',
    () => {
      const before = contents(scratch);
      const result = gsa(train('--data', `folder:${path('good')}`, '--out', join(disk!, 'run')));
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/ENOSPC/);
      expect(result.stderr).toMatch(/hint: The disk holding .*run is full: free some space/);
      expect(contents(scratch)).toEqual(before);
    },
  );
});
