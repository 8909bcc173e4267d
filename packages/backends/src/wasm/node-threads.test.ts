import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerExecArgv } from './node-threads.js';

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

describe('wasm threads from every entry form', () => {
  it("start from an eval'd ES module (node --input-type=module -e)", () => {
    const entry = pathToFileURL(fileURLToPath(new URL('../index.ts', import.meta.url))).href;
    const code = [
      `const { useBackend } = await import(${JSON.stringify(entry)});`,
      "const tf = await import('@tensorflow/tfjs-core');",
      "const info = await useBackend('wasm', { threads: 2 });",
      'const sum = tf.sum(tf.square(tf.ones([64, 64]))).dataSync()[0];',
      'console.log(JSON.stringify({ threads: info.threads, sum }));',
    ].join(' ');
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      { encoding: 'utf8', timeout: 120_000, cwd: fileURLToPath(new URL('.', import.meta.url)) },
    );
    expect(result.error).toBeUndefined();
    expect(result.stderr).not.toMatch(/require is not defined|Error/);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toEqual({ threads: 2, sum: 4096 });
  });

  it("drops only the parent's --input-type from the workers' flags", () => {
    expect(
      workerExecArgv(['--import', 'tsx', '--input-type=module', '--experimental-vm-modules']),
    ).toEqual(['--import', 'tsx', '--experimental-vm-modules']);
    expect(workerExecArgv(['--input-type', 'module', '--no-warnings'])).toEqual(['--no-warnings']);
  });
});
