import { mapStability } from './map-stability.js';

describe('mapStability', () => {
  it('is 1 for the same map, and measures correlation and top-10% overlap pair by pair', () => {
    const base = Array.from({ length: 100 }, (_, i) => i / 100);
    const same = mapStability([base, base.map((v) => 0.5 * v + 0.2)])!;
    expect(same.pearson).toEqual({ mean: expect.closeTo(1, 12), min: expect.closeTo(1, 12) });
    expect(same.topOverlap).toEqual({ mean: 1, min: 1 });
    // Reversed: correlation -1, top 10% (pixels 90-99 vs 0-9) disjoint.
    const reversed = base.map((v) => 1 - v);
    // Shifted by 5 pixels: the top 10 pixels share 5, IoU 5 / 15.
    const shifted = base.map((_, i) => ((i + 5) % 100) / 100);
    const three = mapStability([base, reversed, shifted])!;
    expect(three.maps).toBe(3);
    expect(three.pairs.map(([i, j]) => [i, j])).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    expect(three.pairs[0]![2]).toBeCloseTo(-1, 12);
    expect(three.pairs[0]![3]).toBe(0);
    expect(three.pairs[1]![3]).toBeCloseTo(5 / 15, 12);
    expect(three.topOverlap.min).toBe(0);
    expect(three.pearson.min).toBeCloseTo(-1, 12);
    expect(three.topOverlap.mean).toBeCloseTo((0 + 5 / 15 + three.pairs[2]![3]) / 3, 12);
  });

  it('needs two maps of one size', () => {
    expect(mapStability([[1, 2, 3]])).toBeNull();
    expect(() =>
      mapStability([
        [1, 2],
        [1, 2, 3],
      ]),
    ).toThrow(/map 1 has 3 pixels, map 0 has 2/);
    expect(() => mapStability([[1], [2]], { topFraction: 0 })).toThrow(/topFraction/);
  });
});
