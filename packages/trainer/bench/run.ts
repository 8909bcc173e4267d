// `pnpm bench`: the trainer's benchmarks named in GSA_BENCH (comma-separated):
//   pixel-cnn  the pixel CNN's cost, exact vs low-rank P, 64 and 224 (minutes)
//   epoch      whole epochs of the default smallcnn (slow at 224: set GSA_BENCH_SIZES=64)
//   evaluation-cost  what per-epoch evaluation adds to an epoch (vanilla smallcnn, 170 images)
// Default: pixel-cnn. Each prints a table and writes bench-results/<name>.json.
// The accuracy and map-study benchmarks train whole runs: they are @gsa/pipeline's.
import { runNamedBenchmarks } from '@gsa/tooling/bench';
import { benchDirectory } from './bench-support.js';

runNamedBenchmarks(
  '@gsa/trainer',
  benchDirectory,
  {
    'pixel-cnn': 'pixel-cnn.bench.ts',
    epoch: 'epoch.bench.ts',
    'evaluation-cost': 'evaluation-cost.bench.ts',
  },
  ['pixel-cnn'],
);
