// How decided a map is. The paper's map is a binary classifier of pixels
// (important / not); a map that ranks pixels but stays near its starting value
// does little to the image CNN, and a min-max normalised picture hides that.

/** Below this a pixel counts as switched off, above `1 - DECIDED_MARGIN` as kept. */
export const DECIDED_MARGIN = 0.1;

/** A map whose spread (95th - 5th percentile) is under this has not decided. */
export const FLAT_MAP_SPREAD = 0.1;

export interface MapStatistics {
  min: number;
  max: number;
  mean: number;
  /** 95th minus 5th percentile of the pixels. */
  spread: number;
  /** Fraction of pixels below 0.1. */
  fractionBelow: number;
  /** Fraction of pixels above 0.9. */
  fractionAbove: number;
}

/** The percentile (0..100) of sorted values, linear between neighbours (NumPy's default). */
function percentile(sorted: Float64Array, percent: number): number {
  const position = ((sorted.length - 1) * percent) / 100;
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** Range, spread and decided fractions of a map's values (any layout, values in [0, 1]). */
export function mapStatistics(values: ArrayLike<number>): MapStatistics {
  if (values.length === 0) throw new RangeError('mapStatistics: the map has no pixels.');
  const sorted = Float64Array.from(values);
  const bad = sorted.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) throw new RangeError(`mapStatistics: pixel ${bad} is ${sorted[bad]}.`);
  sorted.sort();
  let sum = 0;
  let below = 0;
  let above = 0;
  for (const value of sorted) {
    sum += value;
    if (value < DECIDED_MARGIN) below += 1;
    if (value > 1 - DECIDED_MARGIN) above += 1;
  }
  return {
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
    spread: percentile(sorted, 95) - percentile(sorted, 5),
    fractionBelow: below / sorted.length,
    fractionAbove: above / sorted.length,
  };
}

/** One line for logs and the CLI: "spread 0.93, 41% of pixels < 0.1, 52% > 0.9, range 0.00-1.00". */
export function describeMapStatistics(statistics: MapStatistics): string {
  const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;
  return (
    `spread ${statistics.spread.toFixed(2)}, ${percent(statistics.fractionBelow)} of pixels < ${DECIDED_MARGIN}, ` +
    `${percent(statistics.fractionAbove)} > ${1 - DECIDED_MARGIN}, range ${statistics.min.toFixed(2)}-${statistics.max.toFixed(2)}`
  );
}
