// End-to-end: map stability between runs. Two seeds trained side by side: the
// second finds the first as a sibling (summary.json, report.html), and
// `gsa maps compare` gives the same numbers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGsa, scratchDirectory, sharedFixture, trainArgs } from './cli-test-support.fixture.js';

const { data } = sharedFixture();
const scratch = scratchDirectory('cli-maps');
const gsa = (...args: string[]) => runGsa(args);

describe('gsa maps compare, and sibling runs', () => {
  it('compares the maps of two seeds: pairwise r and top-10% IoU, in the second run and on demand', () => {
    const [first, second] = [join(scratch, 'seeds', 'seed0'), join(scratch, 'seeds', 'seed1')];
    expect(gsa(...trainArgs(data, first)).status).toBe(0);
    const trained = gsa(...trainArgs(data, second, '--seed', '1'));
    expect(trained.status).toBe(0);
    expect(trained.stderr).toMatch(
      /gsa: map stability with 1 sibling run\(s\) \(other seeds, same settings\): r -?\d\.\d\d \(min -?\d\.\d\d\), top-10% IoU \d\.\d\d \(min \d\.\d\d\), 2 maps/,
    );
    const summary = JSON.parse(readFileSync(join(second, 'summary.json'), 'utf8')) as {
      mapStability: {
        siblings: string[];
        maps: number;
        pearson: { mean: number };
        topOverlap: { mean: number };
      };
    };
    expect(summary.mapStability).toMatchObject({ siblings: ['seed0'], maps: 2 });
    expect(readFileSync(join(second, 'report.html'), 'utf8')).toContain('id="map-stability"');

    const compared = gsa('maps', 'compare', first, second, '--json');
    expect(compared.status).toBe(0);
    const comparison = JSON.parse(compared.stdout) as {
      runs: string[];
      height: number;
      stability: {
        maps: number;
        pearson: { mean: number };
        topOverlap: { mean: number };
        pairs: number[][];
      };
    };
    expect(comparison).toMatchObject({ runs: [first, second], height: 16 });
    expect(comparison.stability.pearson.mean).toBeCloseTo(summary.mapStability.pearson.mean, 10);
    expect(comparison.stability.topOverlap.mean).toBeCloseTo(
      summary.mapStability.topOverlap.mean,
      10,
    );
    expect(comparison.stability.pairs).toHaveLength(1);
    const text = gsa('maps', 'compare', first, second);
    expect(text.stdout).toMatch(/^2 maps of 16x16: r -?\d\.\d\d/);
    expect(text.stdout).toContain('pearson  top-10% IoU');
  });

  it('refuses one run, and a run without a map, saying why', () => {
    const one = gsa('maps', 'compare', join(scratch, 'seeds', 'seed0'));
    expect(one.status).toBe(2);
    expect(one.stderr).toContain('Comparing maps needs at least two runs, got 1.');
    const vanilla = join(scratch, 'vanilla');
    expect(gsa(...trainArgs(data, vanilla, '--attention', 'none', '--epochs', '1')).status).toBe(0);
    const refused = gsa('maps', 'compare', join(scratch, 'seeds', 'seed0'), vanilla);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /vanilla has no learned map \(attention-map\.json\): a run with --attention none has none/,
    );
  });
});
