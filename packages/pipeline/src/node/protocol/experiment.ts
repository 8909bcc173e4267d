// An experiment on disk: a grid's cells in a crash-safe ledger
// (@gsa/experiments), the protocol cell runner every worker uses, and the
// results (results.md/.csv/.json, sensitivity.svg) written from the ledger.
// Starting processes and queues is the caller's (the CLI's `gsa experiment`).
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  cellKey,
  ExperimentLedger,
  type CellRecord,
  type CellRunner,
  type JsonObject,
} from '@gsa/experiments';
import { renderChartSvg, sensitivitySpec } from '@gsa/viz';
import { PipelineError } from '../../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../files.js';
import { PIPELINE_VERSION } from '../version.js';
import { runProtocolCell, type CellResult } from './cell.js';
import { defaultExperimentDirectory, expandGrid, readGridFile, type CellConfig } from './grid.js';
import {
  buildResultTable,
  renderResultsCsv,
  renderResultsMarkdown,
  sensitivityRecords,
  type FailedCell,
  type FinishedCell,
} from './results.js';

/** The ledger of the experiment in `directory`. */
export const ledgerPath = (directory: string): string => join(directory, 'ledger.sqlite');

/** Cells of an experiment by state. */
export interface CellCounts {
  pending: number;
  running: number;
  done: number;
  failed: number;
}

/** An experiment recorded in its directory, ready for workers. */
export interface RecordedExperiment {
  directory: string;
  ledger: string;
  /** The keys of this grid's cells (a ledger may hold others). */
  keys: Set<string>;
  /** Cells the grid added to the ledger now (the rest were there: a second run resumes). */
  added: number;
  /** This grid's cells by state before this run (failed ones are pending again). */
  before: CellCounts;
}

/**
 * Expands a grid file into cells and records them in the experiment's ledger
 * (cells already there, done or not, are kept; failed ones get another
 * chance), with grid.json beside it.
 */
export function recordExperiment(gridFile: string, out?: string): RecordedExperiment {
  const grid = readGridFile(gridFile);
  const cells = expandGrid(grid);
  const directory = resolve(out ?? defaultExperimentDirectory(gridFile));
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw new PipelineError(
      `Cannot create ${directory}: ${(error as Error).message}`,
      'Choose an --out directory you can write to.',
    );
  }
  const specs = cells.map((config) => {
    const json = config as unknown as JsonObject;
    return { key: cellKey(json), config: json };
  });
  const keys = new Set(specs.map((spec) => spec.key));
  writeJsonAtomic(join(directory, 'grid.json'), {
    gsaVersion: PIPELINE_VERSION,
    source: resolve(gridFile),
    grid,
    cells: specs.length,
  });
  const path = ledgerPath(directory);
  const ledger = ExperimentLedger.open(path);
  try {
    const { added } = ledger.addCells(specs);
    const before = experimentCounts(ledger, keys);
    // A new run gives cells that failed before another chance.
    if (before.failed > 0) ledger.retryFailed();
    return { directory, ledger: path, keys, added, before };
  } finally {
    ledger.close();
  }
}

/** This grid's cells (`keys`) in `ledger` by state. */
export function experimentCounts(ledger: ExperimentLedger | string, keys: Set<string>): CellCounts {
  const open = typeof ledger === 'string' ? ExperimentLedger.open(ledger) : ledger;
  const counts: CellCounts = { pending: 0, running: 0, done: 0, failed: 0 };
  try {
    for (const cell of open.cells()) if (keys.has(cell.key)) counts[cell.state] += 1;
  } finally {
    if (typeof ledger === 'string') open.close();
  }
  return counts;
}

/** The ledger's cells of this grid (or all), split into finished, failed and the rest. */
export function readExperimentCells(
  directory: string,
  keys?: Set<string>,
): { finished: FinishedCell[]; failed: FailedCell[]; unfinished: number; records: CellRecord[] } {
  const path = ledgerPath(directory);
  if (!existsSync(path)) {
    throw new PipelineError(
      `${directory} holds no experiment ledger (ledger.sqlite).`,
      'Pass the --out directory of `gsa experiment`.',
    );
  }
  const ledger = ExperimentLedger.open(path);
  try {
    const records = ledger.cells().filter((cell) => !keys || keys.has(cell.key));
    const finished: FinishedCell[] = [];
    const failed: FailedCell[] = [];
    let unfinished = 0;
    for (const record of records) {
      const config = record.config as unknown as CellConfig;
      if (record.state === 'done' && record.result) {
        finished.push({ key: record.key, config, result: record.result as unknown as CellResult });
      } else if (record.state === 'failed') {
        failed.push({ key: record.key, config, error: record.error ?? 'unknown error' });
      } else unfinished += 1;
    }
    return { finished, failed, unfinished, records };
  } finally {
    ledger.close();
  }
}

/** results.md, results.csv, results.json and (when K, lambda or E varied) sensitivity.svg. */
export async function writeExperimentResults(
  directory: string,
  keys?: Set<string>,
): Promise<{ done: number; failed: number; unfinished: number; written: string[] }> {
  const { finished, failed, unfinished } = readExperimentCells(directory, keys);
  const written = [join(directory, 'results.md')];
  writeFileAtomic(
    written[0]!,
    renderResultsMarkdown('gsa experiment results', finished, failed, unfinished),
  );
  if (finished.length > 0) {
    written.push(join(directory, 'results.csv'));
    writeFileAtomic(written[1]!, renderResultsCsv(finished));
    const { table, chosen } = buildResultTable(finished);
    const records = sensitivityRecords(finished);
    written.push(join(directory, 'results.json'));
    writeJsonAtomic(written[2]!, {
      table,
      chosen,
      sensitivity: records,
      cells: finished.map((cell) => ({
        key: cell.key,
        config: cell.config,
        testMean: cell.result.testMean,
        testStd: cell.result.testStd,
        validationScore: cell.result.validationScore,
      })),
    });
    if (records.length > 0) {
      const path = join(directory, 'sensitivity.svg');
      writeFileAtomic(path, await renderChartSvg(sensitivitySpec(records)));
      written.push(path);
    }
  }
  return { done: finished.length, failed: failed.length, unfinished, written };
}

/** The cell runner of `gsa worker`: the paper protocol, with the summary and map as the cell's files. */
export const protocolCellRunner =
  (log?: (text: string) => void): CellRunner =>
  async (cell, context) => {
    const config = cell.config as unknown as CellConfig;
    const result = await runProtocolCell(config, {
      signal: context.signal,
      ...(log ? { log } : {}),
    });
    const { map, ...summary } = result;
    return {
      ...(summary as unknown as JsonObject),
      files: {
        'summary.json': `${JSON.stringify({ key: cell.key, config, ...summary }, null, 2)}\n`,
        ...(map ? { 'attention-map.json': JSON.stringify(map) } : {}),
      },
    };
  };
