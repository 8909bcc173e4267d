// The map study: does the learned map decide (pixels near 0 or 1), does it
// find the true region, and what does it do to accuracy, under each rule for
// the pixel CNN's learning rate? Every case trains the same GAP smallcnn
// without attention (vanilla) and with global attention under each setting,
// for each seed, on one fixed split; trainTwoPhase on wasm. Per run: the
// map's spread (95th - 5th percentile), fractions of pixels < 0.1 and > 0.9
// and range at the end of phase 1 (the map is frozen from then on, so it is
// also the final map), ROC-AUC against the true region where one is known,
// and test accuracy (batch norm settled).
//
//   GSA_STUDY_CASES   comma-separated, default synthetic-32-400:
//                       synthetic-SIZE-N[-rgb]  the synthetic structured set (N training
//                                               images, N/4 test; -rgb: 3 identical channels)
//                       orl-SIZE                ORL faces (400, 40 subjects), 80/20 stratified
//                       pneumonia-N             a stratified N of PneumoniaMNIST's training images (28 px), 80/20
//   GSA_STUDY_SETTINGS comma-separated, each '+'-joined tokens; default
//                      vanilla,uniformFanIn,inputFanIn,backbone,inverseSqrt:
//                       vanilla | a rule name (@gsa/trainer's MAP_LEARNING_RATE_RULES) |
//                       lr=X (one fixed map rate) | fanin=X (inputFanIn around base rate X) |
//                       lambda=X | init=glorot | warmup=STEPS (default: a third of phase 1; warmup=0: none) |
//                       flat (the output conv starts at zero: a map of exactly 0.5) | bn=0 (smallcnn without batch norm) |
//                       raw (P from the images as they are, not standardised per image)
//   GSA_STUDY_SEEDS=0,1,2  GSA_STUDY_EPOCHS=16  GSA_STUDY_CUTOFF=6  GSA_STUDY_LR=0.003
//   GSA_STUDY_BATCH=16  GSA_STUDY_CHANNELS=8 (K)  GSA_STUDY_LAMBDA=0.01  GSA_STUDY_WIDTHS=16,32,64
//   GSA_DATA_DIR (default ../shared/data) for orl and pneumonia
//   GSA_BENCH_OUT=bench-results/map-study.json  GSA_BENCH_BACKEND=wasm
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GlobalSpatialAttention, mapStatistics } from '@gsa/attention';
import { useBackend } from '@gsa/backends';
import { createBackbone } from '@gsa/backbones';
import {
  generateSyntheticDataset,
  isLazyImages,
  pixelRepresentation,
  readImages,
  stratifiedHoldout,
  subsetImageSet,
  type ImageSet,
} from '@gsa/data';
import { loadImageFolder, loadMedMnist } from '@gsa/data/node';
import { binaryRocAuc } from '@gsa/eval';
import {
  MAP_LEARNING_RATE_RULES,
  trainTwoPhase,
  type AttentionSetup,
  type MapLearningRateRule,
  type MapLearningRateRuleName,
} from '../src/index.js';
import {
  benchDirectory,
  loadAverage,
  mean,
  numberFromEnv,
  numbersFromEnv,
  printTable,
  progress,
  round,
  standardDeviation,
  writeResult,
} from './bench-support.js';

const list = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
const caseNames = list('GSA_STUDY_CASES', 'synthetic-32-400');
const settingNames = list(
  'GSA_STUDY_SETTINGS',
  'vanilla,uniformFanIn,inputFanIn,backbone,inverseSqrt',
);
const seeds = numbersFromEnv('GSA_STUDY_SEEDS', [0, 1, 2]);
const epochs = numberFromEnv('GSA_STUDY_EPOCHS', 16);
const cutoffEpoch = numberFromEnv('GSA_STUDY_CUTOFF', 6);
const learningRate = numberFromEnv('GSA_STUDY_LR', 3e-3);
const batchSize = numberFromEnv('GSA_STUDY_BATCH', 16);
const channels = numberFromEnv('GSA_STUDY_CHANNELS', 8);
const defaultLambda = numberFromEnv('GSA_STUDY_LAMBDA', 0.01);
const widths = numbersFromEnv('GSA_STUDY_WIDTHS', [16, 32, 64]);
const dataDirectory = resolve(
  process.env.GSA_DATA_DIR ?? join(benchDirectory, '..', '..', '..', '..', 'shared', 'data'),
);

interface Setting {
  name: string;
  attention: boolean;
  rate?: number | MapLearningRateRuleName | MapLearningRateRule;
  lambda: number;
  initialization: 'pytorch' | 'glorot';
  /** Absent: the trainer's default (a third of phase 1). */
  warmupSteps?: number;
  batchNorm: boolean;
  /** P from the images as they are (`raw`) instead of standardised per image (the default). */
  rawPixels: boolean;
  /** Start the output conv at zero: the map starts at exactly 0.5 everywhere. */
  flatStart: boolean;
}

function parseSetting(name: string): Setting {
  const setting: Setting = {
    name,
    attention: true,
    lambda: defaultLambda,
    initialization: 'pytorch',
    batchNorm: true,
    rawPixels: false,
    flatStart: false,
  };
  for (const token of name.split('+')) {
    const [key, value] = token.split('=') as [string, string | undefined];
    if (token === 'vanilla') setting.attention = false;
    else if (value === undefined && Object.hasOwn(MAP_LEARNING_RATE_RULES, key))
      setting.rate = key as MapLearningRateRuleName;
    else if (key === 'lr' && value) setting.rate = Number(value);
    else if (key === 'fanin' && value) {
      // inputFanIn's shape around a base rate of its own, not the backbone's.
      const base = Number(value);
      setting.rate = (weight, context) =>
        MAP_LEARNING_RATE_RULES.inputFanIn(weight, { ...context, learningRate: base });
    } else if (key === 'lambda' && value) setting.lambda = Number(value);
    else if (key === 'init' && value === 'glorot') setting.initialization = 'glorot';
    else if (key === 'warmup' && value) setting.warmupSteps = Number(value);
    else if (key === 'bn' && value === '0') setting.batchNorm = false;
    else if (token === 'raw') setting.rawPixels = true;
    else if (token === 'flat') setting.flatStart = true;
    else {
      throw new Error(
        `GSA_STUDY_SETTINGS: cannot read '${token}' in '${name}'. Use vanilla, a rule (${Object.keys(MAP_LEARNING_RATE_RULES).join(', ')}), lr=X, fanin=X, lambda=X, init=glorot, warmup=STEPS, flat, bn=0 or raw.`,
      );
    }
  }
  return setting;
}

interface StudyCase {
  name: string;
  set: ImageSet;
  train: number[];
  test: number[];
  /** The true region, row-major, where one is known. */
  mask?: boolean[];
}

function dataFile(...parts: string[]): string {
  const path = join(dataDirectory, ...parts);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: set GSA_DATA_DIR to the shared data folder.`);
  }
  return path;
}

async function loadCase(name: string): Promise<StudyCase> {
  const synthetic = /^synthetic-(\d+)-(\d+)(-rgb)?$/.exec(name);
  if (synthetic) {
    const size = Number(synthetic[1]);
    const count = Number(synthetic[2]);
    const testCount = Math.max(40, Math.round(count / 4));
    const set = generateSyntheticDataset({
      count: count + testCount,
      size,
      difficulty: 0.1,
      channels: synthetic[3] ? 3 : 1,
      seed: 0,
    });
    return {
      name,
      set,
      train: Array.from({ length: count }, (_, i) => i),
      test: Array.from({ length: testCount }, (_, i) => count + i),
      mask: Array.from(set.mask, (value) => value > 0.5),
    };
  }
  const orl = /^orl-(\d+)$/.exec(name);
  if (orl) {
    const set = await loadImageFolder(dataFile('orl'), { size: Number(orl[1]) });
    const split = stratifiedHoldout(set.labels, { testFraction: 0.2, seed: 0 });
    return { name, set, train: split.train, test: split.test };
  }
  const pneumonia = /^pneumonia-(\d+)$/.exec(name);
  if (pneumonia) {
    const all = await loadMedMnist(dataFile('pneumoniamnist.npz'), { splits: ['train'] });
    // A stratified subset: the file's first 500 training images are all pneumonia.
    const count = Number(pneumonia[1]);
    const subset = stratifiedHoldout(all.labels, {
      testFraction: 1 - count / all.labels.length,
      seed: 0,
    }).train;
    const set = subsetImageSet(all, subset);
    const split = stratifiedHoldout(set.labels, { testFraction: 0.2, seed: 0 });
    return { name, set, train: split.train, test: split.test };
  }
  throw new Error(
    `GSA_STUDY_CASES: unknown case '${name}' (synthetic-SIZE-N[-rgb], orl-SIZE, pneumonia-N).`,
  );
}

interface Run {
  case: string;
  setting: string;
  seed: number;
  testAccuracy: number;
  spread?: number;
  fractionBelow?: number;
  fractionAbove?: number;
  min?: number;
  max?: number;
  rocAuc?: number;
  /** Region pixels above 0.9 and the rest below 0.1, where the region is known. */
  insideAbove?: number;
  outsideBelow?: number;
  spreadByEpoch?: number[];
  seconds: number;
}

await useBackend((process.env.GSA_BENCH_BACKEND ?? 'wasm') as Parameters<typeof useBackend>[0]);
const loadBefore = loadAverage();
const settings = settingNames.map(parseSetting);
const runs: Run[] = [];

for (const caseName of caseNames) {
  progress(`${caseName}: loading`);
  const study = await loadCase(caseName);
  const trainImages = await readImages(study.set, study.train);
  const testImages = await readImages(study.set, study.test);
  const trainLabels = Int32Array.from(study.train, (i) => study.set.labels[i]!);
  const testLabels = Int32Array.from(study.test, (i) => study.set.labels[i]!);
  const numClasses = study.set.classNames.length;
  const representation = settings.some((setting) => setting.attention && !setting.rawPixels)
    ? await pixelRepresentation(study.set, { train: study.train })
    : undefined;
  const rawRepresentation = settings.some((setting) => setting.attention && setting.rawPixels)
    ? await pixelRepresentation(study.set, { train: study.train }, { standardize: false })
    : undefined;
  const [, height, width, imageChannels] = trainImages.shape;
  progress(
    `${caseName}: ${study.train.length} train / ${study.test.length} test, ${height}x${width}x${imageChannels}, ` +
      `${numClasses} classes, P with ${(representation ?? rawRepresentation)?.pixels.shape[3] ?? 0} channels`,
  );
  for (const seed of seeds) {
    for (const setting of settings) {
      const began = performance.now();
      const backbone = createBackbone('smallcnn', {
        inputShape: [height, width, imageChannels],
        numClasses,
        seed,
        widths,
        batchNorm: setting.batchNorm,
      });
      const layer = setting.attention
        ? new GlobalSpatialAttention({ channels, seed, initialization: setting.initialization })
        : undefined;
      const pixels = layer
        ? setting.rawPixels
          ? rawRepresentation!.pixels
          : representation!.pixels
        : undefined;
      if (layer && setting.flatStart) {
        tf.tidy(() => {
          layer.apply(pixels!);
          const weights = layer.getWeights();
          layer.setWeights(
            weights.map((weight, index) =>
              index >= weights.length - 2 ? tf.zerosLike(weight) : weight,
            ),
          );
        });
      }
      const attention: AttentionSetup = layer
        ? {
            mode: 'global',
            layer,
            pixelRepresentation: pixels!,
            lambda: setting.lambda,
            ...(setting.rate === undefined ? {} : { learningRate: setting.rate }),
            ...(setting.warmupSteps === undefined ? {} : { warmupSteps: setting.warmupSteps }),
          }
        : { mode: 'none' };
      const result = await trainTwoPhase({
        backbone,
        numClasses,
        train: { images: trainImages, labels: trainLabels },
        evaluation: { images: testImages, labels: testLabels },
        attention,
        epochs,
        cutoffEpoch: layer ? cutoffEpoch : 0,
        batchSize,
        learningRate,
        weightDecay: 1e-4,
        seed,
      });
      const accuracy = result.history.at(-1)!.evaluation!.accuracy;
      const run: Run = {
        case: caseName,
        setting: setting.name,
        seed,
        testAccuracy: accuracy,
        seconds: round((performance.now() - began) / 1000, 1),
      };
      if (result.map) {
        const statistics = mapStatistics(result.map.values);
        Object.assign(run, {
          spread: round(statistics.spread, 3),
          fractionBelow: round(statistics.fractionBelow, 3),
          fractionAbove: round(statistics.fractionAbove, 3),
          min: round(statistics.min, 3),
          max: round(statistics.max, 3),
          spreadByEpoch: result.history
            .filter((epoch) => epoch.phase === 1)
            .map((epoch) => round(epoch.mapDecision?.spread ?? Number.NaN, 3)),
        });
        if (study.mask) {
          const values = result.map.values;
          let inside = 0;
          let insideAbove = 0;
          let outsideBelow = 0;
          study.mask.forEach((isInside, i) => {
            if (isInside) {
              inside += 1;
              if (values[i]! > 0.9) insideAbove += 1;
            } else if (values[i]! < 0.1) outsideBelow += 1;
          });
          Object.assign(run, {
            rocAuc: round(binaryRocAuc(values, study.mask), 3),
            insideAbove: round(insideAbove / inside, 3),
            outsideBelow: round(outsideBelow / (study.mask.length - inside), 3),
          });
        }
      }
      runs.push(run);
      progress(`  ${JSON.stringify(run)}`);
      backbone.dispose();
      layer?.dispose();
    }
  }
  tf.dispose([trainImages, testImages, representation?.pixels, rawRepresentation?.pixels]);
  if (!isLazyImages(study.set.images)) study.set.images.dispose();
}

// One row per case and setting: means (std) over the seeds.
const format = (values: number[], digits = 2) =>
  values.length === 0
    ? '-'
    : `${mean(values).toFixed(digits)}` +
      (values.length > 1 ? ` ± ${standardDeviation(values).toFixed(digits)}` : '');
const rows = caseNames.flatMap((caseName) =>
  settingNames.map((setting) => {
    const mine = runs.filter((run) => run.case === caseName && run.setting === setting);
    const pick = (key: keyof Run) =>
      mine.flatMap((run) => (typeof run[key] === 'number' ? [run[key]] : []));
    return {
      case: caseName,
      setting,
      'test acc': format(pick('testAccuracy'), 3),
      spread: format(pick('spread')),
      '< 0.1': format(pick('fractionBelow')),
      '> 0.9': format(pick('fractionAbove')),
      'ROC-AUC': format(pick('rocAuc'), 3),
      'in > 0.9': format(pick('insideAbove')),
      'out < 0.1': format(pick('outsideBelow')),
    };
  }),
);
printTable(
  Object.keys(rows[0]!),
  rows.map((row) => Object.values(row)),
);
const path = writeResult('map-study.json', {
  benchmark: 'map-study',
  date: new Date().toISOString(),
  loadAverage: { before: loadBefore, after: loadAverage() },
  settings: {
    epochs,
    cutoffEpoch,
    learningRate,
    batchSize,
    channels,
    widths,
    defaultLambda,
    seeds,
  },
  rows,
  runs,
});
progress(`wrote ${path}`);
