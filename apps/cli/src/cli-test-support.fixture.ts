// What the CLI's end-to-end tests share: running the built `gsa` binary,
// waiting for a running one to reach a point, and a directory's contents.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const bin = fileURLToPath(new URL('../bin/gsa.js', import.meta.url));

/**
 * The tiny `gsa train` of the CLI's tests (smallcnn, 2 epochs, K = 4, wasm):
 * the shared run is trained with it, and tests that train their own use it.
 */
export function trainArgs(data: string, out: string, ...extra: string[]): string[] {
  return [
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
  ];
}

/** What every end-to-end file shares, made once per jest run by jest.global-setup.mjs (read-only). */
export interface SharedFixture {
  /** 40 synthetic 16x16 images, two classes (a folder with labels.csv). */
  data: string;
  /** A run of `trainArgs(data, run)`. */
  run: string;
  /** What that `gsa train` printed. */
  stdout: string;
  stderr: string;
}

export function sharedFixture(): SharedFixture {
  const root = process.env.GSA_CLI_FIXTURE;
  if (!root || !existsSync(root))
    throw new Error(
      'GSA_CLI_FIXTURE is not set: run these tests through jest with apps/cli/jest.config.js (its globalSetup trains the shared run).',
    );
  return {
    data: join(root, 'data'),
    run: join(root, 'run'),
    stdout: readFileSync(join(root, 'train.stdout'), 'utf8'),
    stderr: readFileSync(join(root, 'train.stderr'), 'utf8'),
  };
}

/** A scratch folder for one test file, removed after it. */
export function scratchDirectory(name: string): string {
  const directory = mkdtempSync(join(tmpdir(), `gsa-${name}-`));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** A copy of the shared run for a test that writes into it. */
export function copyOfRun(run: string, to: string): string {
  cpSync(run, to, { recursive: true });
  return to;
}

/** The names in a folder (none if it does not exist). */
export function readdir(path: string): string[] {
  return existsSync(path) ? readdirSync(path).sort() : [];
}
export const env = { ...process.env, CI: 'true' };

export interface GsaResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `gsa args...` to the end (in `cwd`, default this process's). */
export function runGsa(
  args: readonly string[],
  cwd?: string,
  extraEnv: Record<string, string> = {},
): GsaResult {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
    timeout: 240_000,
    ...(cwd ? { cwd } : {}),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A `gsa` process started in the background and seen to print `pattern` on stderr. */
export interface RunningGsa {
  child: ChildProcessWithoutNullStreams;
  /** Everything it printed on stderr so far. */
  text(): string;
  /** Its exit code once it exits. */
  exited: Promise<number | null>;
  /** Resolves when stderr has printed `pattern`. */
  waitFor(pattern: RegExp | string): Promise<void>;
}

/** Starts `gsa args...` and resolves once its stderr shows `pattern` (rejects if it exits first). */
export async function startGsa(
  args: readonly string[],
  pattern: RegExp | string,
): Promise<RunningGsa> {
  const child = spawn(process.execPath, [bin, ...args], { env });
  let text = '';
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const seen = (wanted: RegExp | string) =>
    typeof wanted === 'string' ? text.includes(wanted) : wanted.test(text);
  const waitFor = (wanted: RegExp | string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (seen(wanted)) resolve();
        else if (child.exitCode !== null)
          reject(new Error(`gsa exited before printing ${String(wanted)}:\n${text}`));
        else setTimeout(check, 20);
      };
      check();
    });
  await waitFor(pattern);
  return { child, text: () => text, exited, waitFor };
}

/** Every file under `root` with a hash of its bytes: equal before and after means untouched. */
export function directoryContents(root: string): Record<string, string> {
  const found: Record<string, string> = {};
  const visit = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) visit(path);
      else
        found[path.slice(root.length)] = createHash('sha256')
          .update(readFileSync(path))
          .digest('hex');
    }
  };
  visit(root);
  return found;
}
