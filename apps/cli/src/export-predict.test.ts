// End-to-end: `gsa export` and `gsa predict` on the shared run.
import { join } from 'node:path';
import { runGsa, scratchDirectory, sharedFixture } from './cli-test-support.fixture.js';

const { data, run } = sharedFixture();
const scratch = scratchDirectory('cli-export');
const gsa = (...args: string[]) => runGsa(args);

describe('gsa export, gsa predict', () => {
  it('exports the deployed model and predicts class probabilities with it, as a table or JSON', () => {
    const exported = join(scratch, 'exported');
    expect(gsa('export', '--run', run, '--out', exported).status).toBe(0);
    const exportedJson = gsa(
      'export',
      '--run',
      run,
      '--out',
      join(scratch, 'json-export'),
      '--json',
    );
    expect(JSON.parse(exportedJson.stdout)).toEqual({
      run,
      model: join(scratch, 'json-export'),
      format: 'tfjs',
    });
    const predicted = gsa(
      'predict',
      '--model',
      exported,
      join(data, 'img-0000.png'),
      join(data, 'img-0001.png'),
      '--json',
    );
    expect(predicted.status).toBe(0);
    const predictions = JSON.parse(predicted.stdout) as {
      image: string;
      className: string;
      probabilities: Record<string, number>;
    }[];
    expect(predictions).toHaveLength(2);
    for (const prediction of predictions) {
      const sum = Object.values(prediction.probabilities).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
      expect(Object.keys(prediction.probabilities)).toContain(prediction.className);
    }
    const table = gsa('predict', '--model', exported, join(data, 'img-0000.png'));
    expect(table.stdout.split('\n')[0]).toMatch(/^image\s+class\s+texture-0deg\s+texture-90deg$/);
  });
});
