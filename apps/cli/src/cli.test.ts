// End-to-end: the real `gsa` binary (bin/gsa.js over dist/) as a child process, on small data.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/gsa.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gsa-cli-'));
const data = join(scratch, 'data');
const env = { ...process.env, CI: 'true' };

function gsa(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env,
    timeout: 240_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tinyTrain = (out: string, ...extra: string[]) =>
  gsa(
    'train',
    '--data',
    `folder:${data}`,
    '--backbone',
    'smallcnn',
    '--epochs',
    '2',
    '--batch',
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
    for (const command of ['demo', 'train', 'predict', 'export', 'map', 'datasets'])
      expect(help.stdout).toContain(command);
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
      /^test accuracy \d+\.\d\d% \(global, smallcnn\); run directory /,
    );
    for (const file of [
      'config.json',
      'metrics.jsonl',
      'summary.json',
      'attention-map.png',
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

    const map = gsa('map', '--run', run, '--overlay', join(data, 'img-0000.png'));
    expect(map.status).toBe(0);
    expect(map.stdout).toContain('attention-overlay.png');

    const exported = join(scratch, 'exported');
    expect(gsa('export', '--run', run, '--out', exported).status).toBe(0);
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
      '--batch',
      '8',
      '--channels',
      '4',
      '--backend',
      'wasm',
      '--out',
      run,
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
      ['train', '--data', 'folder:DATA', '--attention', 'none', '--cutoff', '3', '--out', 'x'],
      2,
      /--cutoff has no meaning with --attention none/,
    ],
    [
      ['train', '--data', 'folder:DATA', '--epochs', 'many'],
      2,
      /--epochs expects a number, got 'many'/,
    ],
    [
      ['train', '--data', 'folder:DATA', '--cutoff', '9', '--epochs', '2'],
      2,
      /--cutoff 9 is after the last epoch/,
    ],
    [['train', '--data', 'folder:DATA', '--attention', 'local'], 2, /argument 'local' is invalid/],
    [['predict', '--model', '/nonexistent/model', 'a.png'], 1, /gsa.json/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
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
      /global attention\s+test accuracy \d+\.\d%\s+map ROC-AUC vs true region \d\.\d{3}/,
    );
    expect(existsSync(join(scratch, 'demo', 'global-attention', 'report.html'))).toBe(true);
  });
});

function readdir(path: string): string[] {
  return existsSync(path)
    ? spawnSync('ls', [path], { encoding: 'utf8' }).stdout.trim().split('\n')
    : [];
}
