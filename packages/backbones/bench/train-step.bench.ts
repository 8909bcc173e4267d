// `pnpm bench`: milliseconds per training step and peak RSS of every backbone
// on wasm, at 64x64 and 224x224: a step is 32 images (10 classes) multiplied by
// a learnable sigmoid map (as gsa's attention does), softmax cross-entropy and
// one Adam update. Full-size models with default options (mobilenet_v1 at
// alpha 1). Each run is its own process, so that peak RSS is its own. Prints a
// table, writes JSON.
//
// wasm32 has a 4 GB heap: a step of 32 images at 224x224 does not fit for any
// backbone (even smallcnn's activations exceed it), nor ResNet-152 or
// DenseNet-161 at 64x64, and when it is exhausted the step aborts or stalls.
// So the 32 images are processed in micro-batches (16 at 64x64, 8 for the
// deepest nets; 2 at 224x224, 1 for the deepest), their gradients summed, and
// Adam applied once per 32 images (batch-norm statistics are then
// per micro-batch). VGG's 138M parameters with their gradients and Adam's two
// moments do not fit either, so the default runs time VGG with a 1024-unit
// classifier (`vgg16-h1024`: the same convolutions, 41M parameters).
//
//   GSA_BENCH_LARGE=1               also the large models at 224x224 (vgg16-h1024, vgg16_bn-h1024,
//                                   resnet50, resnet152, densenet121, densenet161: long)
//   GSA_BENCH_RUNS=resnet18@64,...  exactly these runs (name@size; the name may be a registry name,
//                                   e.g. resattnet56@64, vgg_att3@32, vgg_att3-early@128 (earlyPooling);
//                                   the local-attention baselines are not in the default runs: slow)
//   GSA_BENCH_STEPS=1               timed steps after a warm-up micro-batch (median reported)
//   GSA_BENCH_MICRO_BATCH=16        images per forward/backward pass (default: as above)
//   GSA_BENCH_THREADS=2             wasm threads (default: every core)
//   GSA_BENCH_TIMEOUT_S=600         per run
//   GSA_BENCH_OUT=bench-results/train-step.json
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, useBackend } from '@gsa/backends';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  answerParent,
  childRun,
  median,
  peakRssMiB,
  printTable,
  progress,
  runInChildren,
  writeBenchReport,
} from '@gsa/tooling/bench';
import { randomBatch } from '@gsa/backends/testing';
import { countParameters, createBackbone } from '../src/index.js';

interface RunResult {
  run: string;
  backbone: string;
  size: number;
  microBatch?: number;
  parameters?: number;
  backend?: string;
  medianMs?: number;
  minMs?: number;
  steps?: number;
  peakRssMiB?: number;
  error?: string;
}

const BATCH = 32;
const CLASSES = 10;
/** Runs that are a registry name with other options. */
const VARIANTS: Record<string, { backbone: string; options: Record<string, unknown> }> = {
  'vgg16-h1024': { backbone: 'vgg16', options: { hiddenUnits: 1024 } },
  'vgg16_bn-h1024': { backbone: 'vgg16_bn', options: { hiddenUnits: 1024 } },
  'vgg_att3-early': { backbone: 'vgg_att3', options: { earlyPooling: true } },
};

const ALL = [
  'smallcnn',
  'vgg16-h1024',
  'vgg16_bn-h1024',
  'resnet18',
  'resnet50',
  'resnet152',
  'densenet121',
  'densenet161',
  'googlenet',
  'mobilenet_v1',
];
const SMALL_AT_224 = ['smallcnn', 'resnet18', 'googlenet', 'mobilenet_v1'];
/** Backbones whose activations need half the micro-batch of the others. */
const DEEP = /^(resnet101|resnet152|wide_resnet|densenet161|densenet169|densenet201|resattnet92)/;

function microBatchFor(backbone: string, size: number): number {
  if (process.env.GSA_BENCH_MICRO_BATCH) return Number(process.env.GSA_BENCH_MICRO_BATCH);
  const base = size <= 64 ? 16 : 2;
  return DEEP.test(backbone) ? base / 2 : base;
}

function defaultRuns(): string[] {
  const large = process.env.GSA_BENCH_LARGE === '1';
  return [
    ...ALL.map((name) => `${name}@64`),
    ...ALL.filter((name) => large || SMALL_AT_224.includes(name)).map((name) => `${name}@224`),
  ];
}

async function child(run: string): Promise<RunResult> {
  const [label, sizeText] = run.split('@') as [string, string];
  const { backbone, options } = VARIANTS[label] ?? { backbone: label, options: {} };
  const size = Number(sizeText);
  const threads = process.env.GSA_BENCH_THREADS ? Number(process.env.GSA_BENCH_THREADS) : undefined;
  const info = await useBackend('wasm', threads === undefined ? {} : { threads });
  const steps = Number(process.env.GSA_BENCH_STEPS ?? 1);
  const microBatch = microBatchFor(label, size);
  if (!(BATCH % microBatch === 0)) throw new Error(`the micro-batch must divide ${BATCH}`);
  const model = createBackbone(backbone, {
    ...options,
    inputShape: [size, size, 3],
    numClasses: CLASSES,
    seed: 1,
  });
  const { images, labels } = randomBatch(microBatch, size, CLASSES, 2);
  const map = tf.variable(tf.zeros([1, size, size, 1]), true, 'attention_map');
  const variables = [map, ...model.trainableWeights.map((weight) => weight.read() as tf.Variable)];
  const optimizer = tf.train.adam(1e-4);
  const loss = () =>
    tf.losses.softmaxCrossEntropy(
      labels,
      model.apply(tf.mul(images, tf.sigmoid(map)), { training: true }) as tf.Tensor,
    ) as tf.Scalar;
  /** Forward and backward over `passes` micro-batches, gradients averaged, one Adam update. */
  const step = async (passes: number) => {
    let sums: Record<string, tf.Tensor> | undefined;
    for (let pass = 0; pass < passes; pass++) {
      const { value, grads } = tf.variableGrads(loss, variables);
      value.dispose();
      if (sums === undefined) {
        sums = grads;
      } else {
        for (const name of Object.keys(grads)) {
          const total = tf.add(sums[name]!, grads[name]!);
          tf.dispose([sums[name]!, grads[name]!]);
          sums[name] = total;
        }
      }
    }
    const averaged = tf.tidy(() =>
      Object.entries(sums!).map(([name, sum]) => ({ name, tensor: tf.div(sum, passes) })),
    );
    tf.dispose(Object.values(sums!));
    optimizer.applyGradients(averaged);
    tf.dispose(averaged.map(({ tensor }) => tensor));
    await map.data(); // wait for the backend to finish the step
  };
  await step(1); // warm-up: kernel setup, Adam's moments
  const times: number[] = [];
  for (let index = 0; index < steps; index++) {
    const start = performance.now();
    await step(BATCH / microBatch);
    times.push(performance.now() - start);
  }
  return {
    run,
    backbone: label,
    size,
    microBatch,
    parameters: countParameters(model),
    backend: describeBackend(info),
    medianMs: Math.round(median(times)),
    minMs: Math.round(Math.min(...times)),
    steps,
    peakRssMiB: peakRssMiB(),
  };
}

/** The record of a run that ended in an error. */
function failed(run: string, error: string): RunResult {
  const [backbone, size] = run.split('@') as [string, string];
  return { run, backbone, size: Number(size), error };
}

function parent(): void {
  const runs = (process.env.GSA_BENCH_RUNS?.split(',') ?? defaultRuns())
    .map((run) => run.trim())
    .filter(Boolean);
  const self = fileURLToPath(import.meta.url);
  const results = runInChildren<RunResult>({
    script: self,
    runs,
    timeoutMs: Number(process.env.GSA_BENCH_TIMEOUT_S ?? 600) * 1000,
    failed,
    onResult: (result) =>
      progress(
        `  ${result.medianMs ?? '-'} ms/step, ${result.peakRssMiB ?? '-'} MiB${result.error ? `, ${result.error}` : ''}`,
      ),
  });
  const rows = results.map((result) => [
    result.backbone,
    `${result.size}x${result.size}`,
    result.microBatch === undefined ? '-' : `${BATCH / result.microBatch} x ${result.microBatch}`,
    result.parameters === undefined ? '-' : result.parameters.toLocaleString('en-US'),
    result.medianMs === undefined ? '-' : String(result.medianMs),
    result.medianMs === undefined ? '-' : String(Math.round(result.medianMs / BATCH)),
    result.peakRssMiB === undefined ? '-' : String(result.peakRssMiB),
    result.error ?? '',
  ]);
  const header = [
    'backbone',
    'input',
    'passes x images',
    'parameters',
    'ms/step',
    'ms/image',
    'peak RSS MiB',
    'note',
  ];
  const backend = results.find((result) => result.backend)?.backend ?? 'wasm';
  console.log(
    `\nTraining step on ${backend}: batch ${BATCH}, ${CLASSES} classes, sigmoid map x image, cross-entropy, Adam (${availableParallelism()} cores; median of ${results[0]?.steps ?? '-'} step(s) after a warm-up)`,
  );
  printTable(header, rows);
  const out = writeBenchReport(dirname(self), 'train-step.json', {
    benchmark: 'backbones-train-step',
    date: new Date().toISOString(),
    cores: availableParallelism(),
    batch: BATCH,
    classes: CLASSES,
    results,
  });
  console.log(`\nwritten: ${out}`);
}

if (childRun()) {
  await answerParent(child, failed);
  process.exit(0);
} else {
  parent();
}
