import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageCount, readImages, type ImageSet } from '@gsa/data';
import { classificationReport, rocAucOneVsRest } from '@gsa/eval';
import { CliError } from './errors.js';
import { writeJsonAtomic } from './files.js';
import { loadModelFromDirectory, readModelInfo } from './model-files.js';
import { loadData, splitIndices } from './train-run.js';

/** What `gsa eval` measures and writes as JSON. */
export interface EvaluationReport {
  run: string;
  data: string;
  /** Which images were scored: the run's own held-out test split, a SPEC's test split, or all of a SPEC's images. */
  subset: 'run test split' | 'test split' | 'all images';
  images: number;
  classNames: string[];
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  cohenKappa: number;
  quadraticKappa: number;
  /** One-vs-rest ROC-AUC of the softmax probabilities (binary AUC with two classes). */
  rocAuc: number | null;
  perClass: { className: string; precision: number; recall: number; f1: number; support: number }[];
  confusionMatrix: number[][];
  /** Where the JSON was written. */
  written: string;
}

interface RunConfig {
  data: string;
  size?: number;
  seed: number;
  testFraction: number;
  groupSplit?: boolean;
}

function readJson<T>(path: string, what: string, hint: string): T {
  if (!existsSync(path)) throw new CliError(`${what} is missing: ${path}`, hint);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`, hint);
  }
}

/**
 * Scores a run's deployed model (map baked in) on its own held-out test split,
 * or on another dataset whose classes it knows. Writes `eval.json` (or
 * `eval-<name>.json` for `--data`) into the run directory.
 */
export async function evaluateRun(
  runDirectory: string,
  options: { data?: string; log?: (text: string) => void } = {},
): Promise<EvaluationReport> {
  const hint = 'Pass the --out directory of a finished `gsa train`.';
  const config = readJson<RunConfig>(
    join(runDirectory, 'config.json'),
    'The run configuration',
    hint,
  );
  const info = readModelInfo(join(runDirectory, 'model'));
  const [height, width, channels] = info.inputShape;
  const spec = options.data ?? config.data;
  const set = await loadData(
    spec,
    // The training's resize; other data is brought to the model's (square) input size.
    config.size ?? (options.data !== undefined && height === width ? height : undefined),
    info.preprocessing?.normalize !== undefined,
  );
  try {
    const { metadata } = set;
    if (metadata.height !== height || metadata.width !== width || metadata.channels !== channels) {
      throw new CliError(
        `${spec} gives ${metadata.height}x${metadata.width}x${metadata.channels} images but the model takes ${height}x${width}x${channels}.`,
        'Evaluate on images of the same kind (size and channels) as the training data.',
      );
    }
    const toModelClass = classMapping(set, info.classNames, spec);
    let indices: number[];
    let subset: EvaluationReport['subset'];
    if (options.data === undefined) {
      indices = splitIndices(set, config.testFraction, config.seed, config.groupSplit ?? true).test;
      subset = 'run test split';
    } else if (set.splits?.includes('test')) {
      indices = [...set.splits.keys()].filter((index) => set.splits![index] === 'test');
      subset = 'test split';
    } else {
      indices = Array.from({ length: imageCount(set) }, (_, index) => index);
      subset = 'all images';
    }
    options.log?.(`gsa: scoring ${indices.length} images (${subset}) of ${spec}`);

    const model = await loadModelFromDirectory(join(runDirectory, 'model'));
    const trueLabels: number[] = [];
    const predicted: number[] = [];
    const probabilities: Float32Array[] = [];
    try {
      const classes = info.classNames.length;
      for (let start = 0; start < indices.length; start += 64) {
        const chunk = indices.slice(start, start + 64);
        const images = await readImages(set, chunk);
        const values = tf.tidy(() =>
          tf.softmax(model.predict(images) as tf.Tensor2D).dataSync(),
        ) as Float32Array;
        images.dispose();
        chunk.forEach((index, row) => {
          const scores = values.subarray(row * classes, (row + 1) * classes);
          probabilities.push(Float32Array.from(scores));
          predicted.push(scores.indexOf(Math.max(...scores)));
          trueLabels.push(toModelClass[set.labels[index]!]!);
        });
      }
    } finally {
      model.dispose();
    }
    const report = classificationReport(trueLabels, predicted, info.classNames.length);
    const present = new Set(trueLabels).size;
    const written = join(
      runDirectory,
      options.data === undefined ? 'eval.json' : `eval-${slug(options.data)}.json`,
    );
    const result: EvaluationReport = {
      run: runDirectory,
      data: spec,
      subset,
      images: indices.length,
      classNames: [...info.classNames],
      accuracy: report.accuracy,
      balancedAccuracy: report.balancedAccuracy,
      macroF1: report.macroF1,
      cohenKappa: report.cohenKappa,
      quadraticKappa: report.quadraticKappa,
      // AUC needs both a positive and a negative for every class scored.
      rocAuc:
        present === info.classNames.length ? rocAucOneVsRest(trueLabels, probabilities) : null,
      perClass: report.perClass.map((metrics, index) => ({
        className: info.classNames[index]!,
        precision: metrics.precision,
        recall: metrics.recall,
        f1: metrics.f1,
        support: metrics.support,
      })),
      confusionMatrix: report.confusionMatrix.map((row) => [...row]),
      written,
    };
    writeJsonAtomic(written, result);
    return result;
  } finally {
    if (set.images instanceof tf.Tensor) set.images.dispose();
  }
}

/** The data's class index -> the model's, by name; every class must be one the model knows. */
function classMapping(set: ImageSet, modelClasses: readonly string[], spec: string): number[] {
  return set.classNames.map((name) => {
    const index = modelClasses.indexOf(name);
    if (index < 0) {
      throw new CliError(
        `${spec} has the class '${name}', which the model does not know (it knows ${modelClasses.join(', ')}).`,
        'Evaluate on data labelled with the classes the model was trained on.',
      );
    }
    return index;
  });
}

function slug(spec: string): string {
  const base =
    spec
      .replace(/[/\\]+$/, '')
      .split(/[/\\:]/)
      .filter(Boolean)
      .pop() ?? 'data';
  return base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/\.(npz|csv)$/i, '');
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

/** The report as text: headline metrics, the per-class table and the confusion matrix. */
export function formatEvaluation(report: EvaluationReport): string {
  const lines = [
    `${report.data} (${report.subset}, ${report.images} images)`,
    `accuracy ${percent(report.accuracy)}  balanced accuracy ${percent(report.balancedAccuracy)}  macro-F1 ${report.macroF1.toFixed(4)}`,
    `Cohen's kappa ${report.cohenKappa.toFixed(4)}  quadratic kappa ${report.quadraticKappa.toFixed(4)}  ROC-AUC ${report.rocAuc === null ? 'n/a (a class is absent)' : report.rocAuc.toFixed(4)}`,
    '',
  ];
  const table = [
    ['class', 'precision', 'recall', 'F1', 'support'],
    ...report.perClass.map((row) => [
      row.className,
      row.precision.toFixed(4),
      row.recall.toFixed(4),
      row.f1.toFixed(4),
      String(row.support),
    ]),
  ];
  lines.push(...alignColumns(table), '', 'confusion matrix (rows: true, columns: predicted)');
  lines.push(
    ...alignColumns([
      ['', ...report.classNames],
      ...report.confusionMatrix.map((row, index) => [
        report.classNames[index]!,
        ...row.map(String),
      ]),
    ]),
  );
  lines.push('', `written to ${report.written}`);
  return lines.join('\n');
}

function alignColumns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd(),
  );
}
