import { experimentProgress } from './run.js';

describe('experimentProgress', () => {
  it('counts the cells and, once some finished, estimates the time left from their pace', () => {
    let now = 0;
    const progress = experimentProgress(() => now);
    expect(progress({ done: 2, running: 2, pending: 6, failed: 0 })).toBe(
      'gsa: cells 2 done, 2 running, 6 pending, 0 failed',
    );
    now = 60_000; // two more cells in a minute: 30 s a cell, 6 left
    expect(progress({ done: 4, running: 2, pending: 4, failed: 1 })).toBe(
      'gsa: cells 4 done, 2 running, 4 pending, 1 failed, ETA 3m00s',
    );
  });
});
