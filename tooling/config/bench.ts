// What every gsa benchmark shares: one child process per run (so each run's
// peak RSS and thread settings are its own), a plain-text table on stdout,
// progress on stderr, and the results as JSON written atomically.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

const CHILD_FLAG = '--child';
const RESULT_PREFIX = 'RESULT ';

/** Progress on stderr, so that stdout keeps only the tables. */
export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Largest resident set size of this process so far, MiB. */
export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : 0.5 * (sorted[middle - 1]! + sorted[middle]!);
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The 1, 5 and 15 minute load averages (the machine is shared: say how busy it was). */
export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = loadavg();
  return [round(one!, 2), round(five!, 2), round(fifteen!, 2)];
}

/** A number from the environment, or the default; a bad value is an error that names it. */
export function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got '${raw}'.`);
  return value;
}

/** A comma-separated list of numbers from the environment, or the default. */
export function numbersFromEnv(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map(Number);
  if (values.some((value) => !Number.isFinite(value)))
    throw new Error(`${name} must be comma-separated numbers, got '${raw}'.`);
  return values;
}

/** A comma-separated list of names from the environment, or the default. */
export function listFromEnv(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * A package's `pnpm bench`: runs the benchmarks of `benchmarks` (name ->
 * script in `directory`) that `GSA_BENCH` names (comma-separated; `defaults`
 * when unset), each in its own process so each reports its own peak RSS.
 * `GSA_BENCH` may name benchmarks of other packages (the root `pnpm bench`
 * runs every package's): those are skipped here with a line saying so.
 */
export function runNamedBenchmarks(
  packageName: string,
  directory: string,
  benchmarks: Readonly<Record<string, string>>,
  defaults: readonly string[],
): void {
  const chosen = process.env.GSA_BENCH ? listFromEnv('GSA_BENCH', '') : [...defaults];
  const here = chosen.filter((name) => Object.hasOwn(benchmarks, name));
  if (here.length === 0) {
    console.log(
      `${packageName}: none of GSA_BENCH=${chosen.join(',')} is a benchmark here (${Object.keys(benchmarks).join(', ')}).`,
    );
    return;
  }
  if (process.env.GSA_BENCH_OUT !== undefined && here.length > 1) {
    console.error('GSA_BENCH_OUT names one file: run one benchmark at a time with it.');
    process.exit(2);
  }
  for (const name of here) {
    console.log(`\n=== ${packageName}: ${name} ===`);
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', resolve(directory, benchmarks[name]!)],
      { stdio: 'inherit' },
    );
    if (child.status !== 0) {
      console.error(`benchmark '${name}' failed (exit ${child.status ?? child.signal}).`);
      process.exit(child.status ?? 1);
    }
  }
}

/** Prints rows as an aligned plain-text table. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  for (const row of [header, widths.map((width) => '-'.repeat(width)), ...rows])
    console.log(row.map((cell, i) => (cell ?? '').padEnd(widths[i]!)).join('  '));
}

/**
 * Writes a JSON report atomically to `GSA_BENCH_OUT`, else to
 * `<benchDirectory>/../bench-results/<defaultName>`; returns the path.
 */
export function writeBenchReport(
  benchDirectory: string,
  defaultName: string,
  report: unknown,
): string {
  const out = resolve(
    process.env.GSA_BENCH_OUT ?? resolve(benchDirectory, '../bench-results', defaultName),
  );
  mkdirSync(dirname(out), { recursive: true });
  writeFileAtomic.sync(out, `${JSON.stringify(report, null, 2)}\n`);
  return out;
}

/** The run this process was started for by `runInChildren`, if it is a child. */
export function childRun(): { run: string; args: string[] } | undefined {
  const index = process.argv.indexOf(CHILD_FLAG);
  if (index < 0) return undefined;
  return { run: process.argv[index + 1]!, args: process.argv.slice(index + 2) };
}

/**
 * In a child: runs `work` and prints its result for the parent; a failure is
 * reported as `failed(run, first line of the message)`, never as a crash, so
 * one unavailable backend or model does not end the whole benchmark.
 */
export async function answerParent<R>(
  work: (run: string, args: string[]) => Promise<R>,
  failed: (run: string, message: string) => R,
  describeError: (error: unknown) => string = (error) =>
    error instanceof Error ? error.message : String(error),
): Promise<void> {
  const child = childRun();
  if (child === undefined)
    throw new Error('answerParent runs only in a child started by runInChildren.');
  let result: R;
  try {
    result = await work(child.run, child.args);
  } catch (error) {
    result = failed(child.run, describeError(error).split('\n')[0] ?? 'failed');
  }
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

/**
 * Runs `script` once per run in its own process (same Node flags, e.g. tsx),
 * collecting the result each child prints; a child that dies or times out is
 * recorded through `failed` with its last line of output.
 */
export function runInChildren<R>(options: {
  script: string;
  runs: readonly string[];
  args?: readonly string[];
  timeoutMs?: number;
  failed: (run: string, reason: string) => R;
  /** Called as each run ends (progress for long benchmarks). */
  onResult?: (result: R) => void;
}): R[] {
  const { script, runs, args = [], timeoutMs = 30 * 60_000, failed, onResult } = options;
  return runs.map((run) => {
    const result = runOne(run);
    onResult?.(result);
    return result;
  });

  function runOne(run: string): R {
    progress(`${run} ...`);
    const outcome = spawnSync(
      process.execPath,
      [...process.execArgv, script, CHILD_FLAG, run, ...args],
      { encoding: 'utf8', env: process.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
    );
    const line = (outcome.stdout ?? '').split('\n').find((text) => text.startsWith(RESULT_PREFIX));
    if (line) return JSON.parse(line.slice(RESULT_PREFIX.length)) as R;
    const timedOut = outcome.error !== undefined && /ETIMEDOUT/.test(String(outcome.error));
    const lastLine = (outcome.stderr || outcome.stdout || '').trim().split('\n').pop();
    const reason = timedOut
      ? `timed out after ${Math.round(timeoutMs / 1000)} s`
      : outcome.signal
        ? `killed by ${outcome.signal}${lastLine ? ` (last output: ${lastLine})` : ''}`
        : lastLine || `exited with status ${outcome.status ?? String(outcome.error)} and no result`;
    return failed(run, reason);
  }
}
