import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EpochMetrics } from './types.js';

const fixture = fileURLToPath(new URL('./resume.fixture.ts', import.meta.url));
const args = (directory: string, resume = false) => [
  '--import',
  'tsx',
  fixture,
  directory,
  ...(resume ? ['resume'] : []),
];

/** The initial map the run printed ("INITIAL <json>"), null when it had none. */
function initialMap(stdout: string): number[] | null {
  const line = stdout.split('\n').find((text) => text.startsWith('INITIAL '));
  if (!line) throw new Error(`The run printed no initial map:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('INITIAL '.length)) as number[] | null;
}

function history(stdout: string): EpochMetrics[] {
  const line = stdout.split('\n').find((text) => text.startsWith('HISTORY '));
  if (!line) throw new Error(`The run printed no history:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('HISTORY '.length)) as EpochMetrics[];
}

/** Starts a run and SIGKILLs it once it has finished `epoch`, `step`. */
function killDuring(directory: string, epoch: number, step: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args(directory), { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes(`STEP ${epoch} ${step}\n`)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL'
        ? resolve()
        : reject(new Error(`The run ended before it was killed:\n${buffer.slice(-2000)}`)),
    );
  });
}

describe('checkpoints', () => {
  const directories: string[] = [];
  const scratch = () => {
    const directory = mkdtempSync(join(tmpdir(), 'gsa-resume-'));
    directories.push(directory);
    return directory;
  };
  afterAll(() =>
    directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })),
  );

  let reference: string | undefined;
  const uninterrupted = (): string => {
    if (reference === undefined) {
      const run = spawnSync(process.execPath, args(scratch()), {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status).toBe(0);
      reference = run.stdout;
    }
    return reference;
  };

  // Epoch 3 is in phase 2: resuming must restore the frozen map, not recompute
  // it. Epoch 2 is in phase 1: it must restore the running mean of the
  // gradient on the map that the boundary term reads.
  it.each([3, 2])(
    'a run killed with SIGKILL mid-epoch %i resumes and matches an uninterrupted run (cpu, to 1e-5)',
    async (killedEpoch) => {
      const expected = history(uninterrupted());

      const directory = scratch();
      await killDuring(directory, killedEpoch, 2);
      expect(readdirSync(directory).filter((name) => name.startsWith('epoch-'))).toEqual(
        ['epoch-0001', 'epoch-0002'].slice(0, killedEpoch - 1),
      );
      const resumed = spawnSync(process.execPath, args(directory, true), {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(resumed.status).toBe(0);
      const actual = history(resumed.stdout);
      // The resumed run replays epoch 3 from its first step.
      expect(resumed.stdout.split('\n').find((line) => line.startsWith('STEP'))).toBe(
        `STEP ${killedEpoch} 1`,
      );

      // The map before learning comes back from the checkpoint, not from the restored weights.
      expect(initialMap(uninterrupted())).toHaveLength(64);
      expect(initialMap(resumed.stdout)).toEqual(initialMap(uninterrupted()));

      expect(actual.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5]);
      expect(actual.map((m) => m.phase)).toEqual([1, 1, 2, 2, 2]);
      actual.forEach((metrics, index) => {
        const reference = expected[index]!;
        expect(Math.abs(metrics.trainLoss - reference.trainLoss)).toBeLessThan(1e-5);
        expect(Math.abs(metrics.trainCrossEntropy - reference.trainCrossEntropy)).toBeLessThan(
          1e-5,
        );
        expect(metrics.trainAccuracy).toBe(reference.trainAccuracy);
        expect(Math.abs(metrics.evaluation!.loss - reference.evaluation!.loss)).toBeLessThan(1e-5);
        expect(Math.abs(metrics.mapMean! - reference.mapMean!)).toBeLessThan(1e-6);
      });
    },
  );
});
