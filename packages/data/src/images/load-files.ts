// Turns a list of image files into preprocessed pixels: all at once into a
// tensor, or lazily. Every file is checked before anything is returned: a
// corrupt file, a crop that does not fit or mixed sizes fail the whole load.
import * as tf from '@tensorflow/tfjs-core';
import { mapLimit } from '../concurrency.js';
import { decodeImage, readImageHeader } from '../decode/decode.js';
import { DataError } from '../errors.js';
import {
  assertSameSize,
  preprocessImage,
  validatePreprocessOptions,
  type PreprocessOptions,
} from '../preprocess/preprocess.js';
import type { LazyImages, RawImage } from '../types.js';
import { lazyImages } from './lazy-images.js';

/** How a loader reads its images: preprocessing plus eager or lazy loading. */
export interface LoadOptions extends PreprocessOptions {
  /** Decode on demand with a bounded cache (for sets larger than memory): true or { cacheSize } in images. */
  readonly lazy?: boolean | { readonly cacheSize?: number };
  /** Files decoded at once. Default 4. */
  readonly concurrency?: number;
}

/** One image file to load. */
export interface FileEntry {
  readonly file: string;
  /** Mirror horizontally after cropping (IDRiD right eyes). */
  readonly flip?: boolean;
}

/** How files become pixels: decodeImage/readImageHeader by default; DICOM and NIfTI bring their own. */
export interface ImageReader {
  decode(file: string): Promise<RawImage>;
  /** Size without decoding the pixels where possible (lazy loading reads every header up front). */
  header(file: string): Promise<{ width: number; height: number; channels: number }>;
}

const IMAGE_FILES: ImageReader = { decode: decodeImage, header: readImageHeader };

export interface LoadedPixels {
  readonly images: tf.Tensor4D | LazyImages;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

function outputSize(
  header: { width: number; height: number; channels: number },
  options: PreprocessOptions,
): { height: number; width: number; channels: number } {
  const crop = typeof options.crop === 'function' ? options.crop(header) : options.crop;
  const [height, width] =
    options.size === undefined
      ? [crop?.height ?? header.height, crop?.width ?? header.width]
      : typeof options.size === 'number'
        ? [options.size, options.size]
        : options.size;
  const wanted = options.channels ?? 'keep';
  return { height, width, channels: wanted === 'keep' ? header.channels : wanted };
}

/** Decodes and preprocesses `entries` (eagerly into one tensor, or lazily). */
export async function loadFiles(
  entries: readonly FileEntry[],
  options: LoadOptions = {},
  reader: ImageReader = IMAGE_FILES,
): Promise<LoadedPixels> {
  validatePreprocessOptions(options);
  if (entries.length === 0) throw new DataError('no image files to load');
  const concurrency = options.concurrency ?? 4;
  const process = async (entry: FileEntry): Promise<Float32Array> =>
    preprocessImage(await reader.decode(entry.file), options, entry.flip ?? false, entry.file).data;

  if (options.lazy) {
    // Read every header now so that mixed sizes and bad files fail here, not mid-training.
    const sizes = await mapLimit(entries, concurrency * 2, async (entry) => ({
      name: entry.file,
      ...outputSize(await reader.header(entry.file), options),
    }));
    assertSameSize(sizes);
    const { height, width, channels } = sizes[0]!;
    const cacheSize = typeof options.lazy === 'object' ? options.lazy.cacheSize : undefined;
    const images = lazyImages(
      entries.length,
      [height, width, channels],
      (i) => process(entries[i]!),
      {
        ...(cacheSize === undefined ? {} : { cacheSize }),
        concurrency,
        nameOf: (i) => entries[i]!.file,
      },
    );
    return { images, height, width, channels };
  }

  // Eager: fill one buffer sized by the first image; remember odd sizes to list them all.
  let buffer: Float32Array | undefined;
  let shape: [number, number, number] | undefined;
  const sizes: { name: string; height: number; width: number; channels: number }[] = [];
  let mismatch = false;
  await mapLimit(entries, concurrency, async (entry, i) => {
    const image = preprocessImage(
      await reader.decode(entry.file),
      options,
      entry.flip ?? false,
      entry.file,
    );
    sizes[i] = {
      name: entry.file,
      height: image.height,
      width: image.width,
      channels: image.channels,
    };
    if (shape === undefined) {
      shape = [image.height, image.width, image.channels];
      buffer = new Float32Array(entries.length * image.data.length);
    }
    if (image.height !== shape[0] || image.width !== shape[1] || image.channels !== shape[2]) {
      mismatch = true;
      return;
    }
    if (!mismatch) buffer!.set(image.data, i * image.data.length);
  });
  if (mismatch) assertSameSize(sizes);
  const [height, width, channels] = shape!;
  return {
    images: tf.tensor4d(buffer!, [entries.length, height, width, channels], 'float32'),
    height,
    width,
    channels,
  };
}
