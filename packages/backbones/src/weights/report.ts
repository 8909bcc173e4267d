import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

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
}

export interface LoadWeightsOptions {
  /**
   * Default true: throw unless every weight of the model is found with its
   * shape. Entries the model lacks never throw: they are listed in
   * `unexpected` (loading a classifier checkpoint into a feature extractor).
   * With false, whatever matches is loaded and the rest reported.
   */
  strict?: boolean;
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
  const report: WeightsReport = { format, loaded: [], missing: [], unexpected: [], mismatched: [] };
  const used = new Set<string>();
  const ready: WeightAssignment[] = [];
  for (const weight of model.weights) {
    const assignment = assignments.get(weight);
    if (assignment === undefined) {
      report.missing.push(weight.originalName);
      continue;
    }
    used.add(assignment.source);
    const expected = weight.shape.map((size) => size ?? -1);
    if (
      expected.length !== assignment.shape.length ||
      expected.some((size, i) => size !== assignment.shape[i])
    ) {
      report.mismatched.push({ name: weight.originalName, expected, found: assignment.shape });
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
                `${entry.name}: model [${entry.expected.join(',')}], file [${entry.found.join(',')}]`,
            )
            .join('; ')})`
        : '',
    ]
      .filter(Boolean)
      .join('; ');
    throw new WeightsMismatchError(
      `The weights do not fit the model ${model.name}: ${details}. Nothing was loaded; pass { strict: false } to load what fits.`,
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
