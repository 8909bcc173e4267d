// `pnpm bench`: the backbones' benchmarks named in GSA_BENCH (comma-separated):
//   train-step      ms per training step of every backbone on wasm, 64 and 224
//   pytorch         gsa against PyTorch on this CPU, side by side, in one run (needs python3-torch)
//   kernel-profile  where a wasm training step spends its time, kernel by kernel
// Default: train-step and pytorch. Each prints a table and writes bench-results/<name>.json.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNamedBenchmarks } from '@gsa/tooling/bench';

runNamedBenchmarks(
  '@gsa/backbones',
  dirname(fileURLToPath(import.meta.url)),
  {
    'train-step': 'train-step.bench.ts',
    pytorch: 'pytorch.bench.ts',
    'kernel-profile': 'kernel-profile.bench.ts',
  },
  ['train-step', 'pytorch'],
);
