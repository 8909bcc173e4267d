// `pnpm bench`: runs the benchmarks named in GSA_BENCH (comma-separated, in
// order), each in its own process so that each reports its own peak RSS:
//   pixel-cnn  the pixel CNN's cost, exact vs low-rank P, 64 and 224 (minutes)
//   accuracy   test accuracy and map ROC-AUC, exact vs low-rank P, 224, 3 seeds (~tens of minutes)
//   epoch      whole epochs of the default smallcnn (slow at 224: set GSA_BENCH_SIZES=64)
//   map-study  how decided the learned map is under each map learning-rate rule (GSA_STUDY_*; tens of minutes)
// Default: pixel-cnn,accuracy. Each prints a table and writes bench-results/<name>.json.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { benchDirectory } from './bench-support.js';

const benchmarks: Record<string, string> = {
  'pixel-cnn': 'pixel-cnn.bench.ts',
  accuracy: 'accuracy.bench.ts',
  epoch: 'epoch.bench.ts',
  'map-study': 'map-study.bench.ts',
};
const chosen = (process.env.GSA_BENCH ?? 'pixel-cnn,accuracy')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name !== '');
const unknown = chosen.filter((name) => !(name in benchmarks));
if (unknown.length > 0 || chosen.length === 0) {
  console.error(
    `GSA_BENCH: unknown benchmark '${unknown.join(',')}'; choose from ${Object.keys(benchmarks).join(', ')} (comma-separated).`,
  );
  process.exit(2);
}
if (process.env.GSA_BENCH_OUT !== undefined && chosen.length > 1) {
  console.error('GSA_BENCH_OUT names one file: run one benchmark at a time with it.');
  process.exit(2);
}
for (const name of chosen) {
  console.log(`\n=== ${name} ===`);
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', resolve(benchDirectory, benchmarks[name]!)],
    { stdio: 'inherit' },
  );
  if (child.status !== 0) {
    console.error(`benchmark '${name}' failed (exit ${child.status ?? child.signal}).`);
    process.exit(child.status ?? 1);
  }
}
