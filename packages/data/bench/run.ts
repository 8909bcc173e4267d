// `pnpm bench`: the data package's benchmarks named in GSA_BENCH (comma-separated):
//   data       load + preprocess throughput, and the low-rank P's time and memory for growing N
//   structure  the structure check's verdicts on aligned and moved sets, and its speed at 224x224
// Default: both. Each prints a table and writes bench-results/<name>.json.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNamedBenchmarks } from '@gsa/tooling/bench';

runNamedBenchmarks(
  '@gsa/data',
  dirname(fileURLToPath(import.meta.url)),
  { data: 'data.bench.ts', structure: 'structure.bench.ts' },
  ['data', 'structure'],
);
