// Where the trainer's benchmarks write; the helpers they share live in @gsa/tooling/bench
// (imported from there directly).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchReport } from '@gsa/tooling/bench';

export const benchDirectory = dirname(fileURLToPath(import.meta.url));

/** Writes a JSON result atomically under bench-results/ (or `GSA_BENCH_OUT`); returns the path. */
export function writeResult(defaultName: string, result: unknown): string {
  return writeBenchReport(benchDirectory, defaultName, result);
}
