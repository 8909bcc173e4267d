import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { classifierLayers } from '../model-tools/head.js';

/** Shapes as `[512,2]`. */
const shapeText = (shape: readonly number[]) => `[${shape.join(',')}]`;

/** What `loadWeights` did. Names are the model's weight names (`layer/weight`) unless said otherwise. */
export interface WeightsReport {
  format: 'safetensors' | 'tfjs-layers';
  /** Model weights that were set. */
  loaded: string[];
  /** Model weights the file lacks (left as they were). */
  missing: string[];
  /** Entries of the file no model weight took, by their name in the file (e.g. a head you replaced). */
  unexpected: string[];
  /** Model weights whose entry has another shape (left as they were). */
  mismatched: { name: string; expected: number[]; found: number[] }[];
  /**
   * Classifier weights left freshly initialised (`head: 'replace'`, or
   * `'auto'` when the file's head does not fit): `found` is the file's shape,
   * absent when the file has no such entry.
   */
  replaced: { name: string; expected: number[]; found?: number[] }[];
}

export interface LoadWeightsOptions {
  /**
   * Default true: throw unless every weight of the model is found with its
   * shape. Entries the model lacks never throw: they are listed in
   * `unexpected` (loading a classifier checkpoint into a feature extractor).
   * With false, whatever matches is loaded and the rest reported.
   */
  strict?: boolean;
  /**
   * The classifier (every output's last Dense or 1x1 Conv2D; GoogLeNet's
   * auxiliary heads too). `'load'` (default): like any other layer.
   * `'replace'`: never loaded; it keeps the fresh weights the model was built
   * with (fine-tuning on your classes). `'auto'`: loaded where the file's
   * classifier fits, replaced where it does not (a 1000-class checkpoint into
   * a model built for 2 classes). Replaced weights are reported, never an
   * error; the body stays strict.
   */
  head?: 'load' | 'replace' | 'auto';
}

/** A weight to set: the model's variable and the value the file gives it. */
export interface WeightAssignment {
  weight: tfl.LayerVariable;
  /** The file's entry name. */
  source: string;
  /** Reads the file's value in the model's layout (a new tensor the caller disposes), or reports its shape. */
  value: () => tf.Tensor;
  /** The entry's shape after conversion to the model's layout. */
  shape: number[];
}

export class WeightsMismatchError extends Error {
  override name = 'WeightsMismatchError';
  constructor(
    message: string,
    readonly report: WeightsReport,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Applies the assignments, throwing on missing or mismatched weights when strict. */
export function applyAssignments(
  format: WeightsReport['format'],
  model: tfl.LayersModel,
  assignments: Map<tfl.LayerVariable, WeightAssignment>,
  fileEntries: string[],
  options: LoadWeightsOptions,
): WeightsReport {
  const report: WeightsReport = {
    format,
    loaded: [],
    missing: [],
    unexpected: [],
    mismatched: [],
    replaced: [],
  };
  const headMode = options.head ?? 'load';
  const headLayers = headMode === 'load' ? [] : classifierLayers(model);
  const used = new Set<string>();
  const ready: WeightAssignment[] = [];
  const shapeOf = (weight: tfl.LayerVariable) => weight.shape.map((size) => size ?? -1);
  const fits = (weight: tfl.LayerVariable, assignment: WeightAssignment | undefined): boolean =>
    assignment !== undefined && shapeText(shapeOf(weight)) === shapeText(assignment.shape);
  // A classifier is replaced as a whole: half a head loaded would be neither the file's nor fresh.
  const replacedWeights = new Set<tfl.LayerVariable>();
  for (const layer of headLayers) {
    const replace =
      headMode === 'replace' ||
      layer.weights.some((weight) => !fits(weight, assignments.get(weight)));
    if (!replace) continue;
    for (const weight of layer.weights) {
      replacedWeights.add(weight);
      const assignment = assignments.get(weight);
      if (assignment) used.add(assignment.source);
      report.replaced.push({
        name: weight.originalName,
        expected: shapeOf(weight),
        ...(assignment ? { found: assignment.shape } : {}),
      });
    }
  }
  for (const weight of model.weights) {
    if (replacedWeights.has(weight)) continue;
    const assignment = assignments.get(weight);
    if (assignment === undefined) {
      report.missing.push(weight.originalName);
      continue;
    }
    used.add(assignment.source);
    if (!fits(weight, assignment)) {
      report.mismatched.push({
        name: weight.originalName,
        expected: shapeOf(weight),
        found: assignment.shape,
      });
      continue;
    }
    ready.push(assignment);
  }
  report.unexpected = fileEntries.filter((name) => !used.has(name));
  if ((options.strict ?? true) && (report.missing.length > 0 || report.mismatched.length > 0)) {
    const details = [
      report.missing.length
        ? `missing ${report.missing.length} (${report.missing.slice(0, 5).join(', ')}${report.missing.length > 5 ? ', ...' : ''})`
        : '',
      report.mismatched.length
        ? `mismatched ${report.mismatched.length} (${report.mismatched
            .slice(0, 3)
            .map(
              (entry) =>
                `${entry.name}: model ${shapeText(entry.expected)}, file ${shapeText(entry.found)}`,
            )
            .join('; ')})`
        : '',
    ]
      .filter(Boolean)
      .join('; ');
    throw new WeightsMismatchError(
      `The weights do not fit the model ${model.name}: ${details}. Nothing was loaded; ${
        headMode === 'load'
          ? "to fine-tune on other classes pass { head: 'auto' } (the classifier is replaced), or "
          : ''
      }pass { strict: false } to load what fits.`,
      report,
    );
  }
  for (const assignment of ready) {
    const value = assignment.value();
    assignment.weight.write(value);
    value.dispose();
    report.loaded.push(assignment.weight.originalName);
  }
  return report;
}

/**
 * What a load did, in a few lines for a log: how many weights came from the
 * file, which classifier weights were replaced (and the file's shapes), and
 * what stayed as it was.
 */
export function describeWeightsReport(report: WeightsReport): string[] {
  const lines = [`loaded ${report.loaded.length} weights from the file`];
  if (report.replaced.length > 0) {
    const entries = report.replaced.map(
      (entry) =>
        `${entry.name} ${shapeText(entry.expected)}` +
        (entry.found ? ` (the file's is ${shapeText(entry.found)})` : ' (not in the file)'),
    );
    lines.push(`replaced the classifier with a fresh one: ${entries.join(', ')}`);
  }
  if (report.missing.length > 0) {
    lines.push(
      `kept ${report.missing.length} weights the file lacks: ${report.missing.join(', ')}`,
    );
  }
  if (report.mismatched.length > 0) {
    lines.push(
      `kept ${report.mismatched.length} weights whose shape differs: ${report.mismatched
        .map((entry) => `${entry.name} ${shapeText(entry.expected)} vs ${shapeText(entry.found)}`)
        .join(', ')}`,
    );
  }
  if (report.unexpected.length > 0) {
    lines.push(
      `ignored ${report.unexpected.length} file entries the model has no place for: ${report.unexpected.slice(0, 8).join(', ')}${report.unexpected.length > 8 ? ', ...' : ''}`,
    );
  }
  return lines;
}
