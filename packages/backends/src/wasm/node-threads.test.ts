import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./node-threads.fixture.ts', import.meta.url));

function train(threads: number): { threads: number; losses: number[] } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', fixture, String(threads)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  // A timeout here means the worker threads kept the process alive.
  expect(result.error).toBeUndefined();
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as {
    threads: number;
    losses: number[];
  };
}

describe('wasm threads under Node', () => {
  it('uses every core, gives the single-threaded losses, and lets the process exit', () => {
    const cores = Math.min(availableParallelism(), 4);
    const single = train(1);
    const threaded = train(cores);
    expect(single.threads).toBe(1);
    expect(threaded.threads).toBe(cores);
    for (let step = 0; step < single.losses.length; step++) {
      expect(Math.abs(threaded.losses[step]! - single.losses[step]!)).toBeLessThan(1e-6);
    }
  });
});
