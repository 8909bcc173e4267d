import { describeMapStatistics, mapStatistics, regionDecision } from './map-statistics.js';

describe('mapStatistics', () => {
  it('measures spread and decided fractions of a decided map', () => {
    // 100 pixels: 30 at 0.02, 50 at 0.97, 20 evenly between 0.3 and 0.7.
    const values = [
      ...Array.from({ length: 30 }, () => 0.02),
      ...Array.from({ length: 20 }, (_, i) => 0.3 + (0.4 * i) / 19),
      ...Array.from({ length: 50 }, () => 0.97),
    ];
    const statistics = mapStatistics(Float32Array.from(values));
    expect(statistics.fractionBelow).toBeCloseTo(0.3, 10);
    expect(statistics.fractionAbove).toBeCloseTo(0.5, 10);
    expect(statistics.spread).toBeCloseTo(0.95, 5);
    expect(statistics.min).toBeCloseTo(0.02, 6);
    expect(statistics.max).toBeCloseTo(0.97, 6);
    expect(statistics.mean).toBeCloseTo((30 * 0.02 + 10 * 1 + 50 * 0.97) / 100, 5);
  });

  it('calls a map near 0.5 flat: small spread, nothing decided', () => {
    const values = Array.from({ length: 101 }, (_, i) => 0.45 + (0.1 * i) / 100);
    const statistics = mapStatistics(values);
    // Linear percentiles: 0.455 and 0.545.
    expect(statistics.spread).toBeCloseTo(0.09, 10);
    expect(statistics.fractionBelow).toBe(0);
    expect(statistics.fractionAbove).toBe(0);
    expect(describeMapStatistics(statistics)).toBe(
      'spread 0.09, 0% of pixels < 0.1, 0% > 0.9, range 0.45-0.55',
    );
  });

  it('refuses an empty map and names a non-finite pixel', () => {
    expect(() => mapStatistics([])).toThrow('no pixels');
    expect(() => mapStatistics([0.5, Number.NaN])).toThrow('pixel 1 is NaN');
  });
});

describe('regionDecision', () => {
  it('measures the region kept above 0.9, the rest switched off below 0.1 and the rest let through above 0.9', () => {
    const values = [0.95, 0.99, 0.5, 0.05, 0.02, 0.3, 0.95, 0.08];
    const region = [true, true, true, false, false, false, false, false];
    const decision = regionDecision(values, region);
    expect(decision.regionAbove).toBeCloseTo(2 / 3, 10);
    expect(decision.restBelow).toBeCloseTo(3 / 5, 10);
    expect(decision.restAbove).toBeCloseTo(1 / 5, 10);
    expect(decision.decided).toBe(true);
    expect(regionDecision([0.95, 0.4, 0.05, 0.05], [true, true, false, false]).decided).toBe(false);
    expect(regionDecision([0.95, 0.95, 0.05, 0.5], [true, true, false, false]).decided).toBe(false);
  });

  it('refuses masks that do not fit the map', () => {
    expect(() => regionDecision([0.5, 0.5], [true])).toThrow(
      'the map has 2 pixels but the region mask 1',
    );
    expect(() => regionDecision([0.5, 0.5], [true, true])).toThrow('some pixels, not all');
  });
});
