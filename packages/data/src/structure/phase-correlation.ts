// Phase correlation: the translation between two images from the phase of
// their cross-power spectrum (Kuglin & Hines 1975). Both are standardised and
// Tukey-windowed first, so borders and brightness do not pull the peak; the
// whitened spectrum is low-passed, so the coarse layout decides, not texture.
import { Fft2d } from './fft.js';

/** A translation in pixels: `image(y, x) ~ reference(y - dy, x - dx)`. */
export interface Displacement {
  dy: number;
  dx: number;
  /** Height of the correlation peak, about 1 for a pure shift and near 0 for unrelated images. */
  peak: number;
}

/** A reference image, transformed once, against which images are registered. */
export class PhaseCorrelator {
  private readonly fft: Fft2d;
  private readonly window: Float64Array;
  private readonly lowPass: Float64Array;
  private readonly referenceRe: Float64Array;
  private readonly referenceIm: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  /** `reference` is row-major height x width; both must be powers of two. */
  constructor(
    reference: ArrayLike<number>,
    readonly height: number,
    readonly width: number,
  ) {
    this.fft = new Fft2d(height, width);
    this.window = tukeyWindow(height, width);
    this.lowPass = gaussianLowPass(height, width);
    this.referenceRe = new Float64Array(height * width);
    this.referenceIm = new Float64Array(height * width);
    this.prepare(reference, this.referenceRe, this.referenceIm);
    this.re = new Float64Array(height * width);
    this.im = new Float64Array(height * width);
  }

  /** Where `image` (same grid as the reference) sits relative to the reference. */
  displacement(image: ArrayLike<number>): Displacement {
    const { height, width, re, im, referenceRe, referenceIm } = this;
    this.prepare(image, re, im);
    // Normalised cross-power spectrum F(image) * conj(F(reference)) / |...|.
    for (let i = 0; i < re.length; i++) {
      const a = re[i]!;
      const b = im[i]!;
      const c = referenceRe[i]!;
      const d = -referenceIm[i]!;
      const pr = a * c - b * d;
      const pi = a * d + b * c;
      // Whitened, then low-passed: the phase of every frequency counts alike,
      // but the high ones (where noise outweighs a smooth image) only a little,
      // which also makes the peak a smooth bump to interpolate.
      const weight = this.lowPass[i]! / (Math.sqrt(pr * pr + pi * pi) + 1e-12);
      re[i] = pr * weight;
      im[i] = pi * weight;
    }
    this.fft.transform(re, im, true);
    let best = 0;
    for (let i = 1; i < re.length; i++) if (re[i]! > re[best]!) best = i;
    const py = Math.floor(best / width);
    const px = best % width;
    const at = (y: number, x: number) =>
      re[((y + height) % height) * width + ((x + width) % width)]!;
    const dy = py + subpixel(at(py - 1, px), at(py, px), at(py + 1, px));
    const dx = px + subpixel(at(py, px - 1), at(py, px), at(py, px + 1));
    return { dy: wrap(dy, height), dx: wrap(dx, width), peak: re[best]! };
  }

  private prepare(image: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const n = this.height * this.width;
    if (image.length !== n)
      throw new RangeError(
        `expected ${this.height}x${this.width} = ${n} values, got ${image.length}`,
      );
    let mean = 0;
    for (let i = 0; i < n; i++) mean += image[i]!;
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (image[i]! - mean) ** 2;
    const scale = 1 / (Math.sqrt(variance / n) + 1e-12);
    for (let i = 0; i < n; i++) {
      re[i] = (image[i]! - mean) * scale * this.window[i]!;
      im[i] = 0;
    }
    this.fft.transform(re, im);
  }
}

/**
 * The peak's offset from its sample, from the three samples around it: a
 * Gaussian through them (exact for the low-passed peak), a parabola where a
 * neighbour is not positive.
 */
function subpixel(before: number, peak: number, after: number): number {
  const [a, b, c] =
    before > 0 && after > 0 && peak > 0
      ? [Math.log(before), Math.log(peak), Math.log(after)]
      : [before, peak, after];
  const curvature = a - 2 * b + c;
  if (curvature >= 0) return 0;
  return Math.max(-0.5, Math.min(0.5, (a - c) / (2 * curvature)));
}

/**
 * exp(-f^2 / (2 s^2)) over the frequencies f in cycles per image, s = 4: the
 * layout (a face, a chest, a fundus) lives in the first few cycles, while the
 * texture inside it differs from image to image. Measured on ORL faces and
 * PneumoniaMNIST, wider passes let texture pull the peak; narrower ones blur
 * the layout (see the data README).
 */
function gaussianLowPass(height: number, width: number): Float64Array {
  const weights = new Float64Array(height * width);
  const sigma = LOW_PASS_CYCLES;
  for (let y = 0; y < height; y++) {
    const fy = y <= height / 2 ? y : y - height;
    for (let x = 0; x < width; x++) {
      const fx = x <= width / 2 ? x : x - width;
      weights[y * width + x] = Math.exp(-(fy * fy + fx * fx) / (2 * sigma * sigma));
    }
  }
  return weights;
}

const LOW_PASS_CYCLES = 4;

/** A cyclic index as a signed shift in (-size/2, size/2]. */
function wrap(value: number, size: number): number {
  return value > size / 2 ? value - size : value;
}

/** A Tukey window: flat in the middle, a cosine taper over the outer quarter on each side. */
function tukeyWindow(height: number, width: number): Float64Array {
  const taper = (i: number, n: number) => {
    const t = (i + 0.5) / n;
    const edge = Math.min(t, 1 - t) / 0.25;
    return edge >= 1 ? 1 : 0.5 - 0.5 * Math.cos(Math.PI * edge);
  };
  const window = new Float64Array(height * width);
  for (let y = 0; y < height; y++) {
    const wy = taper(y, height);
    for (let x = 0; x < width; x++) window[y * width + x] = wy * taper(x, width);
  }
  return window;
}
