// What every gsa benchmark shares: one child process per run (so each run's
// peak RSS and thread settings are its own), a plain-text table on stdout,
// progress on stderr, and the results as JSON written atomically.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

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
  writeFileSync(`${out}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
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
    const reason = timedOut
      ? `timed out after ${Math.round(timeoutMs / 1000)} s`
      : ((outcome.stderr || outcome.stdout || String(outcome.error)).trim().split('\n').pop() ??
        'no result');
    return failed(run, reason);
  }
}
