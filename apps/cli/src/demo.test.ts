// End-to-end: `gsa demo`, reduced and at its default size.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runGsa, scratchDirectory } from './cli-test-support.fixture.js';

const scratch = scratchDirectory('cli-demo');
const gsa = (...args: string[]) => runGsa(args);

describe('gsa demo', () => {
  it('demo (reduced) compares vanilla and global attention', () => {
    const result = gsa(
      'demo',
      '--out',
      join(scratch, 'demo'),
      '--epochs',
      '2',
      '--size',
      '16',
      '--count',
      '40',
      '--backend',
      'wasm',
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/vanilla\s+test accuracy \d+\.\d%/);
    expect(result.stdout).toMatch(
      /global attention\s+test accuracy \d+\.\d% \(mean of the last 2 epochs; last \d+\.\d%\)\s+map ROC-AUC vs true region \d\.\d{3}/,
    );
    expect(result.stdout).toMatch(
      /learned map: spread \d\.\d\d, \d+% of pixels < 0\.1, \d+% > 0\.9/,
    );
    expect(existsSync(join(scratch, 'demo', 'global-attention', 'report.html'))).toBe(true);
  });
});

describe("gsa demo at its default size (the README's first command)", () => {
  it('ends with global attention ahead of vanilla and the map on the true region', () => {
    const out = join(scratch, 'full-demo');
    const result = gsa('demo', '--out', out);
    expect(result.status).toBe(0);
    // Mean test accuracy of the last 5 epochs, then the map's ROC-AUC and how decided it is.
    const vanilla = Number(
      /vanilla\s+test accuracy (\d+\.\d)% \(mean of the last 5 epochs/.exec(result.stdout)?.[1],
    );
    const global =
      /global attention\s+test accuracy (\d+\.\d)% \(mean of the last 5 epochs; last \d+\.\d%\)\s+map ROC-AUC vs true region (\d\.\d{3})/.exec(
        result.stdout,
      );
    expect(global).not.toBeNull();
    expect(Number(global![1])).toBeGreaterThan(vanilla);
    expect(Number(global![2])).toBeGreaterThanOrEqual(0.8);
    const map = /learned map: spread (\d\.\d\d), (\d+)% of pixels < 0\.1/.exec(result.stdout);
    // Measured 1.00 (0.39 before the decision term, 0.05 before the map study).
    expect(Number(map![1])).toBeGreaterThanOrEqual(0.9);
    // The map decides: most of the true region above 0.9, most of the rest below 0.1
    // (measured 100% and 58%).
    const region =
      /against the true region: (\d+\.\d)% of it > 0\.9, (\d+\.\d)% of the rest < 0\.1/.exec(
        result.stdout,
      );
    expect(Number(region![1])).toBeGreaterThan(50);
    expect(Number(region![2])).toBeGreaterThan(50);
    expect(existsSync(join(out, 'global-attention', 'report.html'))).toBe(true);
  }, 300_000);
});
