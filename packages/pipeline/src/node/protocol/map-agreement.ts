// How alike a set of maps is (seeds of a grid row, folds of a cell, runs
// compared by `gsa maps compare`): @gsa/eval's mapStability, summarised.
import { mapStability } from '@gsa/eval';

/** Mean and minimum pairwise Pearson r and top-10% IoU of some maps. */
export interface MapAgreement {
  maps: number;
  pearson: { mean: number; min: number };
  topOverlap: { mean: number; min: number };
}

/** null when fewer than two maps are given. */
export function mapAgreement(maps: readonly ArrayLike<number>[]): MapAgreement | null {
  const stability = mapStability(maps);
  return (
    stability && {
      maps: stability.maps,
      pearson: stability.pearson,
      topOverlap: stability.topOverlap,
    }
  );
}

/** `r 0.91 (min 0.85), top-10% IoU 0.72 (min 0.60), 3 maps` */
export function describeMapAgreement(agreement: MapAgreement): string {
  const { pearson, topOverlap, maps } = agreement;
  return `r ${pearson.mean.toFixed(2)} (min ${pearson.min.toFixed(2)}), top-10% IoU ${topOverlap.mean.toFixed(2)} (min ${topOverlap.min.toFixed(2)}), ${maps} maps`;
}
