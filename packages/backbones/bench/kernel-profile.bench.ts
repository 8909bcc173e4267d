// `GSA_BENCH=kernel-profile pnpm bench`: where a wasm training step spends its
// time, kernel by kernel (tfjs's own profiler, `tf.profile`). One step of
// forward, backward and Adam (batch norm in training mode) for smallcnn,
// ResNet-18 and DenseNet-121 at 64x64 (batch 32) and 224x224 (batch 4, 2 for
// DenseNet: the wasm heap), each run in its own process after a warm-up step.
// Prints, per run, the step's wall time and the kernels that take the most,
// with their share of all kernel time; writes every kernel to JSON. The list
// is the list of kernels worth writing (@gsa/backends).
//
//   GSA_BENCH_RUNS=smallcnn@64,...   exactly these runs (name@size)
//   GSA_BENCH_BATCH_64=32, GSA_BENCH_BATCH_224=4 (DenseNet: 2)
//   GSA_BENCH_TOP=12                 kernels printed per run
//   GSA_BENCH_THREADS=2              wasm threads (default: every core)
//   GSA_BENCH_OUT=bench-results/kernel-profile.json
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, useBackend } from '@gsa/backends';
import { randomBatch } from '@gsa/backends/testing';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  answerParent,
  childRun,
  listFromEnv,
  numberFromEnv,
  printTable,
  runInChildren,
  writeBenchReport,
} from '@gsa/tooling/bench';
import { createBackbone, type BackboneName } from '../src/index.js';
import { trainingStep } from './training-step.js';

interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

interface ProfileResult {
  run: string;
  batch?: number;
  backend?: string;
  /** Wall time of an unprofiled step. */
  stepMs?: number;
  /** Sum of all kernel times of the profiled step. */
  kernelMs?: number;
  kernels?: KernelTime[];
  error?: string;
}

const CLASSES = 10;
const DEFAULT_RUNS = [
  'smallcnn@64',
  'resnet18@64',
  'densenet121@64',
  'smallcnn@224',
  'resnet18@224',
  'densenet121@224',
].join(',');

async function child(run: string): Promise<ProfileResult> {
  const [backbone, sizeText] = run.split('@') as [BackboneName, string];
  const size = Number(sizeText);
  // At 224 px the wasm heap (4 GB) holds a batch of 4 for smallcnn and ResNet-18, 2 for DenseNet.
  const batch =
    size <= 64
      ? numberFromEnv('GSA_BENCH_BATCH_64', 32)
      : numberFromEnv('GSA_BENCH_BATCH_224', backbone.startsWith('densenet') ? 2 : 4);
  const threads = process.env.GSA_BENCH_THREADS ? Number(process.env.GSA_BENCH_THREADS) : undefined;
  const info = await useBackend('wasm', threads === undefined ? {} : { threads });
  const model = createBackbone(backbone, {
    inputShape: [size, size, 3],
    numClasses: CLASSES,
    seed: 1,
  });
  const { images, labels } = randomBatch(batch, size, CLASSES, 2);
  const step = trainingStep(model, images, labels, tf.train.adam(1e-4));
  step(); // warm-up: kernel setup, operator caches
  const start = performance.now();
  step();
  const stepMs = performance.now() - start;
  const profile = await tf.profile(step);
  const byKernel = new Map<string, KernelTime>();
  // Entries named `<op>__op` time an op's whole body (a custom gradient's
  // wrapper), whose kernels are listed too: counting both would count twice.
  for (const kernel of profile.kernels.filter(({ name }) => !name.endsWith('__op'))) {
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    const entry = byKernel.get(kernel.name) ?? { kernel: kernel.name, ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byKernel.set(kernel.name, entry);
  }
  const kernels = [...byKernel.values()]
    .map((entry) => ({ ...entry, ms: Math.round(entry.ms * 10) / 10 }))
    .sort((a, b) => b.ms - a.ms);
  return {
    run,
    batch,
    backend: describeBackend(info),
    stepMs: Math.round(stepMs),
    kernelMs: Math.round(kernels.reduce((sum, entry) => sum + entry.ms, 0)),
    kernels,
  };
}

function parent(): void {
  const runs = listFromEnv('GSA_BENCH_RUNS', DEFAULT_RUNS);
  const top = numberFromEnv('GSA_BENCH_TOP', 12);
  const results = runInChildren<ProfileResult>({
    script: fileURLToPath(import.meta.url),
    runs,
    timeoutMs: numberFromEnv('GSA_BENCH_TIMEOUT_S', 900) * 1000,
    failed: (run, error) => ({ run, error }),
    onResult: (result) => {
      if (result.error !== undefined) {
        console.log(`\n${result.run}: failed: ${result.error}`);
        return;
      }
      console.log(
        `\n${result.run}, batch ${result.batch}, ${result.backend}: step ${result.stepMs} ms, kernels ${result.kernelMs} ms (profiled)`,
      );
      printTable(
        ['kernel', 'ms', 'share', 'calls'],
        result
          .kernels!.slice(0, top)
          .map((entry) => [
            entry.kernel,
            entry.ms.toFixed(1),
            `${((100 * entry.ms) / Math.max(1, result.kernelMs!)).toFixed(1)}%`,
            String(entry.calls),
          ]),
      );
    },
  });
  const path = writeBenchReport(dirname(fileURLToPath(import.meta.url)), 'kernel-profile.json', {
    createdAt: new Date().toISOString(),
    results,
  });
  console.log(`\nwrote ${path}`);
}

if (childRun()) {
  await answerParent(child, (run, error): ProfileResult => ({ run, error }));
} else {
  parent();
}
