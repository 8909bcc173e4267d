import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { formatDuration } from './format-duration.js';
import type { EpochMetrics, StepInfo, TrainingCallback, TrainingStartInfo } from './types.js';

export interface ProgressOptions {
  /** Where to write; default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Redraw a live bar (default: when the stream is a TTY, CI is unset and TERM is not 'dumb'). */
  live?: boolean;
  /** The fewest milliseconds between two redraws of the live bar. Default 250. */
  redrawMs?: number;
}

/** `line` cut to the terminal's width (one column kept free so it never wraps and leaves debris). */
function fitted(line: string, columns: number | undefined): string {
  if (columns === undefined || columns < 10 || line.length < columns) return line;
  return `${line.slice(0, columns - 2)}…`;
}

/**
 * Progress: on a TTY a live bar with epoch, phase, loss, accuracy and ETA;
 * elsewhere (CI, pipes, log files) one plain line per epoch.
 */
export function progressCallback(options: ProgressOptions = {}): TrainingCallback {
  const stream = options.stream ?? process.stderr;
  const live =
    options.live ?? (stream.isTTY === true && !process.env.CI && process.env.TERM !== 'dumb');
  const redrawMs = options.redrawMs ?? 250;
  let lastDraw = -Infinity;
  let start = 0;
  let info: TrainingStartInfo | undefined;
  let stepsDone = 0;
  let lossSum = 0;
  let lossCount = 0;
  const totalSteps = () => (info ? (info.epochs - info.firstEpoch + 1) * info.stepsPerEpoch : 0);
  const eta = () => {
    if (stepsDone === 0) return '?';
    const seconds = ((performance.now() - start) / 1000 / stepsDone) * (totalSteps() - stepsDone);
    return formatDuration(seconds);
  };
  return {
    onTrainBegin(begin) {
      info = begin;
      start = performance.now();
      const phases =
        begin.mode === 'none'
          ? 'vanilla'
          : `phase 1: epochs 1-${begin.cutoffEpoch}, then the map is frozen`;
      stream.write(
        `Training ${begin.trainingImages} images, ${begin.epochs} epochs of ${begin.stepsPerEpoch} steps (${begin.mode}; ${phases})` +
          (begin.firstEpoch > 1 ? `, resuming at epoch ${begin.firstEpoch}` : '') +
          '\n',
      );
    },
    onStepEnd(step: StepInfo) {
      stepsDone += 1;
      lossSum += step.loss;
      lossCount += 1;
      if (!live || !info) return;
      // A few redraws a second at most (and always the epoch's last step).
      const now = performance.now();
      if (now - lastDraw < redrawMs && step.step < step.steps) return;
      lastDraw = now;
      const width = 24;
      const filled = Math.round((step.step / step.steps) * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      stream.write(
        `\r\x1b[2K${fitted(
          `epoch ${step.epoch}/${info.epochs} phase ${step.phase} [${bar}] ${step.step}/${step.steps} loss ${(lossSum / lossCount).toFixed(4)} ETA ${eta()}`,
          stream.columns,
        )}`,
      );
    },
    onEpochEnd(metrics: EpochMetrics) {
      lossSum = 0;
      lossCount = 0;
      const evaluation = metrics.evaluation
        ? ` | eval loss ${metrics.evaluation.loss.toFixed(4)} acc ${(metrics.evaluation.accuracy * 100).toFixed(1)}%`
        : '';
      const map = metrics.mapMean !== undefined ? ` | map mean ${metrics.mapMean.toFixed(3)}` : '';
      stream.write(
        `${live ? '\r\x1b[2K' : ''}epoch ${metrics.epoch}/${info?.epochs ?? '?'} phase ${metrics.phase} | loss ${metrics.trainLoss.toFixed(4)} acc ${(metrics.trainAccuracy * 100).toFixed(1)}%${evaluation}${map} | ${metrics.seconds.toFixed(1)} s | ETA ${eta()}\n`,
      );
    },
    onTrainEnd(_history, stopReason) {
      if (stopReason) stream.write(`Training stopped early: ${stopReason}\n`);
    },
  };
}

/**
 * Appends one JSON line per epoch to `path` (metrics.jsonl). Lines are whole:
 * each is written with a single append, so a crash never leaves half a record.
 * At the start it rewrites the file (atomically) with the epochs a resumed run
 * restored, so a line lost to a kill after the checkpoint comes back.
 */
export function metricsJsonlWriter(path: string): TrainingCallback {
  return {
    onTrainBegin(info) {
      mkdirSync(dirname(path), { recursive: true });
      // write-file-atomic: a temp name unique per call, fsynced, then renamed.
      writeFileAtomic.sync(
        path,
        info.history.map((metrics) => `${JSON.stringify(metrics)}\n`).join(''),
      );
    },
    onEpochEnd(metrics) {
      appendFileSync(path, `${JSON.stringify(metrics)}\n`);
    },
  };
}

export { earlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
