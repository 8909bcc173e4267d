// Translation alignment (`--align translate`): the training images are
// registered to their mean; that registered mean, on a small grid, is the
// reference every image is then moved onto: training and test images when
// training, new images when evaluating or predicting (the reference travels
// with the model). One path for all, so test images are aligned exactly as
// the images of a deployed model's users will be.
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../types.js';
import { DataError } from '../errors.js';
import { resizeArea } from '../preprocess/resize-area.js';
import { PhaseCorrelator } from './phase-correlation.js';
import { forEachImage, greyOf, gridImages } from './read-images.js';
import { registerTranslations, shiftImage } from './register.js';
import { analysisGrid } from './structure.js';

/** What images are aligned to: the registered mean of the training images on a grid x grid. */
export interface AlignmentReference {
  method: 'translate';
  /** Size of the images it was made from (shifts are scaled to it). */
  height: number;
  width: number;
  grid: number;
  /** Row-major grid x grid. */
  mean: number[];
}

/** Iterations of registration (each removes most of the estimate's pull towards zero). */
const ITERATIONS = 3;

/**
 * Registers `indices` (the training images) to their mean and returns that
 * registered mean as the reference to align every image to.
 */
export async function alignmentReference(
  set: ImageSet,
  indices: readonly number[],
  options: { analysisSize?: number } = {},
): Promise<AlignmentReference> {
  if (indices.length < 2)
    throw new DataError(`alignment needs at least 2 training images, got ${indices.length}`);
  const { height, width } = set.metadata;
  const grid = analysisGrid(height, width, options.analysisSize ?? 64);
  const cells = grid * grid;
  const small = await gridImages(set, indices, grid);
  const { shifts } = registerTranslations(small, indices.length, grid, ITERATIONS);
  const mean = new Float64Array(cells);
  const moved = new Float32Array(cells);
  for (let i = 0; i < indices.length; i++) {
    shiftImage(
      small.subarray(i * cells, (i + 1) * cells),
      grid,
      grid,
      -shifts[2 * i]!,
      -shifts[2 * i + 1]!,
      moved,
    );
    for (let p = 0; p < cells; p++) mean[p] = mean[p]! + moved[p]! / indices.length;
  }
  return {
    method: 'translate',
    height,
    width,
    grid,
    mean: Array.from(mean, (v) => Math.fround(v)),
  };
}

/**
 * Measures one image's shift from a reference: `[dy, dx]` in pixels of the
 * image (`image(y, x) ~ reference(y - dy, x - dx)`), by phase correlation
 * iterated on the reference's grid. One per pass: it keeps its scratch buffers.
 */
class ReferenceShift {
  private readonly correlator: PhaseCorrelator;
  private readonly grey: Float32Array;
  private readonly scratch: Float32Array;

  constructor(
    private readonly reference: AlignmentReference,
    private readonly channels: number,
  ) {
    const { grid, height, width } = reference;
    this.correlator = new PhaseCorrelator(reference.mean, grid, grid);
    this.grey = new Float32Array(height * width);
    this.scratch = new Float32Array(grid * grid);
  }

  of(values: ArrayLike<number>, offset: number): [number, number] {
    const { height, width, grid } = this.reference;
    greyOf(values, offset, height * width, this.channels, this.grey);
    const small = resizeArea(
      this.grey,
      { height, width, channels: 1 },
      { height: grid, width: grid },
    );
    const [dy, dx] = shiftOnGrid(this.correlator, small, this.scratch);
    return [dy * (height / grid), dx * (width / grid)];
  }
}

/**
 * A copy of `set` (images in memory) with each image of `indices` moved by
 * minus its shift onto the reference (bilinear, edges repeated); the other
 * images are as they were. Returns the shifts with it (`[dy, dx]` per image of
 * `indices`, in pixels). One pass over the images.
 */
export async function alignImageSet(
  set: ImageSet,
  reference: AlignmentReference,
  indices: readonly number[],
): Promise<{ set: ImageSet; shifts: Float32Array }> {
  checkReference(set, reference);
  const { height, width, channels } = set.metadata;
  const count = set.labels.length;
  const size = height * width * channels;
  const out = new Float32Array(count * size);
  const shifts = new Float32Array(indices.length * 2);
  const position = new Map(indices.map((index, i) => [index, i]));
  const measure = new ReferenceShift(reference, channels);
  await forEachImage(
    set,
    Array.from({ length: count }, (_, index) => index),
    (index, values, offset) => {
      const target = out.subarray(index * size, (index + 1) * size);
      const image = toSubarray(values, offset, size);
      const i = position.get(index);
      if (i === undefined) {
        target.set(image);
        return;
      }
      [shifts[2 * i], shifts[2 * i + 1]] = measure.of(values, offset);
      shiftImage(image, height, width, -shifts[2 * i]!, -shifts[2 * i + 1]!, target, channels);
    },
  );
  return {
    set: { ...set, images: tf.tensor4d(out, [count, height, width, channels]) },
    shifts,
  };
}

/** One image (HWC values) moved onto the reference: a new deployed model's input, say. */
export function alignImage(
  values: Float32Array,
  reference: AlignmentReference,
  channels: number,
): { values: Float32Array; dy: number; dx: number } {
  const { height, width } = reference;
  if (values.length !== height * width * channels)
    throw new DataError(
      `an image of ${values.length} values does not fit the alignment reference (${height}x${width}x${channels})`,
    );
  const [dy, dx] = new ReferenceShift(reference, channels).of(values, 0);
  return {
    values: shiftImage(values, height, width, -dy, -dx, new Float32Array(values.length), channels),
    dy,
    dx,
  };
}

/**
 * A grid image's shift from the correlator's reference, in grid pixels:
 * estimated, the image moved back, the residual added, ITERATIONS times.
 */
function shiftOnGrid(
  correlator: PhaseCorrelator,
  image: Float32Array,
  scratch: Float32Array,
): [number, number] {
  const { height, width } = correlator;
  let [dy, dx] = [0, 0];
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const residual = correlator.displacement(
      iteration === 0 ? image : shiftImage(image, height, width, -dy, -dx, scratch),
    );
    dy += residual.dy;
    dx += residual.dx;
  }
  return [dy, dx];
}

function checkReference(set: ImageSet, reference: AlignmentReference): void {
  const { height, width } = set.metadata;
  if (reference.height !== height || reference.width !== width)
    throw new DataError(
      `the alignment reference was made from ${reference.height}x${reference.width} images, these are ${height}x${width}`,
    );
  if (reference.mean.length !== reference.grid * reference.grid)
    throw new DataError(
      `the alignment reference holds ${reference.mean.length} values for a ${reference.grid}x${reference.grid} grid`,
    );
}

function toSubarray(values: ArrayLike<number>, offset: number, size: number): ArrayLike<number> {
  return ArrayBuffer.isView(values)
    ? (values as Float32Array).subarray(offset, offset + size)
    : Array.prototype.slice.call(values, offset, offset + size);
}
