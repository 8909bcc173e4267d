// The paper's preprocessing, per image: crop, optional horizontal flip,
// resize (INTER_AREA), channel conversion, scale to [0, 1], standardise.
import * as tf from '@tensorflow/tfjs-core';
import { DataError, listSome } from '../errors.js';
import type { PixelArray, PreprocessingSummary, RawImage } from '../types.js';
import { resizeAreaView } from './resize-area.js';

/** ImageNet channel means and standard deviations (RGB, on [0, 1] pixels). */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

/** A rectangle in source pixels. */
export interface CropRect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface PreprocessOptions {
  /** Pixels to keep, in source coordinates; a function gets each image's size (e.g. IDRiD's crop scales with it). */
  readonly crop?: CropRect | ((image: { width: number; height: number }) => CropRect);
  /** Resize with INTER_AREA to this size: a square side or [height, width]. Default: keep. */
  readonly size?: number | readonly [number, number];
  /** Divide by the format's maximum (255, 65535) to get [0, 1]. Default true. */
  readonly scale?: boolean;
  /** Standardise per channel after scaling: 'imagenet' or your own mean/std. Default: none. */
  readonly normalize?:
    'imagenet' | { readonly mean: readonly number[]; readonly std: readonly number[] } | false;
  /** 'keep' (default), 3 (grey repeated to RGB, for ImageNet backbones) or 1 (RGB to grey, BT.601 as OpenCV). */
  readonly channels?: 'keep' | 1 | 3;
  /** For tensor input only: the value that scales to 1. Default 255. */
  readonly maxValue?: number;
}

/** As in the paper: 224x224 (INTER_AREA), [0, 1], ImageNet mean/std, 3 channels. */
export const PAPER_PREPROCESSING: PreprocessOptions = Object.freeze({
  size: 224,
  scale: true,
  normalize: 'imagenet',
  channels: 3,
});

/** Preprocessed pixels of one image, HWC float32. */
export interface ProcessedImage {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

function targetSize(size: PreprocessOptions['size']): [number, number] | undefined {
  if (size === undefined) return undefined;
  const [height, width] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new DataError(`size must be positive integers, got ${String(size)}`, String(size));
  }
  return [height, width];
}

function normalization(
  options: PreprocessOptions,
): { mean: readonly number[]; std: readonly number[] } | undefined {
  const { normalize } = options;
  if (normalize === undefined || normalize === false) return undefined;
  const stats = normalize === 'imagenet' ? { mean: IMAGENET_MEAN, std: IMAGENET_STD } : normalize;
  if (stats.mean.length !== stats.std.length || stats.mean.length === 0) {
    throw new DataError(
      `normalize needs as many means as standard deviations, got ${stats.mean.length} and ${stats.std.length}`,
    );
  }
  if (stats.std.some((value) => !(value > 0))) {
    throw new DataError(`normalize: every std must be positive, got [${stats.std.join(', ')}]`);
  }
  return stats;
}

/** Checks the options once, before any file is read. */
export function validatePreprocessOptions(options: PreprocessOptions): void {
  targetSize(options.size);
  normalization(options);
  const { channels } = options;
  if (channels !== undefined && channels !== 'keep' && channels !== 1 && channels !== 3) {
    throw new DataError(
      `channels must be 'keep', 1 or 3, got ${String(channels)}`,
      String(channels),
    );
  }
}

/** A short description of the preprocessing, for ImageSet metadata. */
export function summarizePreprocessing(options: PreprocessOptions): PreprocessingSummary {
  const size = targetSize(options.size);
  const normalize = normalization(options);
  const { crop } = options;
  return {
    ...(crop === undefined
      ? {}
      : {
          crop:
            typeof crop === 'function'
              ? 'per image'
              : `left ${crop.left}, top ${crop.top}, ${crop.width}x${crop.height}`,
        }),
    ...(size === undefined ? {} : { size }),
    scaled: options.scale ?? true,
    ...(normalize === undefined ? {} : { normalize }),
    channels: options.channels ?? 'keep',
  };
}

/**
 * Preprocesses one decoded image. `flip` mirrors it horizontally after the
 * crop, before the resize. `name` labels errors.
 */
export function preprocessImage(
  image: RawImage,
  options: PreprocessOptions = {},
  flip = false,
  name = 'image',
): ProcessedImage {
  const { width, height, channels } = image;
  if (image.data.length !== width * height * channels) {
    throw new DataError(
      `${name}: ${image.data.length} values do not make a ${height}x${width}x${channels} image`,
      name,
    );
  }
  const view = checkedCrop(image, options, name);
  const [outHeight, outWidth] = targetSize(options.size) ?? [view.height, view.width];
  // Mirror the cropped source, then resize: always what flip-then-resize gives.
  // (Mirroring the resized pixels instead is wrong when INTER_AREA enlarges an
  // axis: its interpolation is not symmetric about the centre.)
  let data = flip
    ? resizeAreaView(
        { ...mirroredView(image.data, width, view, channels), channels },
        outHeight,
        outWidth,
      )
    : resizeAreaView({ data: image.data, stride: width, ...view, channels }, outHeight, outWidth);

  const wanted = options.channels ?? 'keep';
  let outChannels = channels;
  if (wanted === 3 && channels === 1) {
    data = repeatChannels(data, 3);
    outChannels = 3;
  } else if (wanted === 1 && channels === 3) {
    data = toGrey(data);
    outChannels = 1;
  }

  const scale = (options.scale ?? true) ? 1 / image.maxValue : 1;
  const stats = normalization(options);
  if (stats !== undefined && stats.mean.length !== outChannels && stats.mean.length !== 1) {
    throw new DataError(
      `${name}: normalize has ${stats.mean.length} channel statistics but the image has ${outChannels} channel(s); ` +
        (outChannels === 1
          ? 'use channels: 3 to repeat grey images for ImageNet statistics'
          : 'give one per channel'),
      name,
    );
  }
  if (scale !== 1 || stats !== undefined) {
    // One multiply-add per value: (v * scale - mean) / std = v * a + b.
    const a = new Float64Array(outChannels);
    const b = new Float64Array(outChannels);
    for (let c = 0; c < outChannels; c++) {
      const k = stats === undefined ? 0 : stats.mean.length === 1 ? 0 : c;
      const mean = stats?.mean[k] ?? 0;
      const std = stats?.std[k] ?? 1;
      a[c] = scale / std;
      b[c] = -mean / std;
    }
    for (let i = 0; i < data.length; i += outChannels) {
      for (let c = 0; c < outChannels; c++) data[i + c] = data[i + c]! * a[c]! + b[c]!;
    }
  }
  return { data, height: outHeight, width: outWidth, channels: outChannels };
}

/**
 * The crop of `image` that `options` asks for (the whole image by default),
 * checked to fit: a DataError naming `name` otherwise.
 */
export function checkedCrop(
  image: { readonly width: number; readonly height: number },
  options: PreprocessOptions,
  name: string,
): CropRect {
  const { width, height } = image;
  const crop = typeof options.crop === 'function' ? options.crop({ width, height }) : options.crop;
  const view = crop ?? { left: 0, top: 0, width, height };
  if (
    !Number.isInteger(view.left) ||
    !Number.isInteger(view.top) ||
    !Number.isInteger(view.width) ||
    !Number.isInteger(view.height) ||
    view.left < 0 ||
    view.top < 0 ||
    view.width < 1 ||
    view.height < 1 ||
    view.left + view.width > width ||
    view.top + view.height > height
  ) {
    throw new DataError(
      `${name}: crop (left ${view.left}, top ${view.top}, ${view.width}x${view.height}) does not fit the ${width}x${height} image`,
      name,
    );
  }
  return view;
}

/** The `view` rectangle of an image (rows of `stride` pixels), mirrored horizontally, as a whole image. */
function mirroredView(
  data: PixelArray,
  stride: number,
  view: CropRect,
  channels: number,
): { data: PixelArray; stride: number; left: 0; top: 0; width: number; height: number } {
  const { left, top, width, height } = view;
  const out = new (data.constructor as new (length: number) => PixelArray)(
    width * height * channels,
  );
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = ((top + y) * stride + left + x) * channels;
      const to = (y * width + (width - 1 - x)) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = data[from + c]!;
    }
  }
  return { data: out, stride: width, left: 0, top: 0, width, height };
}

function repeatChannels(data: Float32Array, times: number): Float32Array {
  const out = new Float32Array(data.length * times);
  for (let i = 0; i < data.length; i++) out.fill(data[i]!, i * times, (i + 1) * times);
  return out;
}

function toGrey(data: Float32Array): Float32Array {
  const out = new Float32Array(data.length / 3);
  for (let i = 0; i < out.length; i++) {
    out[i] = 0.299 * data[3 * i]! + 0.587 * data[3 * i + 1]! + 0.114 * data[3 * i + 2]!;
  }
  return out;
}

/** One image's name and size, for the mixed-size check. */
export interface SizedName {
  readonly name: string;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * Throws a DataError listing the files whose size differs from the most common
 * one: structured images must share one size after preprocessing.
 */
export function assertSameSize(images: readonly SizedName[]): void {
  const bySize = new Map<string, string[]>();
  for (const image of images) {
    const key = `${image.height}x${image.width}x${image.channels}`;
    const names = bySize.get(key) ?? [];
    names.push(image.name);
    bySize.set(key, names);
  }
  if (bySize.size <= 1) return;
  const sizes = [...bySize.entries()].sort((a, b) => b[1].length - a[1].length);
  const [common, commonNames] = sizes[0]!;
  const spatial = new Set(images.map((image) => `${image.height}x${image.width}`));
  const depths = new Set(images.map((image) => image.channels));
  const hint = [
    ...(spatial.size > 1 ? ['pass size to resize them all'] : []),
    ...(depths.size > 1
      ? ['pass channels: 3 (or 1) to give grey and colour images one channel count']
      : []),
  ].join(' and ');
  const odd = sizes.slice(1).flatMap(([, names]) => names);
  const details = sizes
    .slice(1)
    .map(([size, names]) => `${size} (HxWxC): ${listSome(names, 5)}`)
    .join('; ');
  throw new DataError(
    `images differ in size after preprocessing: ${commonNames.length} are ${common} (HxWxC) but ${odd.length} differ: ${details}. Structured images must share one size: ${hint}.`,
    odd[0],
    { problem: 'mixed-sizes' },
  );
}

/**
 * Preprocesses decoded images, or a [N, H, W, C] tensor of pixel values (scaled
 * by `options.maxValue`, default 255), into one float32 [N, H, W, C] tensor.
 * `names` label errors (mixed sizes, crops that do not fit).
 */
export function preprocessImages(
  images: tf.Tensor4D | readonly RawImage[],
  options: PreprocessOptions = {},
  names?: readonly string[],
): tf.Tensor4D {
  validatePreprocessOptions(options);
  let raws: RawImage[];
  if (images instanceof tf.Tensor) {
    const [n, height, width, channels] = images.shape;
    const all = images.dataSync() as PixelArray;
    const maxValue = options.maxValue ?? 255;
    const length = height * width * channels;
    raws = Array.from({ length: n }, (_, i) => ({
      data: Float32Array.from(all.subarray(i * length, (i + 1) * length)),
      width,
      height,
      channels,
      maxValue,
    }));
  } else {
    raws = [...images];
  }
  if (raws.length === 0) throw new DataError('preprocessImages: no images');
  const nameOf = (i: number): string => names?.[i] ?? `image ${i}`;
  const processed = raws.map((raw, i) => preprocessImage(raw, options, false, nameOf(i)));
  assertSameSize(processed.map((image, i) => ({ ...image, name: nameOf(i) })));
  const { height, width, channels } = processed[0]!;
  const length = height * width * channels;
  const out = new Float32Array(processed.length * length);
  processed.forEach((image, i) => out.set(image.data, i * length));
  return tf.tensor4d(out, [processed.length, height, width, channels], 'float32');
}
