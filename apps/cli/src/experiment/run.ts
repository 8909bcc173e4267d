import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runLedgerWorker, runLocalGrid, type CellRecord, type WorkerEvent } from '@gsa/experiments';
import { PipelineError, UsageError } from '@gsa/pipeline';
import {
  experimentCounts,
  HYPERPARAMETERS,
  protocolCellRunner,
  readExperimentCells,
  recordExperiment,
  renderResultsCsv,
  renderResultsMarkdown,
  writeExperimentResults,
  type CellConfig,
} from '@gsa/pipeline/node';
import { formatDuration } from '@gsa/trainer';
import type { Output } from '../output.js';

const BIN = fileURLToPath(new URL('../../bin/gsa.js', import.meta.url));

export interface ExperimentOptions {
  config: string;
  out?: string;
  workers: number;
  backend: string;
  queue?: string;
  /** Attempts per cell before it is marked failed. */
  attempts: number;
}

function describeCell(config: CellConfig): string {
  const extras = (
    ['channels', 'lambda', 'cutoffEpoch', 'learningRate', 'weightDecay', 'size'] as const
  )
    .filter(
      (key) => config[key] !== undefined && !(key === 'cutoffEpoch' && config.attention === 'none'),
    )
    .map((key) => `${key} ${String(config[key])}`);
  if (config.method !== undefined) {
    return [config.method, ...(config.size === undefined ? [] : [`size ${config.size}`])].join(
      ', ',
    );
  }
  return [config.attention, config.backbone, ...extras, `seed ${config.seed}`].join(', ');
}

/**
 * `gsa experiment`: expands the grid into cells, records them in the
 * experiment's ledger (cells already there, done or not, are kept: a second
 * run resumes), runs the unfinished ones in local worker processes (or on a
 * BullMQ queue), then writes results.md, results.csv and the sensitivity plot.
 */
export async function runExperiment(
  options: ExperimentOptions,
  output: Output,
): Promise<{ directory: string; done: number; failed: number }> {
  const {
    directory,
    ledger: path,
    keys,
    added,
    before,
  } = recordExperiment(options.config, options.out);
  output.note(
    `gsa: ${keys.size} cells (${added} new, ${before.done} already done, ${before.failed} failed before); ledger ${path}`,
  );

  const progress = experimentProgress();
  const controller = new AbortController();
  const onSignal = () => {
    output.note('gsa: stopping; unfinished cells stay pending (run the same command to resume).');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  try {
    if (options.queue) {
      const { runQueueCoordinator, redactUrl } = await import('@gsa/experiments');
      output.note(
        `gsa: cells go to the queue at ${redactUrl(options.queue)}; start workers with \`gsa worker --queue URL\``,
      );
      try {
        await runQueueCoordinator({
          ledgerPath: path,
          queueUrl: options.queue,
          attempts: options.attempts,
          outDir: directory,
          onProgress: (counts) => output.note(progress(counts)),
          log: output.note,
          signal: controller.signal,
        });
      } catch (error) {
        throw new PipelineError(
          `The queue at ${redactUrl(options.queue)} failed: ${(error as Error).message}`,
          'Check that Redis runs there and the password (GSA_REDIS_PASSWORD) is right; finished cells are kept, the same command resumes.',
        );
      }
    } else {
      const pending = experimentCounts(path, keys);
      const unfinished = pending.pending + pending.running;
      const workers = Math.max(1, Math.min(options.workers, unfinished));
      if (unfinished > 0) {
        output.note(`gsa: running ${unfinished} cells in ${workers} worker process(es)`);
        try {
          await runLocalGrid({
            ledgerPath: path,
            workers,
            command: [
              process.execPath,
              BIN,
              ...(output.quiet ? ['--quiet'] : []),
              'worker',
              '--ledger',
              path,
              '--out',
              directory,
              '--backend',
              options.backend,
              '--attempts',
              String(options.attempts),
            ],
            maxAttempts: options.attempts,
            onProgress: (counts) => output.note(progress(counts)),
            signal: controller.signal,
          });
        } catch (error) {
          throw new PipelineError(
            `The experiment's workers failed: ${(error as Error).message}`,
            'Run with --verbose; the cells already done are kept, and the same command resumes.',
          );
        }
      }
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  if (controller.signal.aborted)
    throw new PipelineError('Stopped; run the same command to resume.');
  const summary = await writeExperimentResults(directory, keys);
  return { directory, ...summary };
}

/**
 * A progress reporter for an experiment: cells done, running, pending and
 * failed, and an ETA from the pace of the cells finished since it started.
 */
export function experimentProgress(
  now: () => number = () => performance.now(),
): (counts: Record<string, number>) => string {
  const started = now();
  let doneAtStart: number | undefined;
  return (counts) => {
    const done = counts.done ?? 0;
    doneAtStart ??= done;
    const finishedHere = done - doneAtStart;
    const left = (counts.pending ?? 0) + (counts.running ?? 0);
    const eta =
      finishedHere > 0 && left > 0
        ? `, ETA ${formatDuration(((now() - started) / 1000 / finishedHere) * left)}`
        : '';
    return `gsa: cells ${done} done, ${counts.running ?? 0} running, ${counts.pending ?? 0} pending, ${counts.failed ?? 0} failed${eta}`;
  };
}

/** `gsa worker --ledger`: runs cells of a local experiment until none is left. */
export async function runLocalWorker(
  options: { ledger: string; out?: string; attempts: number },
  output: Output,
): Promise<void> {
  if (!existsSync(options.ledger)) {
    throw new UsageError(
      `No experiment ledger at ${options.ledger}.`,
      'Start the experiment with `gsa experiment --config FILE`; it starts its workers.',
    );
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await runLedgerWorker({
      ledgerPath: options.ledger,
      runCell: protocolCellRunner(output.verbose ? output.note : undefined),
      maxAttempts: options.attempts,
      ...(options.out ? { outDir: options.out } : {}),
      signal: controller.signal,
      onEvent: (event) => output.note(describeEvent(event)),
    });
  } finally {
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGINT', stop);
  }
}

export function describeEvent(event: WorkerEvent): string {
  const name = `cell ${event.cell.key.slice(0, 8)} (${describeCell(event.cell.config as unknown as CellConfig)})`;
  switch (event.type) {
    case 'start':
      return `gsa: ${name} started (attempt ${event.cell.attempts})`;
    case 'done':
      return `gsa: ${name} done in ${event.seconds.toFixed(1)} s${event.recorded ? '' : ' (already recorded elsewhere)'}`;
    case 'error':
      return `gsa: ${name} failed (${event.outcome === 'retry' ? 'will retry' : event.outcome}): ${event.error.split('\n')[0]}`;
    case 'released':
      return `gsa: ${name} stopped; it goes back to pending`;
    case 'taken-over':
      return `gsa: ${name} was taken over by another worker`;
  }
}

/** `gsa results DIR`: the table as Markdown or CSV, or the ledger's cells as JSON, filtered. */
export function renderExperimentResults(
  directory: string,
  options: { format: 'md' | 'csv' | 'json'; state?: CellRecord['state']; where?: string[] },
): string {
  const where = parseWhere(options.where ?? []);
  const matches = (config: CellConfig) =>
    Object.entries(where).every(([key, value]) => {
      const actual = (config as unknown as Record<string, unknown>)[key];
      return actual !== undefined && String(actual) === value;
    });
  const { finished, failed, unfinished, records } = readExperimentCells(directory);
  if (options.format === 'json') {
    return JSON.stringify(
      records
        .filter((record) => !options.state || record.state === options.state)
        .filter((record) => matches(record.config as unknown as CellConfig)),
      null,
      2,
    );
  }
  if (options.state && options.state !== 'done') {
    throw new UsageError('--state applies to --format json; the table is made of done cells.');
  }
  const chosen = finished.filter((cell) => matches(cell.config));
  if (options.format === 'csv') {
    if (chosen.length === 0)
      throw new PipelineError(
        'No finished cell matches.',
        'Check --where, or wait for cells to finish.',
      );
    return renderResultsCsv(chosen).trimEnd();
  }
  return renderResultsMarkdown(
    'gsa experiment results',
    chosen,
    failed.filter((cell) => matches(cell.config)),
    unfinished,
  ).trimEnd();
}

const FILTER_KEYS = new Set<string>([
  'data',
  'backbone',
  'attention',
  ...HYPERPARAMETERS,
  'seed',
  'folds',
  'topEpochs',
]);

function parseWhere(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      const key = pair.slice(0, at);
      if (at <= 0 || !FILTER_KEYS.has(key)) {
        throw new UsageError(
          `--where expects key=value with a grid key, got '${pair}'.`,
          `Keys: ${[...FILTER_KEYS].join(', ')}.`,
        );
      }
      return [key, pair.slice(at + 1)];
    }),
  );
}

/** `gsa worker --queue`: takes cells from the queue until stopped (Ctrl-C finishes nothing half-way: the cell goes back). */
export async function runQueueWorkerCommand(
  options: { queue: string; concurrency: number },
  output: Output,
): Promise<void> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
    throw new UsageError(
      `--concurrency expects a positive integer, got ${options.concurrency}.`,
      'Give how many cells this worker runs at once, e.g. --concurrency 1.',
    );
  const { runQueueWorker, redactUrl } = await import('@gsa/experiments');
  const controller = new AbortController();
  const stop = () => {
    output.note('gsa: stopping the worker after handing back its cells');
    controller.abort();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  output.note(`gsa: worker taking cells from ${redactUrl(options.queue)}`);
  try {
    await runQueueWorker({
      queueUrl: options.queue,
      concurrency: options.concurrency,
      runCell: protocolCellRunner(output.verbose ? output.note : undefined),
      signal: controller.signal,
      onEvent: (event) => {
        const name = `cell ${event.key.slice(0, 8)}`;
        output.note(
          event.type === 'start'
            ? `gsa: ${name} started (attempt ${event.attempt})`
            : event.type === 'done'
              ? `gsa: ${name} done in ${event.seconds.toFixed(1)} s`
              : event.type === 'error'
                ? `gsa: ${name} attempt ${event.attempt} failed: ${event.error.split('\n')[0]}`
                : `gsa: ${name} handed back to the queue`,
        );
      },
    });
  } finally {
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGINT', stop);
  }
}
