// The map study: does the learned map decide (pixels near 0 or 1), does it
// find the true region, and what does it do to accuracy, under each rule for
// the pixel CNN's learning rate? Every case trains the same GAP smallcnn
// without attention (vanilla) and with global attention under each setting,
// for each seed, on one fixed split, through the pipeline's trainOnSplit (the
// path of `gsa train`) on wasm. Per run: the map's spread (95th - 5th
// percentile), fractions of pixels < 0.1 and > 0.9 and range at the end of
// phase 1 (the map is frozen from then on, so it is also the final map),
// ROC-AUC against the true region where one is known, with the region above
// 0.9, the rest below and above 0.9 and whether the map decided, and test
// accuracy (batch norm settled): the last epoch's, and the mean of the last 5.
// A second table pairs each setting with vanilla and the paper's loss seed by
// seed (paired t-test of the last-5 accuracy).
//
//   GSA_STUDY_CASES   comma-separated, default synthetic-32-400:
//                       synthetic-SIZE-N[-rgb]  the synthetic structured set (N training
//                                               images, N/4 test; -rgb: 3 identical channels)
//                       orl-SIZE                ORL faces (400, 40 subjects), 80/20 stratified
//                       pneumonia-N             a stratified N of PneumoniaMNIST's training images (28 px), 80/20
//   GSA_STUDY_SETTINGS comma-separated, each '+'-joined tokens; default
//                      vanilla,uniformFanIn,inputFanIn,backbone,inverseSqrt:
//                       vanilla | a rule name (@gsa/trainer's MAP_LEARNING_RATE_RULES) |
//                       lr=X (one fixed map rate) | lambda=X | init=glorot |
//                       warmup=STEPS (default: a third of phase 1; warmup=0: none) |
//                       entropy=X (weight of the map's entropy term) |
//                       boundary=X (weight of the map's boundary term) |
//                       bn=0 (smallcnn without batch norm) |
//                       raw (P from the images as they are, not standardised per image)
//                     each token is a run setting of @gsa/pipeline (mapLearningRate, lambda,
//                     mapInitialization, mapWarmupSteps, mapEntropyWeight, mapBoundaryWeight, backboneOptions.batchNorm,
//                     standardizePixels)
//   GSA_STUDY_SEEDS=0,1,2  GSA_STUDY_EPOCHS=16  GSA_STUDY_CUTOFF=6  GSA_STUDY_LR=0.003
//   GSA_STUDY_BATCH=16  GSA_STUDY_CHANNELS=8 (K)  GSA_STUDY_LAMBDA=0.01  GSA_STUDY_WIDTHS=16,32,64
//   GSA_DATA_DIR (default ../shared/data) for orl and pneumonia
//   GSA_BENCH_OUT=bench-results/map-study.json  GSA_BENCH_BACKEND=wasm
import '@tensorflow/tfjs-layers';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapStatistics, regionDecision } from '@gsa/attention';
import { useBackend } from '@gsa/backends';
import {
  generateSyntheticDataset,
  isLazyImages,
  stratifiedHoldout,
  subsetImageSet,
  type ImageSet,
} from '@gsa/data';
import { loadImageFolder, loadMedMnist } from '@gsa/data/node';
import { binaryRocAuc, mean, pairedTTest, standardDeviation } from '@gsa/eval';
import { MAP_LEARNING_RATE_RULE_NAMES, type MapLearningRateRuleName } from '@gsa/trainer';
import {
  listFromEnv,
  loadAverage,
  numberFromEnv,
  numbersFromEnv,
  printTable,
  progress,
  round,
  writeBenchReport,
} from '@gsa/tooling/bench';
import { resolveRunConfig, trainOnSplit, type TrainingSettings } from '../src/index.js';
import { sharedDataDirectory } from '@gsa/tooling/shared-data';

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const caseNames = listFromEnv('GSA_STUDY_CASES', 'synthetic-32-400');
const settingNames = listFromEnv(
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
const dataDirectory = sharedDataDirectory();

/** A setting's tokens as run settings of @gsa/pipeline, over the study's budget. */
function settingsOf(name: string, seed: number): TrainingSettings {
  const settings: Record<string, unknown> = {
    data: 'bench',
    backbone: 'smallcnn',
    backboneOptions: { widths },
    attention: 'global',
    epochs,
    cutoffEpoch,
    channels,
    lambda: defaultLambda,
    learningRate,
    batchSize,
    weightDecay: 1e-4,
    seed,
  };
  for (const token of name.split('+')) {
    const [key, value] = token.split('=') as [string, string | undefined];
    if (token === 'vanilla') Object.assign(settings, { attention: 'none', cutoffEpoch: 0 });
    else if (
      value === undefined &&
      MAP_LEARNING_RATE_RULE_NAMES.includes(key as MapLearningRateRuleName)
    )
      settings.mapLearningRate = key;
    else if (key === 'lr' && value) settings.mapLearningRate = Number(value);
    else if (key === 'lambda' && value) settings.lambda = Number(value);
    else if (key === 'init' && value === 'glorot') settings.mapInitialization = 'glorot';
    else if (key === 'warmup' && value) settings.mapWarmupSteps = Number(value);
    else if (key === 'entropy' && value) settings.mapEntropyWeight = Number(value);
    else if (key === 'boundary' && value) settings.mapBoundaryWeight = Number(value);
    else if (key === 'bn' && value === '0') settings.backboneOptions = { widths, batchNorm: false };
    else if (token === 'raw') settings.standardizePixels = false;
    else {
      throw new Error(
        `GSA_STUDY_SETTINGS: cannot read '${token}' in '${name}'. Use vanilla, a rule (${MAP_LEARNING_RATE_RULE_NAMES.join(', ')}), lr=X, lambda=X, init=glorot, warmup=STEPS, entropy=X, boundary=X, bn=0 or raw.`,
      );
    }
  }
  return resolveRunConfig(settings, undefined, 'Check GSA_STUDY_SETTINGS.');
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

/** The paper's loss alone (no decision term), the study's reference for the default. */
const PAPER_LOSS = 'inputFanIn+entropy=0+boundary=0';

interface Run {
  case: string;
  setting: string;
  seed: number;
  testAccuracy: number;
  /** Mean test accuracy of the last 5 epochs (the demo's measure, less noisy than the last). */
  lastFiveAccuracy: number;
  spread?: number;
  fractionBelow?: number;
  fractionAbove?: number;
  min?: number;
  max?: number;
  rocAuc?: number;
  /** Region pixels above 0.9, the rest below 0.1 and above 0.9, where the region is known. */
  regionAbove?: number;
  restBelow?: number;
  restAbove?: number;
  decided?: boolean;
  spreadByEpoch?: number[];
  meanByEpoch?: number[];
  seconds: number;
}

await useBackend((process.env.GSA_BENCH_BACKEND ?? 'wasm') as Parameters<typeof useBackend>[0]);
const loadBefore = loadAverage();
for (const name of settingNames) settingsOf(name, 0); // a typo fails before hours of training
const runs: Run[] = [];

for (const caseName of caseNames) {
  progress(`${caseName}: loading`);
  const study = await loadCase(caseName);
  const { height, width, channels: imageChannels } = study.set.metadata;
  progress(
    `${caseName}: ${study.train.length} train / ${study.test.length} test, ${height}x${width}x${imageChannels}, ` +
      `${study.set.classNames.length} classes`,
  );
  for (const seed of seeds) {
    for (const settingName of settingNames) {
      const began = performance.now();
      const training = await trainOnSplit(
        study.set,
        { train: study.train, evaluation: study.test },
        settingsOf(settingName, seed),
      );
      const { result } = training;
      training.dispose();
      training.backbone.dispose();
      const run: Run = {
        case: caseName,
        setting: settingName,
        seed,
        testAccuracy: result.history.at(-1)!.evaluation!.accuracy,
        lastFiveAccuracy: round(
          mean(result.history.slice(-5).map((epoch) => epoch.evaluation!.accuracy)),
          4,
        ),
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
          meanByEpoch: result.history
            .filter((epoch) => epoch.phase === 1)
            .map((epoch) => round(epoch.mapMean ?? Number.NaN, 3)),
        });
        if (study.mask) {
          const decision = regionDecision(result.map.values, study.mask);
          Object.assign(run, {
            rocAuc: round(binaryRocAuc(result.map.values, study.mask), 3),
            regionAbove: round(decision.regionAbove, 3),
            restBelow: round(decision.restBelow, 3),
            restAbove: round(decision.restAbove, 3),
            decided: decision.decided,
          });
        }
      }
      runs.push(run);
      progress(`  ${JSON.stringify(run)}`);
    }
  }
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
      'last 5': format(pick('lastFiveAccuracy'), 3),
      spread: format(pick('spread')),
      '< 0.1': format(pick('fractionBelow')),
      '> 0.9': format(pick('fractionAbove')),
      'ROC-AUC': format(pick('rocAuc'), 3),
      'region > 0.9': format(pick('regionAbove')),
      'rest < 0.1': format(pick('restBelow')),
      'rest > 0.9': format(pick('restAbove')),
      decided: mine.some((run) => run.decided !== undefined)
        ? `${mine.filter((run) => run.decided).length}/${mine.length}`
        : '-',
    };
  }),
);
printTable(
  Object.keys(rows[0]!),
  rows.map((row) => Object.values(row)),
);

// Each setting against vanilla and the paper's loss on the same seeds: the
// mean paired difference of the last-5 accuracy and its paired t-test (seeds
// share splits and initialisations, so pairing removes most of the noise).
const baselines = ['vanilla', PAPER_LOSS].filter((name) => settingNames.includes(name));
const comparisons = caseNames.flatMap((caseName) =>
  settingNames.flatMap((setting) =>
    baselines.flatMap((baseline) => {
      // Vanilla is only ever the baseline (its row against the paper's loss would mirror another).
      if (setting === baseline || setting === 'vanilla') return [];
      const mine = runs.filter((run) => run.case === caseName && run.setting === setting);
      const pairs = mine.flatMap((run) => {
        const other = runs.find(
          (candidate) =>
            candidate.case === caseName &&
            candidate.setting === baseline &&
            candidate.seed === run.seed,
        );
        return other ? [[run.lastFiveAccuracy, other.lastFiveAccuracy] as const] : [];
      });
      if (pairs.length < 2) return [];
      const test = pairedTTest(
        pairs.map(([a]) => a),
        pairs.map(([, b]) => b),
      );
      return [
        {
          case: caseName,
          setting,
          against: baseline,
          pairs: String(pairs.length),
          'last 5, difference': `${test.meanDifference >= 0 ? '+' : ''}${test.meanDifference.toFixed(3)}`,
          p: Number.isNaN(test.pValue) ? '-' : test.pValue.toFixed(3),
        },
      ];
    }),
  ),
);
if (comparisons.length > 0)
  printTable(
    Object.keys(comparisons[0]!),
    comparisons.map((row) => Object.values(row)),
  );
const path = writeBenchReport(benchDirectory, 'map-study.json', {
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
  comparisons,
  runs,
});
progress(`wrote ${path}`);
