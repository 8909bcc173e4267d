// End-to-end: `gsa eval` on a copy of the shared run (eval writes eval.json into it).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyOfRun, runGsa, scratchDirectory, sharedFixture } from './cli-test-support.fixture.js';

const { data, run: sharedRun } = sharedFixture();
const scratch = scratchDirectory('cli-eval');
const gsa = (...args: string[]) => runGsa(args);

describe('gsa eval', () => {
  it("re-scores the run's held-out split (split.json) with the accuracy training reported, or any labelled data", () => {
    const run = copyOfRun(sharedRun, join(scratch, 'run'));
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as {
      testAccuracy: number;
    };
    // eval re-scores the deployed model on the run's own held-out split: the same accuracy as training reported.
    const evaluated = gsa('eval', '--run', run, '--backend', 'wasm', '--json');
    expect(evaluated.status).toBe(0);
    const report = JSON.parse(evaluated.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ subset: 'run test split', images: 8 });
    expect(report.accuracy).toBeCloseTo(summary.testAccuracy, 10);
    expect(existsSync(join(run, 'eval.json'))).toBe(true);
    const text = gsa('eval', '--run', run, '--data', `folder:${data}`, '--backend', 'wasm');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/\(all images, 40 images\)\naccuracy \d+\.\d\d%/);
    expect(text.stdout).toContain('confusion matrix (rows: true, columns: predicted)');
    const other = join(scratch, 'three-classes');
    gsa('datasets', 'synth', '--out', other, '--count', '12', '--size', '16', '--classes', '3');
    const mismatch = gsa('eval', '--run', run, '--data', `folder:${other}`);
    expect(mismatch.status).toBe(1);
    expect(mismatch.stderr).toMatch(/has the class '.+', which the model does not know/);
  });
});
