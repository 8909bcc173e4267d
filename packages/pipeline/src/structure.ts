// The structure check's outcome as runs and `gsa datasets inspect` report it:
// the numbers without the per-pixel images, and one line of text.
import type { StructureCheck, StructureVerdict } from '@gsa/data';

/** What summary.json and `gsa datasets inspect --json` hold of a structure check. */
export interface StructureSummary {
  images: number;
  verdict: StructureVerdict;
  advice: string;
  /** Length of the images' displacements from the mean: pixels, and fractions of the side. */
  shift: StructureCheck['shift'];
  /** Pearson correlation of the images with the mean. */
  correlation: StructureCheck['correlation'];
}

export function summarizeStructure(check: StructureCheck): StructureSummary {
  const { images, verdict, advice, shift, correlation } = check;
  return { images, verdict, advice, shift, correlation };
}

/** E.g. `roughly aligned (median shift 4.7 px, 4.6% of the side; 90% within 11.9 px, 11.6%; correlation with the mean 0.68, 10-90%: 0.44-0.81)`. */
export function describeStructure(summary: StructureSummary): string {
  const { shift, correlation } = summary;
  const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;
  return (
    `${summary.verdict} (median shift ${shift.median.toFixed(1)} px, ${percent(shift.medianFraction)} of the side; ` +
    `90% within ${shift.p90.toFixed(1)} px, ${percent(shift.p90Fraction)}; correlation with the mean ` +
    `${correlation.median.toFixed(2)}, 10-90%: ${correlation.p10.toFixed(2)}-${correlation.p90.toFixed(2)})`
  );
}
