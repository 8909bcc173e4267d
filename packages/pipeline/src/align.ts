// `align: 'translate'` of a run: the training images registered to their mean
// (the reference), then every image of the run moved onto it. `train()` and
// the benchmarks call this; evaluation and prediction use the reference the
// model keeps (@gsa/data's alignImageSet and alignImage).
import {
  alignImageSet,
  alignmentReference,
  type AlignmentReference,
  type ImageSet,
} from '@gsa/data';
import type { RunSplit } from './split.js';

export interface RunAlignment {
  /** The run's images, the training and test ones aligned (a new tensor: the caller disposes it). */
  set: ImageSet;
  reference: AlignmentReference;
  /** `[dy, dx]` in pixels per image of `indices`, in that order. */
  shifts: Float32Array;
  indices: number[];
}

export async function alignRun(set: ImageSet, split: RunSplit): Promise<RunAlignment> {
  const reference = await alignmentReference(set, split.train);
  const indices = [...split.train, ...split.test];
  const aligned = await alignImageSet(set, reference, indices);
  return { set: aligned.set, reference, shifts: aligned.shifts, indices };
}
