// `pnpm test`: every package's tests through turbo, one package at a time
// (each Jest run already uses both cores), then one closing line that sums
// them all. Extra arguments go to turbo (e.g. --filter=@gsa/backends).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
rmSync(resolve(root, '.test-results'), { recursive: true, force: true });
const turbo = spawnSync('turbo', ['run', 'test', '--concurrency=1', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
const summary = spawnSync(process.execPath, [resolve(root, 'tooling/config/summarize-tests.js')], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(turbo.status !== 0 ? (turbo.status ?? 1) : (summary.status ?? 1));
