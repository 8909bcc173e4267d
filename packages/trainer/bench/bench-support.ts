// Helpers shared by the trainer's benchmarks: robust statistics, the machine's
// load, peak memory, tables and atomic JSON results.
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchReport } from '@gsa/tooling/bench';

export { median, peakRssMiB, printTable, progress } from '@gsa/tooling/bench';

export const benchDirectory = dirname(fileURLToPath(import.meta.url));

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

export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Sample standard deviation (n - 1), 0 for a single value. */
export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const average = mean(values);
  return Math.sqrt(
    values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (values.length - 1),
  );
}

/** The 1, 5 and 15 minute load averages (the machine is shared: say how busy it was). */
export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = loadavg();
  return [round(one!, 2), round(five!, 2), round(fifteen!, 2)];
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Writes a JSON result atomically under bench-results/ (or `GSA_BENCH_OUT`); returns the path. */
export function writeResult(defaultName: string, result: unknown): string {
  return writeBenchReport(benchDirectory, defaultName, result);
}
