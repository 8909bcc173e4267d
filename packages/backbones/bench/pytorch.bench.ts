// `GSA_BENCH=pytorch pnpm bench`: gsa against PyTorch on the same machine,
// in one run, side by side: milliseconds per training step (forward,
// backward, Adam; batch norm in training mode) of the same layers on the same
// batch, gsa on 2 and 1 wasm threads, PyTorch on 2 and 1 threads, and the
// ratios at equal threads. PyTorch runs through bench/pytorch_steps.py with
// the first Python that imports torch (GSA_PYTHON, /usr/bin/python3 or
// python3; Debian: apt-get install python3-torch python3-torchvision); without
// one the table says so and shows gsa alone.
//
//   vgg-style   @gsa/backends' VggStyleNet: conv 3x3 + ReLU + 2x2 max pool, 32-64-128-128, linear
//   smallcnn    conv 3x3 + batch norm + ReLU blocks 32-64-128-128, global average pooling, linear
//   resnet18, vgg16, resnet152, ...  gsa's backbone of that name and torchvision's
// each on SIZE x SIZE x 3 images, a batch of BATCH, 3 classes; and two single
// kernels, timed forward only, that bound what any training kernel can reach:
//   conv        one 3x3 convolution, [BATCH, SIZE, SIZE, 64] -> 64 channels, 'same'
//   matmul      one [1024, 1024] x [1024, 1024] matrix product
//
//   GSA_BENCH_CASES=vgg-style,smallcnn,resnet18   GSA_BENCH_STEPS=5 (after a warm-up step)
//   GSA_BENCH_SIZE=64  GSA_BENCH_BATCH=32
//   GSA_BENCH_BACKEND=wasm   gsa's backend; any other (webgpu on a GPU machine) runs once,
//                            with PyTorch on CUDA where torch.cuda.is_available()
//   GSA_BENCH_OUT=bench-results/pytorch.json
//
// The GPU table of the backends README: GSA_BENCH_BACKEND=webgpu GSA_BENCH_SIZE=224
// GSA_BENCH_CASES=vgg16,resnet152 (batch 32).
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBackend, useBackend } from '@gsa/backends';
import { VggStyleNet, randomBatch } from '@gsa/backends/testing';
import {
  answerParent,
  childRun,
  listFromEnv,
  median,
  numberFromEnv,
  printTable,
  runInChildren,
  writeBenchReport,
} from '@gsa/tooling/bench';
import { createBackbone, type BackboneName } from '../src/index.js';
import { trainingStep } from './training-step.js';

const SIZE = numberFromEnv('GSA_BENCH_SIZE', 64);
const BATCH = numberFromEnv('GSA_BENCH_BATCH', 32);
const BACKEND = (process.env.GSA_BENCH_BACKEND ?? 'wasm') as Parameters<typeof useBackend>[0];
/** wasm runs on 2 and 1 threads (PyTorch too); another backend once (PyTorch on its best device). */
const THREADS = BACKEND === 'wasm' ? [2, 1] : [0];
const CLASSES = 3;
const here = dirname(fileURLToPath(import.meta.url));

interface Timing {
  run: string;
  medianMs?: number;
  backend?: string;
  /** Where PyTorch ran: 'cpu' or 'cuda'. */
  device?: string;
  error?: string;
}

/** One forward kernel, conv or matmul, that ends when its output exists. */
function kernelStep(name: 'conv' | 'matmul'): () => Promise<void> {
  const [input, filter] =
    name === 'conv'
      ? [
          tf.randomNormal([BATCH, SIZE, SIZE, 64], 0, 1, 'float32', 1),
          tf.randomNormal([3, 3, 64, 64], 0, 0.1, 'float32', 2),
        ]
      : [
          tf.randomNormal([1024, 1024], 0, 1, 'float32', 1),
          tf.randomNormal([1024, 1024], 0, 1, 'float32', 2),
        ];
  // wasm and cpu run a kernel when it is called; a GPU backend is waited for with one value.
  return async () => {
    const output =
      name === 'conv'
        ? tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same')
        : tf.matMul(input as tf.Tensor2D, filter as tf.Tensor2D);
    if (BACKEND !== 'wasm' && BACKEND !== 'cpu') {
      const first = tf.slice(
        output,
        new Array(output.rank).fill(0),
        new Array(output.rank).fill(1),
      );
      await first.data();
      first.dispose();
    }
    output.dispose();
  };
}

/** One training step (forward, backward, Adam) of a case on one random batch. */
function trainingStepOf(name: string): () => Promise<void> {
  const { images, labels } = randomBatch(BATCH, SIZE, CLASSES, 7);
  const optimizer = tf.train.adam(1e-3);
  if (name === 'vgg-style') {
    const net = new VggStyleNet({ inputSize: SIZE, classes: CLASSES, seed: 1 });
    return async () => void (await net.trainStep(optimizer, images, labels));
  }
  const model = createBackbone(name as BackboneName, {
    inputShape: [SIZE, SIZE, 3],
    numClasses: CLASSES,
    seed: 1,
  });
  const step = trainingStep(model, images, labels, optimizer);
  return async () => step();
}

/** Milliseconds per training step of one case on gsa, for the run `case:threads`. */
async function child(run: string): Promise<Timing> {
  const [name, threadText] = run.split(':') as [string, string];
  const info = await useBackend(BACKEND, BACKEND === 'wasm' ? { threads: Number(threadText) } : {});
  const steps = numberFromEnv('GSA_BENCH_STEPS', 5);
  const step = name === 'conv' || name === 'matmul' ? kernelStep(name) : trainingStepOf(name);
  await step(); // warm-up
  const times: number[] = [];
  for (let index = 0; index < steps; index++) {
    const start = performance.now();
    await step();
    times.push(performance.now() - start);
  }
  return { run, medianMs: Math.round(median(times)), backend: describeBackend(info) };
}

/** The first Python that imports torch, or why there is none. */
function findPython(): { python?: string; reason?: string } {
  const candidates = [process.env.GSA_PYTHON, '/usr/bin/python3', 'python3'].filter(
    (candidate): candidate is string => Boolean(candidate),
  );
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
    if (probe.status === 0) return { python };
  }
  return {
    reason: `no Python with torch and torchvision (tried ${candidates.join(', ')}; Debian: apt-get install python3-torch python3-torchvision, or set GSA_PYTHON)`,
  };
}

function torchStep(python: string, name: string, threads: number): Timing {
  const run = `${name}:${threads}`;
  const steps = String(numberFromEnv('GSA_BENCH_STEPS', 5));
  const outcome = spawnSync(
    python,
    [
      join(here, 'pytorch_steps.py'),
      name,
      String(SIZE),
      String(BATCH),
      String(threads),
      steps,
      BACKEND === 'wasm' ? 'cpu' : 'best',
    ],
    { encoding: 'utf8', timeout: 30 * 60_000 },
  );
  const line = outcome.stdout?.trim().split('\n').pop();
  if (outcome.status !== 0 || !line) {
    return { run, error: (outcome.stderr || String(outcome.error)).trim().split('\n').pop() };
  }
  const result = JSON.parse(line) as { medianMs: number; torch: string; device: string };
  return {
    run,
    medianMs: Math.round(result.medianMs),
    backend: `PyTorch ${result.torch} (${result.device})`,
    device: result.device,
  };
}

function parent(): void {
  const cases = listFromEnv('GSA_BENCH_CASES', 'vgg-style,smallcnn,resnet18');
  const { python, reason } = findPython();
  const rows: string[][] = [];
  const results = cases.map((name) => {
    const gsa = runInChildren<Timing>({
      script: fileURLToPath(import.meta.url),
      runs: THREADS.map((threads) => `${name}:${threads}`),
      failed: (run, error) => ({ run, error }),
    });
    const torch = THREADS.map((threads) =>
      python ? torchStep(python, name, threads) : { run: `${name}:${threads}`, error: reason },
    );
    const ms = (timing: Timing) => timing.medianMs ?? Number.NaN;
    const ratio = (a: Timing, b: Timing) =>
      Number.isFinite(ms(a) / ms(b)) ? `${(ms(a) / ms(b)).toFixed(2)}x` : '-';
    const cell = (timing: Timing) =>
      timing.medianMs === undefined ? 'failed' : String(timing.medianMs);
    rows.push([
      name,
      ...THREADS.flatMap((_, index) => [
        cell(gsa[index]!),
        cell(torch[index]!),
        ratio(gsa[index]!, torch[index]!),
      ]),
    ]);
    return { case: name, gsa, torch };
  });
  const device =
    results.flatMap(({ torch }) => torch).find((timing) => timing.device)?.device ?? 'cpu';
  console.log(
    `\nms per training step (conv, matmul: per forward kernel), ${SIZE}x${SIZE}x3, batch ${BATCH}, Adam ` +
      `(median of ${numberFromEnv('GSA_BENCH_STEPS', 5)} after a warm-up), gsa on ${BACKEND}, this machine, one run:`,
  );
  printTable(
    [
      'case',
      ...(BACKEND === 'wasm'
        ? ['gsa 2 thr', 'torch 2 thr', 'ratio', 'gsa 1 thr', 'torch 1 thr', 'ratio']
        : [`gsa ${BACKEND}`, `torch ${device}`, 'ratio']),
    ],
    rows,
  );
  if (reason) console.log(`PyTorch: ${reason}`);
  for (const { gsa, torch } of results) {
    for (const timing of [...gsa, ...torch]) {
      if (timing.error) console.log(`${timing.run}: ${timing.error}`);
    }
  }
  const path = writeBenchReport(here, 'pytorch.json', {
    createdAt: new Date().toISOString(),
    size: SIZE,
    batch: BATCH,
    backend: BACKEND,
    results,
  });
  console.log(`wrote ${path}`);
}

if (childRun()) {
  await answerParent(child, (run, error): Timing => ({ run, error }));
} else {
  parent();
}
