import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  listCheckpoints,
  readCheckpoint,
  readLatestCheckpoint,
  writeCheckpoint,
  type Checkpoint,
} from './checkpoint.js';

function checkpoint(epoch: number): Checkpoint {
  return {
    epoch,
    phase: epoch < 2 ? 1 : 2,
    seed: 5,
    fingerprint: '{"mode":"global"}',
    history: [
      { epoch, phase: 1, trainLoss: 0.5, trainCrossEntropy: 0.4, trainAccuracy: 0.75, seconds: 1 },
    ],
    backbone: [
      { name: 'kernel', shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, epoch]) },
    ],
    attention: [{ name: 'w', shape: [2], values: Float32Array.from([0.5, -0.5]) }],
    frozenMap: {
      name: 'frozen-map',
      shape: [1, 2, 2, 1],
      values: Float32Array.from([0, 0.25, 0.5, 1]),
    },
    initialMap: {
      name: 'initial-map',
      shape: [1, 2, 2, 1],
      values: Float32Array.from([0.5, 0.5, 0.25, 0.75]),
    },
    optimizer: {
      step: 12,
      moments: [
        {
          name: 'kernel',
          shape: [2, 3],
          first: new Float32Array(6).fill(0.1),
          second: new Float32Array(6).fill(0.2),
        },
      ],
    },
  };
}

describe('checkpoint files', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'gsa-checkpoint-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('round-trips every field exactly', () => {
    const path = writeCheckpoint(directory, checkpoint(3));
    expect(readCheckpoint(path)).toEqual(checkpoint(3));
  });

  it('reads a checkpoint written before the initial map was kept (no initialMap)', () => {
    const path = writeCheckpoint(directory, checkpoint(3));
    const manifestPath = join(path, 'checkpoint.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    delete manifest.initialMap;
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const { initialMap, ...rest } = checkpoint(3);
    expect(initialMap).toBeDefined();
    expect(readCheckpoint(path)).toEqual(rest);
  });

  it('refuses a format-1 checkpoint (another epoch order) and says to start again', () => {
    const path = writeCheckpoint(directory, checkpoint(3));
    const manifestPath = join(path, 'checkpoint.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, format: 'gsa-checkpoint-1' }));
    expect(() => readCheckpoint(path)).toThrow(
      /checkpoint format 1, another epoch order.*start the run again without --resume/,
    );
  });

  it('keeps the newest k and leaves no temporary directories', () => {
    for (let epoch = 1; epoch <= 5; epoch++) writeCheckpoint(directory, checkpoint(epoch), 2);
    expect(readdirSync(directory).sort()).toEqual(['epoch-0004', 'epoch-0005']);
    expect(listCheckpoints(directory).map((path) => path.slice(-10))).toEqual([
      'epoch-0005',
      'epoch-0004',
    ]);
  });

  it('falls back to an older checkpoint when the newest was cut short, and says so', () => {
    writeCheckpoint(directory, checkpoint(1));
    const newest = writeCheckpoint(directory, checkpoint(2));
    truncateSync(join(newest, 'tensors.bin'), 8);
    const warnings: string[] = [];
    expect(readLatestCheckpoint(directory, (message) => warnings.push(message))?.epoch).toBe(1);
    expect(warnings[0]).toMatch(
      /Skipping unreadable checkpoint .*epoch-0002: .*tensors.bin is truncated/,
    );
  });

  it('names the directory when it cannot write, and keeps earlier checkpoints', () => {
    writeCheckpoint(directory, checkpoint(1));
    const blocked = join(directory, 'not-a-directory');
    writeFileSync(blocked, 'x');
    expect(() => writeCheckpoint(blocked, checkpoint(2))).toThrow(
      new RegExp(
        `Could not write the checkpoint for epoch 2 to ${blocked}: .*Earlier checkpoints are intact`,
      ),
    );
    expect(readdirSync(directory).sort()).toEqual(['epoch-0001', 'not-a-directory']);
  });

  it('finds nothing in a directory that does not exist', () => {
    expect(readLatestCheckpoint(join(directory, 'missing'))).toBeUndefined();
  });
});
