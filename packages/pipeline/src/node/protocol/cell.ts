import * as tf from '@tensorflow/tfjs-core';
import {
  evaluateBaseline,
  featureMatrix,
  runPaperProtocol,
  type FeatureMatrix,
  type ProtocolResult,
} from '@gsa/eval';
import { groupKFold, readImages, type ImageSet } from '@gsa/data';
import { alignRun } from '../../align.js';
import { splitRun, type RunSplit } from '../../split.js';
import { mapAgreement, type MapAgreement } from './map-agreement.js';
import { trainOnSplit } from '../../train-on-split.js';
import { loadRunData } from '../load-data.js';
import { resolveWeightsSource } from '../weights-source.js';
import { pretrainedInput } from '../../pretrained.js';
import { cellTrainSettings, type BaselineMethod, type CellConfig } from './grid.js';

/** What a finished cell reports: the Table 2 number and what it was chosen from. */
export interface CellResult {
  /** mean(std) of test accuracy over the selected epochs: the Table 2 cell. */
  testMean: number;
  testStd: number;
  selectedEpochs: number[];
  selectedTestAccuracies: number[];
  /** Mean validation accuracy over the folds at the selected epochs: how hyperparameters are chosen (never test). */
  validationScore: number;
  meanValidationAccuracy: number[];
  testAccuracy: number[];
  trainImages: number;
  testImages: number;
  seconds: number;
  /** The final run's map (global and l1 modes). */
  map?: { height: number; width: number; values: number[] };
  /** How alike the folds' maps are (global and l1 modes, 2+ folds). */
  foldMapStability?: MapAgreement;
  /** A baseline cell: the C chosen by CV and the mean validation accuracy of each C tried. */
  baseline?: { c: number; validationAccuracyByC: { c: number; accuracy: number }[] };
}

const loaded = new Map<string, Promise<ImageSet>>();

/** One process loads a dataset once, however many of its cells it runs. */
function cachedData(cell: CellConfig): Promise<ImageSet> {
  // Baselines standardise their own features; the weights' statistics only serve pretrained CNNs.
  const input =
    cell.method === undefined && cell.pretrained !== undefined
      ? pretrainedInput(cell.backbone)
      : undefined;
  const key = JSON.stringify([cell.data, cell.size ?? null, input ?? null]);
  let set = loaded.get(key);
  if (!set) {
    set = loadRunData(cell.data, cell.size, input);
    set.catch(() => loaded.delete(key));
    loaded.set(key, set);
  }
  return set;
}

/**
 * Runs one grid cell under the paper's protocol: k-fold CV on the fixed
 * training part picks the epochs, a final fit on the whole training part is
 * scored on the test part at those epochs.
 */
export async function runProtocolCell(
  cell: CellConfig,
  options: { signal?: AbortSignal; log?: (text: string) => void } = {},
): Promise<CellResult> {
  if (cell.method !== undefined) return runBaselineCell(cell, cell.method, options);
  const started = performance.now();
  const data = await cachedData(cell);
  const cellSettings = cellTrainSettings(cell);
  const settings =
    cellSettings.pretrained === undefined
      ? cellSettings
      : { ...cellSettings, pretrained: resolveWeightsSource(cellSettings.pretrained) };
  const split = splitRun(data, {
    testFraction: cell.testFraction,
    seed: cell.splitSeed,
    groupSplit: cell.groupSplit,
  });
  // With align, one reference from the fixed training part (its folds'
  // validation images included: they shape the mean, never with their labels);
  // the cached data stays as loaded for the next cell.
  const set = cell.align === 'translate' ? (await alignRun(data, split)).set : data;
  try {
    return await protocolOnSplit(cell, set, split, settings, started, options);
  } finally {
    if (set !== data) (set.images as tf.Tensor).dispose();
  }
}

async function protocolOnSplit(
  cell: CellConfig,
  set: ImageSet,
  split: RunSplit,
  settings: ReturnType<typeof cellTrainSettings>,
  started: number,
  options: { signal?: AbortSignal; log?: (text: string) => void },
): Promise<CellResult> {
  const groups = cell.groupSplit ? set.groups : undefined;
  const labelled = (indices: readonly number[]) => ({
    indices,
    labels: indices.map((index) => set.labels[index]!),
    ...(groups ? { groups: indices.map((index) => groups[index]!) } : {}),
  });
  let map: CellResult['map'];
  const foldMaps: Float32Array[] = [];
  const protocol: ProtocolResult = await runPaperProtocol(
    labelled(split.train),
    labelled(split.test),
    async (run) => {
      options.log?.(
        `gsa: ${run.stage.kind === 'fold' ? `fold ${run.stage.fold + 1}/${cell.folds}` : 'final fit'}: ${run.train.indices.length} train, ${run.evaluation.indices.length} scored`,
      );
      const training = await trainOnSplit(
        set,
        { train: run.train.indices, evaluation: run.evaluation.indices },
        settings,
        { ...(options.signal ? { signal: options.signal } : {}) },
      );
      try {
        if (options.signal?.aborted) throw new Error('stopped');
        if (run.stage.kind === 'fold' && training.result.map)
          foldMaps.push(Float32Array.from(training.result.map.values));
        if (run.stage.kind === 'final' && training.result.map) {
          const { height, width, values } = training.result.map;
          map = { height, width, values: Array.from(values, (value) => round(value, 6)) };
        }
        return training.result.history.map((epoch) => epoch.evaluation?.accuracy ?? 0);
      } finally {
        training.dispose();
        training.backbone.dispose();
      }
    },
    { epochs: cell.epochs, folds: cell.folds, topEpochs: cell.topEpochs, seed: cell.splitSeed },
  );
  const validationScore =
    protocol.selectedEpochs.reduce(
      (sum, epoch) => sum + protocol.meanValidationAccuracy[epoch - 1]!,
      0,
    ) / protocol.selectedEpochs.length;
  return {
    testMean: protocol.testMean,
    testStd: protocol.testStd,
    selectedEpochs: [...protocol.selectedEpochs],
    selectedTestAccuracies: [...protocol.selectedTestAccuracies],
    validationScore,
    meanValidationAccuracy: [...protocol.meanValidationAccuracy],
    testAccuracy: [...protocol.testAccuracy],
    trainImages: split.train.length,
    testImages: split.test.length,
    seconds: round((performance.now() - started) / 1000, 1),
    ...(map ? { map } : {}),
    ...(foldMaps.length >= 2 ? { foldMapStability: mapAgreement(foldMaps)! } : {}),
  };
}

/**
 * A classical baseline cell on the same fixed split: flattened pixels
 * standardised with training statistics, C chosen by k-fold CV on the
 * training part (group folds when the grid splits by group), one test accuracy.
 */
async function runBaselineCell(
  cell: CellConfig,
  method: BaselineMethod,
  options: { log?: (text: string) => void },
): Promise<CellResult> {
  const started = performance.now();
  const set = await cachedData(cell);
  const split = splitRun(set, {
    testFraction: cell.testFraction,
    seed: cell.splitSeed,
    groupSplit: cell.groupSplit,
  });
  const labelsOf = (indices: readonly number[]) => indices.map((index) => set.labels[index]!);
  const trainLabels = labelsOf(split.train);
  const groups = cell.groupSplit ? set.groups : undefined;
  options.log?.(
    `gsa: ${method} on ${split.train.length} flattened training images (C by ${cell.folds}-fold CV)`,
  );
  const result = evaluateBaseline(
    method,
    { x: await flattened(set, split.train), labels: trainLabels },
    { x: await flattened(set, split.test), labels: labelsOf(split.test) },
    {
      numClasses: set.classNames.length,
      folds: groups
        ? groupKFold(
            trainLabels,
            split.train.map((index) => groups[index]!),
            { k: cell.folds, seed: cell.splitSeed },
          )
        : cell.folds,
      seed: cell.splitSeed,
    },
  );
  const validation = result.search.validationAccuracyByC;
  const validationScore = validation.find((entry) => entry.c === result.c)!.accuracy;
  return {
    testMean: result.testAccuracy,
    testStd: 0,
    selectedEpochs: [],
    selectedTestAccuracies: [result.testAccuracy],
    validationScore,
    meanValidationAccuracy: [],
    testAccuracy: [result.testAccuracy],
    trainImages: split.train.length,
    testImages: split.test.length,
    seconds: round((performance.now() - started) / 1000, 1),
    baseline: { c: result.c, validationAccuracyByC: validation.map((entry) => ({ ...entry })) },
  };
}

async function flattened(set: ImageSet, indices: readonly number[]): Promise<FeatureMatrix> {
  const images = await readImages(set, indices);
  try {
    const values = (await images.data()) as Float32Array;
    return featureMatrix(values, indices.length, values.length / indices.length);
  } finally {
    images.dispose();
  }
}

/** Frees the datasets this process cached (tests, and workers before they exit). */
export async function releaseCachedData(): Promise<void> {
  for (const set of loaded.values()) {
    const value = await set.catch(() => undefined);
    if (value && value.images instanceof tf.Tensor) value.images.dispose();
  }
  loaded.clear();
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
