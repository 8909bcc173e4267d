import { colormapIndex, colormapTable } from './colormap.js';
import {
  checkDomain,
  colormapPosition,
  normalizeMap,
  valueRange,
  type HeatmapOptions,
} from './heatmap.js';
import {
  checkImageArray,
  checkScalarMap,
  checkScale,
  createRgbaImage,
  upscaleNearest,
  type ImageArray,
  type RgbaImage,
  type ScalarMap,
} from './image.js';

export interface ImageToRgbaOptions {
  /**
   * The values shown as black and white. Default: the image's own min and max,
   * which also undoes ImageNet standardisation well enough to look at.
   */
  domain?: readonly [number, number];
  scale?: number;
}

/** An image array as opaque RGBA (grey images get R = G = B). */
export function imageToRgba(image: ImageArray, options: ImageToRgbaOptions = {}): RgbaImage {
  checkImageArray(image);
  checkDomain(options.domain);
  const scale = checkScale(options.scale);
  const [low, high] = options.domain ?? valueRange(image.values);
  const span = high - low;
  const out = createRgbaImage(image.width, image.height);
  const pixels = image.height * image.width;
  for (let pixel = 0; pixel < pixels; pixel++) {
    for (let channel = 0; channel < 3; channel++) {
      const value = image.values[pixel * image.channels + (image.channels === 1 ? 0 : channel)]!;
      const t = span > 0 ? (value - low) / span : 0;
      out.data[pixel * 4 + channel] = Math.round(Math.min(1, Math.max(0, t)) * 255);
    }
    out.data[pixel * 4 + 3] = 255;
  }
  return upscaleNearest(out, scale);
}

/**
 * The pixel-wise mean of N images stored as `[N, height, width, channels]`
 * (the training set as tfjs holds it): the backdrop the paper draws its map on.
 */
export function meanImage(
  images: ArrayLike<number>,
  shape: readonly [count: number, height: number, width: number, channels: 1 | 3],
): ImageArray {
  const [count, height, width, channels] = shape;
  const size = height * width * channels;
  if (images.length !== count * size || count < 1) {
    throw new RangeError(
      `expected ${count}*${height}*${width}*${channels} values, got ${images.length}`,
    );
  }
  const sum = new Float64Array(size);
  for (let image = 0; image < count; image++) {
    const offset = image * size;
    for (let index = 0; index < size; index++) sum[index]! += images[offset + index]!;
  }
  return { height, width, channels, values: Float32Array.from(sum, (total) => total / count) };
}

/**
 * Bilinear resampling with aligned pixel centres (as `tf.image.resizeBilinear`
 * with `halfPixelCenters`): brings a coarse Grad-CAM map to the image's size.
 */
export function resizeMap(map: ScalarMap, height: number, width: number): ScalarMap {
  checkScalarMap(map);
  if (map.height === height && map.width === width) return map;
  const values = new Float32Array(height * width);
  const source = (size: number, target: number, position: number): [number, number, number] => {
    const exact = Math.min(size - 1, Math.max(0, ((position + 0.5) * size) / target - 0.5));
    const lower = Math.floor(exact);
    return [lower, Math.min(size - 1, lower + 1), exact - lower];
  };
  for (let y = 0; y < height; y++) {
    const [y0, y1, fy] = source(map.height, height, y);
    for (let x = 0; x < width; x++) {
      const [x0, x1, fx] = source(map.width, width, x);
      const at = (row: number, column: number) => map.values[row * map.width + column]!;
      const top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx;
      const bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx;
      values[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return { height, width, values };
}

export interface OverlayOptions extends HeatmapOptions {
  /** Opacity of the colormap over the image, in [0,1]. Default 0.5. */
  opacity?: number;
  /**
   * Multiply the opacity by the normalised importance, so unimportant pixels
   * show the image untouched. Default false (uniform opacity).
   */
  opacityFollowsImportance?: boolean;
  /** How the base image is brought to 0..255 (default: its own min-max). */
  imageDomain?: readonly [number, number];
}

/** An opacity option (`name` says which): a number in [0, 1], default 0.5. */
export function checkOpacity(opacity: number | undefined, name = 'opacity'): number {
  if (opacity === undefined) return 0.5;
  if (typeof opacity !== 'number' || !(opacity >= 0 && opacity <= 1)) {
    throw new RangeError(
      `${name} must be a number from 0 (image only) to 1 (map only), got ${String(opacity)}`,
    );
  }
  return opacity;
}

/**
 * The map, coloured, blended over an image (the mean training image, or any
 * single image): out = (1 - a) * image + a * colour, rounded. A map of another
 * size is resized bilinearly to the image first.
 */
export function overlayHeatmap(
  image: ImageArray,
  map: ScalarMap,
  options: OverlayOptions = {},
): RgbaImage {
  const opacity = checkOpacity(options.opacity);
  const scale = checkScale(options.scale);
  checkDomain(options.imageDomain, 'imageDomain');
  const base = imageToRgba(image, { domain: options.imageDomain });
  const fitted = resizeMap(map, image.height, image.width);
  const normalized = normalizeMap(fitted, options);
  const table = colormapTable(options.colormap ?? 'viridis');
  const darker = options.darkerIsMoreImportant ?? false;
  for (let pixel = 0; pixel < normalized.length; pixel++) {
    const t = normalized[pixel]!;
    if (Number.isNaN(t)) continue;
    const alpha = options.opacityFollowsImportance ? opacity * t : opacity;
    const entry = colormapIndex(colormapPosition(t, darker)) * 3;
    for (let channel = 0; channel < 3; channel++) {
      const offset = pixel * 4 + channel;
      base.data[offset] = Math.round(
        (1 - alpha) * base.data[offset]! + alpha * table[entry + channel]!,
      );
    }
  }
  return upscaleNearest(base, scale);
}
