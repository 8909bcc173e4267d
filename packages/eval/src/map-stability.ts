// Is the region a map found reproducible, or an accident of one seed or fold?
// Every pair of maps of the same data (seeds of a grid row, folds of a
// protocol cell, or any runs) is compared by Pearson correlation and by the
// overlap (intersection over union) of their top 10% pixels.
import { pearsonCorrelation } from '@gsa/data';
import { mean } from './statistics.js';

export interface MapStability {
  /** Maps compared (at least 2). */
  maps: number;
  /** Pairwise Pearson correlation of the maps' values. */
  pearson: { mean: number; min: number };
  /** Pairwise intersection over union of the maps' top `topFraction` pixels. */
  topOverlap: { mean: number; min: number };
  /** The fraction of pixels that counts as a map's top (default 0.1). */
  topFraction: number;
  /** Every pair, `[i, j, pearson, overlap]` with i < j. */
  pairs: [number, number, number, number][];
}

/**
 * Pairwise agreement of `maps` (same size, any layout: the values of a map in
 * one order); null when fewer than two are given.
 */
export function mapStability(
  maps: readonly ArrayLike<number>[],
  options: { topFraction?: number } = {},
): MapStability | null {
  const topFraction = options.topFraction ?? 0.1;
  if (!(topFraction > 0 && topFraction <= 1))
    throw new RangeError(`mapStability: topFraction must be in (0, 1], got ${topFraction}.`);
  if (maps.length < 2) return null;
  const size = maps[0]!.length;
  maps.forEach((map, index) => {
    if (map.length !== size)
      throw new RangeError(
        `mapStability: map ${index} has ${map.length} pixels, map 0 has ${size}; compare maps of one size.`,
      );
  });
  const tops = maps.map((map) => topPixels(map, Math.max(1, Math.round(topFraction * size))));
  const pairs: [number, number, number, number][] = [];
  for (let i = 0; i < maps.length; i++) {
    for (let j = i + 1; j < maps.length; j++) {
      pairs.push([i, j, pearsonCorrelation(maps[i]!, maps[j]!), overlap(tops[i]!, tops[j]!)]);
    }
  }
  const summary = (column: 2 | 3) => ({
    mean: mean(pairs.map((pair) => pair[column])),
    min: Math.min(...pairs.map((pair) => pair[column])),
  });
  return { maps: maps.length, pearson: summary(2), topOverlap: summary(3), topFraction, pairs };
}

/** The indices of the `count` largest values (ties broken by index). */
function topPixels(map: ArrayLike<number>, count: number): Set<number> {
  const order = Array.from({ length: map.length }, (_, i) => i).sort(
    (a, b) => map[b]! - map[a]! || a - b,
  );
  return new Set(order.slice(0, count));
}

function overlap(a: Set<number>, b: Set<number>): number {
  let both = 0;
  for (const pixel of a) if (b.has(pixel)) both += 1;
  return both / (a.size + b.size - both);
}
