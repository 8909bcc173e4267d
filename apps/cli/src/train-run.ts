import { mapStatistics, type MapStatistics } from '@gsa/attention';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { useBackend, describeBackend, type BackendInfo } from '@gsa/backends';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { backboneDefinition, featureLayerName, localAttentionMaps } from '@gsa/backbones';
import { binaryRocAuc } from '@gsa/eval';
import { gradCam, localAttentionLevelsForImage, type ReportExample } from '@gsa/viz';
import { isLocalAttentionBackbone } from './experiment/results.js';
import { groupHoldout, imageCount, stratifiedHoldout, type ImageSet } from '@gsa/data';
import { DATASET_SPEC_SYNTAX, loadDataset } from '@gsa/data/node';
import { deployableModel, type TwoPhaseResult } from '@gsa/trainer';
import { metricsJsonlWriter, progressCallback } from '@gsa/trainer/node';
import type { TrainConfig } from './config.js';
import { CliError } from './errors.js';
import { prepareRunDirectory, writeFileAtomic, writeJsonAtomic } from './files.js';
import { saveModelToDirectory, type ModelInfo } from './model-files.js';
import { trainOnSplit, type SplitTraining } from './training.js';
import type { Output } from './output.js';
import { VERSION } from './version.js';

export interface TrainSummary {
  testAccuracy: number;
  test: {
    accuracy: number;
    loss: number;
    confusionMatrix: number[][];
    perClass: { className: string; recall: number; count: number }[];
  };
  bestEpoch: { epoch: number; accuracy: number };
  epochs: number;
  timings: { phase1Seconds: number; phase2Seconds: number; totalSeconds: number };
  backend: string;
  gsaVersion: string;
  attention: TrainConfig['attention'];
  pixelRepresentation?: {
    kind: 'exact' | 'low-rank';
    channels: number;
    explainedVariance: number;
    /** Each training image standardised per channel before it entered P. */
    standardized: boolean;
  };
  mapRocAuc?: number;
  /** How decided the final map is: range, mean, spread, fractions < 0.1 and > 0.9 (attention runs). */
  map?: MapStatistics;
}

export interface TrainedRun {
  summary: TrainSummary;
  result: TwoPhaseResult;
  classNames: readonly string[];
  /** The training set's mean image [H*W*C], for overlays. */
  meanImage: Float32Array;
  shape: [number, number, number];
  /**
   * The first test images with Grad-CAM of the deployed model's prediction
   * (and, for VGG-att3 / ResAttNet, the backbone's own per-image maps).
   */
  examples?: ReportExample[];
  /** The layer the examples' Grad-CAM explains: the backbone's last feature map. */
  gradCamLayer?: string;
}

/** Test images shown with Grad-CAM in report.html. */
const GRAD_CAM_EXAMPLES = 3;

/** Loads a data SPEC, with a friendly error for each way it can fail. */
export async function loadData(
  spec: string,
  size: number | undefined,
  normalize: boolean,
): Promise<ImageSet> {
  try {
    return await loadDataset(spec, {
      ...(size === undefined ? {} : { size }),
      ...(normalize ? { normalize: 'imagenet' as const, channels: 3 as const } : {}),
    });
  } catch (error) {
    throw new CliError(
      `Cannot load the data '${spec}': ${(error as Error).message}`,
      `SPEC is ${DATASET_SPEC_SYNTAX}.`,
    );
  }
}

/**
 * The train/test split: the data's own split column when it has one, else a
 * seeded hold-out, group-aware when the data has groups (patients, subjects)
 * and `groupSplit` is on, stratified otherwise.
 */
export function splitIndices(
  set: ImageSet,
  testFraction: number,
  seed: number,
  groupSplit = true,
): { train: number[]; test: number[] } {
  const splits = set.splits;
  if (splits && splits.some((split) => split === 'test')) {
    const train: number[] = [];
    const test: number[] = [];
    splits.forEach((split, index) => (split === 'test' ? test : train).push(index));
    return { train, test };
  }
  if (set.groups && groupSplit) {
    try {
      return groupHoldout(set.labels, set.groups, { testFraction, seed });
    } catch (error) {
      throw new CliError(
        `Cannot split ${set.metadata.location ?? 'the data'} by group: ${(error as Error).message}`,
        'Add images from more groups, or pass --no-group-split (then one group may be on both sides).',
      );
    }
  }
  return stratifiedHoldout(set.labels, { testFraction, seed });
}

export async function runTraining(
  config: TrainConfig,
  output: Output,
  options: { force?: boolean; resume?: boolean; signal?: AbortSignal; mask?: Float32Array } = {},
): Promise<TrainedRun> {
  const started = performance.now();
  const definition = lookupBackbone(config.backbone);
  // An empty directory now (so an unwritable --out fails at once); files only once the inputs are known good.
  prepareRunDirectory(config.out, { force: options.force, resume: options.resume });
  const backend: BackendInfo = await useBackend(config.backend, { log: output.note });
  if (config.backend !== 'auto') output.note(`gsa: backend ${describeBackend(backend)}`);

  const imagenet = definition.inputNormalization === 'imagenet' && config.pretrained !== undefined;
  const set = await loadData(config.data, config.size, imagenet);
  const count = imageCount(set);
  const [height, width, channels] = [
    set.metadata.height,
    set.metadata.width,
    set.metadata.channels,
  ];
  const split = splitIndices(set, config.testFraction, config.seed, config.groupSplit);
  output.note(
    `gsa: ${count} images ${height}x${width}x${channels}, ${set.classNames.length} classes; ${split.train.length} train / ${split.test.length} test`,
  );
  const controller = new AbortController();
  const onSignal = () => {
    output.note(
      'gsa: stopping after this step; the last finished epoch is checkpointed (continue with --resume).',
    );
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  options.signal?.addEventListener('abort', () => controller.abort());
  let training: SplitTraining;
  try {
    training = await trainOnSplit(set, { train: split.train, evaluation: split.test }, config, {
      checkpoints: {
        directory: join(config.out, 'checkpoints'),
        keep: 2,
        resume: options.resume ?? false,
      },
      callbacks: [
        ...(output.quiet ? [] : [progressCallback()]),
        metricsJsonlWriter(join(config.out, 'metrics.jsonl')),
      ],
      signal: controller.signal,
      log: output.note,
      beforeTraining: () =>
        writeJsonAtomic(join(config.out, 'config.json'), { ...config, gsaVersion: VERSION }),
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  const { result, backbone, trainImages, representation } = training;
  const testImages = training.evaluationImages;
  const test = { labels: training.evaluationLabels };

  // trainTwoPhase returns the backbone with settled batch-norm statistics.
  const deployed = deployableModel(backbone, result.map);
  await saveModelToDirectory(deployed, join(config.out, 'model'));
  writeJsonAtomic(join(config.out, 'model', 'gsa.json'), {
    classNames: set.classNames,
    inputShape: [height, width, channels],
    preprocessing: set.metadata.preprocessing ?? null,
    attention: config.attention,
    backbone: config.backbone,
  } satisfies ModelInfo);
  const evaluation = evaluatePredictions(deployed, testImages, test.labels, set.classNames);
  if (result.map) {
    writeFileAtomic(
      join(config.out, 'attention-map.json'),
      JSON.stringify({ height, width, values: Array.from(result.map.values) }),
    );
  }
  const meanImage = (await tf.tidy(() => tf.mean(trainImages, 0)).data()) as Float32Array;
  const localExamples = isLocalAttentionBackbone(config.backbone)
    ? await localAttentionExamples(backbone, testImages, test.labels, result.map)
    : undefined;
  const explained = await gradCamExamples(deployed, backbone, testImages, test.labels, output);
  const examples = mergeExamples(localExamples, explained?.examples);
  const history = result.history;
  const best = history.reduce(
    (a, b) => ((b.evaluation?.accuracy ?? 0) > (a.evaluation?.accuracy ?? 0) ? b : a),
    history[0]!,
  );
  const summary: TrainSummary = {
    testAccuracy: evaluation.accuracy,
    test: evaluation,
    bestEpoch: { epoch: best.epoch, accuracy: best.evaluation?.accuracy ?? 0 },
    epochs: history.length,
    timings: {
      phase1Seconds: round(result.phaseSeconds.phase1),
      phase2Seconds: round(result.phaseSeconds.phase2),
      totalSeconds: round((performance.now() - started) / 1000),
    },
    backend: describeBackend(backend),
    gsaVersion: VERSION,
    attention: config.attention,
    ...(representation
      ? {
          pixelRepresentation: {
            kind: representation.kind,
            channels: representation.pixels.shape[3],
            explainedVariance: representation.explainedVariance,
            standardized: representation.standardized,
          },
        }
      : {}),
    ...(result.map ? { map: mapStatistics(result.map.values) } : {}),
    ...(options.mask && result.map
      ? {
          mapRocAuc: binaryRocAuc(
            result.map.values,
            Array.from(options.mask, (value) => value > 0.5),
          ),
        }
      : {}),
  };
  writeJsonAtomic(join(config.out, 'summary.json'), summary);
  training.dispose();
  if (set.images instanceof tf.Tensor) set.images.dispose();
  deployed.dispose();
  return {
    summary,
    result,
    classNames: set.classNames,
    meanImage,
    shape: [height, width, channels],
    ...(examples ? { examples } : {}),
    ...(explained ? { gradCamLayer: explained.layerName } : {}),
  };
}

/**
 * Grad-CAM of the deployed model (map baked in) for the first test images, at
 * the backbone's last feature map. A model Grad-CAM cannot replay costs the
 * report its Grad-CAM panels, never the run: it is noted and left out.
 */
async function gradCamExamples(
  deployed: LayersModel,
  backbone: LayersModel,
  images: tf.Tensor4D,
  labels: Int32Array,
  output: Output,
  count = GRAD_CAM_EXAMPLES,
): Promise<{ layerName: string; examples: ReportExample[] } | undefined> {
  const [total, height, width, channels] = images.shape;
  const examples: ReportExample[] = [];
  let layerName = '';
  try {
    layerName = featureLayerName(backbone);
    for (let index = 0; index < Math.min(count, total); index++) {
      const image = tf.slice(images, [index, 0, 0, 0], [1, height, width, channels]);
      try {
        const cam = gradCam(deployed, image, { layerName });
        const pixels = (await image.data()) as Float32Array;
        examples.push({
          caption: `test image ${index + 1}`,
          image: {
            height,
            width,
            channels: channels === 3 ? 3 : 1,
            values: firstChannels(pixels, channels),
          },
          gradCam: cam.map,
          trueClass: labels[index]!,
          predictedClass: cam.classIndex,
        });
      } finally {
        image.dispose();
      }
    }
  } catch (error) {
    output.note(
      `gsa: report.html has no Grad-CAM (layer '${layerName}'): ${(error as Error).message}`,
    );
    return undefined;
  }
  return { layerName, examples };
}

/** Grad-CAM joins the local-attention examples of the same test images. */
function mergeExamples(
  local: ReportExample[] | undefined,
  explained: ReportExample[] | undefined,
): ReportExample[] | undefined {
  if (!local) return explained;
  if (!explained) return local;
  return local.map((example, index) =>
    explained[index]?.gradCam ? { ...example, gradCam: explained[index].gradCam } : example,
  );
}

/**
 * For backbones with their own per-image attention (VGG-att3, ResAttNet):
 * the first few test images with the maps the backbone computed for each,
 * for the report's "beside the global map" section.
 */
async function localAttentionExamples(
  backbone: LayersModel,
  images: tf.Tensor4D,
  labels: Int32Array,
  map: TwoPhaseResult['map'],
  count = 4,
): Promise<ReportExample[]> {
  const [, height, width, channels] = images.shape;
  const shown = Math.min(count, images.shape[0]);
  const originals = tf.slice(images, [0, 0, 0, 0], [shown, height, width, channels]);
  // The backbone sees the attended images, as in training.
  const attended = tf.tidy(() =>
    map
      ? (tf.mul(originals, tf.tensor4d(map.values, [1, height, width, 1])) as tf.Tensor4D)
      : originals.clone(),
  );
  const levels = localAttentionMaps(backbone, attended);
  try {
    const predicted = tf.tidy(() =>
      tf.argMax(backbone.predict(attended) as tf.Tensor2D, 1).dataSync(),
    );
    const pixels = (await originals.data()) as Float32Array;
    const size = height * width * channels;
    return await Promise.all(
      Array.from({ length: shown }, async (_, index) => ({
        caption: `test image ${index + 1}`,
        image: {
          height,
          width,
          channels: channels === 3 ? 3 : 1,
          values: firstChannels(pixels.subarray(index * size, (index + 1) * size), channels),
        },
        trueClass: labels[index]!,
        predictedClass: predicted[index]!,
        localMaps: await localAttentionLevelsForImage(levels, index),
      })),
    );
  } finally {
    tf.dispose([originals, attended, ...levels.map((level) => level.maps)]);
  }
}

/** Grey images keep one channel, RGB three; anything else is shown by its first channel. */
export function firstChannels(values: Float32Array, channels: number): Float32Array {
  if (channels === 1 || channels === 3) return values;
  const pixels = values.length / channels;
  return Float32Array.from({ length: pixels }, (_, i) => values[i * channels]!);
}

function lookupBackbone(name: string): ReturnType<typeof backboneDefinition> {
  try {
    return backboneDefinition(name);
  } catch (error) {
    throw new CliError((error as Error).message, 'List the backbones with `gsa train --help`.');
  }
}

function evaluatePredictions(
  model: ReturnType<typeof deployableModel>,
  images: tf.Tensor4D,
  labels: Int32Array,
  classNames: readonly string[],
): TrainSummary['test'] {
  const classes = classNames.length;
  const [predicted, loss] = tf.tidy(() => {
    const logits = model.predict(images, { batchSize: 32 }) as tf.Tensor2D;
    const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
    return [
      tf.argMax(logits, 1).dataSync(),
      tf.losses.softmaxCrossEntropy(targets, logits).dataSync()[0]!,
    ] as const;
  });
  const confusionMatrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  labels.forEach((label, index) => (confusionMatrix[label]![predicted[index]!]! += 1));
  const correct = confusionMatrix.reduce((sum, row, index) => sum + row[index]!, 0);
  return {
    accuracy: correct / labels.length,
    loss,
    confusionMatrix,
    perClass: classNames.map((className, index) => {
      const count = confusionMatrix[index]!.reduce((a, b) => a + b, 0);
      return { className, count, recall: count ? confusionMatrix[index]![index]! / count : 0 };
    }),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
