import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { earlyStopping, metricsJsonlWriter, progressCallback } from './callbacks.js';
import type { EpochMetrics } from './types.js';

const metrics = (epoch: number, accuracy: number): EpochMetrics => ({
  epoch,
  phase: epoch <= 2 ? 1 : 2,
  trainLoss: 1 / epoch,
  trainCrossEntropy: 0.9 / epoch,
  trainAccuracy: 0.5,
  mapMean: 0.25,
  evaluation: { loss: 0.7, accuracy },
  seconds: 1.5,
});

function sink(isTTY: boolean): { stream: Writable & { isTTY: boolean }; text: () => string } {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => text };
}

describe('progressCallback', () => {
  const start = {
    mode: 'global' as const,
    epochs: 3,
    cutoffEpoch: 2,
    stepsPerEpoch: 2,
    firstEpoch: 1,
    trainingImages: 8,
    history: [],
  };

  it('writes one plain line per epoch when not on a TTY', async () => {
    const { stream, text } = sink(false);
    const progress = progressCallback({ stream });
    await progress.onTrainBegin?.(start);
    await progress.onStepEnd?.({ epoch: 1, phase: 1, step: 1, steps: 2, loss: 0.9 });
    await progress.onEpochEnd?.(metrics(1, 0.625), { stop: () => {}, map: () => undefined });
    const lines = text().trim().split('\n');
    expect(lines[0]).toBe(
      'Training 8 images, 3 epochs of 2 steps (global; phase 1: epochs 1-2, then the map is frozen)',
    );
    expect(lines[1]).toMatch(
      /^epoch 1\/3 phase 1 \| loss 1\.0000 acc 50\.0% \| eval loss 0\.7000 acc 62\.5% \| map mean 0\.250 \| 1\.5 s \| ETA \d+s$/,
    );
    expect(text()).not.toContain('\r');
  });

  it('redraws a live bar on a TTY', async () => {
    const { stream, text } = sink(true);
    const progress = progressCallback({ stream, live: true });
    await progress.onTrainBegin?.(start);
    await progress.onStepEnd?.({ epoch: 1, phase: 1, step: 1, steps: 2, loss: 0.9 });
    expect(text()).toContain(
      '\r\x1b[2Kepoch 1/3 phase 1 [############------------] 1/2 loss 0.9000 ETA',
    );
  });

  it('fits the live line to the terminal and redraws it a few times a second at most', async () => {
    const { stream, text } = sink(true);
    const narrow = Object.assign(stream, { columns: 40 });
    const progress = progressCallback({ stream: narrow, live: true, redrawMs: 60_000 });
    await progress.onTrainBegin?.(start);
    const before = text().length;
    for (let step = 1; step <= 5; step++) {
      await progress.onStepEnd?.({ epoch: 1, phase: 1, step, steps: 5, loss: 0.5 });
    }
    const redraws = text().slice(before).split('\r\x1b[2K').filter(Boolean);
    // The first step and the epoch's last: the three between fall inside the interval.
    expect(redraws).toHaveLength(2);
    for (const line of redraws) expect(line.length).toBeLessThan(40);
    expect(redraws[0]).toMatch(/^epoch 1\/3 phase 1 \[.*…$/);
  });

  it("writes plain lines when TERM is 'dumb'", async () => {
    const saved = { term: process.env.TERM, ci: process.env.CI };
    process.env.TERM = 'dumb';
    delete process.env.CI;
    try {
      const { stream, text } = sink(true);
      const progress = progressCallback({ stream });
      await progress.onTrainBegin?.(start);
      await progress.onStepEnd?.({ epoch: 1, phase: 1, step: 1, steps: 2, loss: 0.9 });
      expect(text()).not.toContain('\x1b[2K');
    } finally {
      if (saved.term === undefined) delete process.env.TERM;
      else process.env.TERM = saved.term;
      if (saved.ci !== undefined) process.env.CI = saved.ci;
    }
  });
});

describe('metricsJsonlWriter', () => {
  it('restores the resumed history, then appends one whole JSON line per epoch', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gsa-metrics-'));
    const path = join(directory, 'run', 'metrics.jsonl');
    mkdirSync(join(directory, 'run'));
    const writer = metricsJsonlWriter(path);
    writeFileSync(path, 'stale line from an earlier run\n');
    await writer.onTrainBegin?.({
      mode: 'none',
      epochs: 3,
      cutoffEpoch: 0,
      stepsPerEpoch: 1,
      firstEpoch: 2,
      trainingImages: 1,
      history: [metrics(1, 0.4)],
    });
    await writer.onEpochEnd?.(metrics(1, 0.5), { stop: () => {}, map: () => undefined });
    await writer.onEpochEnd?.(metrics(2, 0.6), { stop: () => {}, map: () => undefined });
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as EpochMetrics);
    expect(lines).toEqual([metrics(1, 0.4), metrics(1, 0.5), metrics(2, 0.6)]);
    rmSync(directory, { recursive: true, force: true });
  });
});

describe('earlyStopping', () => {
  it('stops after `patience` epochs without improvement, and says why', async () => {
    const stopping = earlyStopping({ patience: 2 });
    const reasons: string[] = [];
    const control = { stop: (reason: string) => void reasons.push(reason), map: () => undefined };
    for (const [epoch, accuracy] of [
      [1, 0.5],
      [2, 0.7],
      [3, 0.69],
      [4, 0.7],
    ] as const) {
      await stopping.onEpochEnd?.(metrics(epoch, accuracy), control);
    }
    expect(reasons).toEqual(['evaluation.accuracy did not improve for 2 epochs (best 0.7000)']);
  });

  it('explains that it needs an evaluation set', async () => {
    const stopping = earlyStopping({ patience: 1 });
    const { evaluation: _omitted, ...withoutEvaluation } = metrics(1, 0.5);
    expect(() =>
      stopping.onEpochEnd?.(withoutEvaluation, { stop: () => {}, map: () => undefined }),
    ).toThrow('earlyStopping monitors evaluation.accuracy, but training has no evaluation set.');
  });
});
