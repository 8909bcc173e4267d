// Order statistics and correlation over plain arrays, shared by the structure
// check here and by @gsa/eval (bootstrap intervals, map stability).

/** The q-quantile (0..1) of `values`, linear between order statistics (NumPy's default). */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}.`);
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) throw new RangeError('quantile: no values.');
  return quantileOfSorted(sorted, q);
}

/** `quantile` of values sorted ascending already. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** Pearson's correlation of two equally long arrays; 0 when either is constant. */
export function pearsonCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n)
    throw new RangeError(`pearsonCorrelation: ${n} and ${b.length} values do not pair up.`);
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i]!;
    meanB += b[i]!;
  }
  meanA /= n;
  meanB /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - meanA;
    const y = b[i]! - meanB;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}
