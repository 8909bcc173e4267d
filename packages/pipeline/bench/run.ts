// `pnpm bench`: the pipeline's benchmarks named in GSA_BENCH (comma-separated),
// whole training runs through trainOnSplit:
//   accuracy   test accuracy and map ROC-AUC, exact vs low-rank P, 224, 3 seeds (~tens of minutes)
//   map-study  how decided the learned map is under each map setting (GSA_STUDY_*; tens of minutes to hours)
//   misalignment  what misaligned images cost global attention and what --align buys back (about 15 minutes)
// Default: accuracy. Each prints a table and writes bench-results/<name>.json.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNamedBenchmarks } from '@gsa/tooling/bench';

runNamedBenchmarks(
  '@gsa/pipeline',
  dirname(fileURLToPath(import.meta.url)),
  {
    accuracy: 'accuracy.bench.ts',
    'map-study': 'map-study.bench.ts',
    misalignment: 'misalignment.bench.ts',
  },
  ['accuracy'],
);
