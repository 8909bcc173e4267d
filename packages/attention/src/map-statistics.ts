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

/** How a map decides about a known region: the paper's "decision boundary", measured. */
export interface RegionDecision {
  /** Fraction of the region's pixels above 0.9. */
  regionAbove: number;
  /** Fraction of the other pixels below 0.1. */
  restBelow: number;
  /**
   * Fraction of the other pixels above 0.9: rest the map lets through as if it
   * were region (on the synthetic set, most often a ring around the region).
   */
  restAbove: number;
  /** The paper's "decision boundary": most of the region above 0.9 and most of the rest below 0.1. */
  decided: boolean;
}

/**
 * Where the true region is known (synthetic data), the fraction of its
 * pixels the map keeps (above 0.9) and of the rest it switches off (below
 * 0.1), and of the rest it lets through (above 0.9); a map `decided` when
 * the first two are above one half.
 */
export function regionDecision(
  values: ArrayLike<number>,
  region: ArrayLike<boolean>,
): RegionDecision {
  if (values.length !== region.length) {
    throw new RangeError(
      `regionDecision: the map has ${values.length} pixels but the region mask ${region.length}.`,
    );
  }
  let inside = 0;
  let insideAbove = 0;
  let outsideBelow = 0;
  let outsideAbove = 0;
  for (let i = 0; i < values.length; i++) {
    if (region[i]) {
      inside += 1;
      if (values[i]! > 1 - DECIDED_MARGIN) insideAbove += 1;
    } else if (values[i]! < DECIDED_MARGIN) outsideBelow += 1;
    else if (values[i]! > 1 - DECIDED_MARGIN) outsideAbove += 1;
  }
  if (inside === 0 || inside === values.length) {
    throw new RangeError('regionDecision: the region mask must mark some pixels, not all.');
  }
  const outside = values.length - inside;
  const [regionAbove, restBelow] = [insideAbove / inside, outsideBelow / outside];
  return {
    regionAbove,
    restBelow,
    restAbove: outsideAbove / outside,
    decided: regionAbove > 0.5 && restBelow > 0.5,
  };
}
