// Turns a list of image files into preprocessed pixels: all at once into a
// tensor, or lazily. Every file is decoded before anything is returned (lazy
// loads decode each once and drop the pixels): a corrupt or truncated file, a
// crop that does not fit or mixed sizes fail the whole load.
import * as tf from '@tensorflow/tfjs-core';
import { mapLimit } from '../concurrency.js';
import { decodeImage } from '../decode/decode.js';
import { DataError } from '../errors.js';
import {
  assertSameSize,
  checkedCrop,
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

/** How files become pixels: decodeImage by default; DICOM and NIfTI bring their own. */
export interface ImageReader {
  decode(file: string): Promise<RawImage>;
}

const IMAGE_FILES: ImageReader = { decode: decodeImage };

export interface LoadedPixels {
  readonly images: tf.Tensor4D | LazyImages;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

function outputSize(
  image: { width: number; height: number; channels: number },
  options: PreprocessOptions,
  name: string,
): { height: number; width: number; channels: number } {
  const crop = checkedCrop(image, options, name);
  const [height, width] =
    options.size === undefined
      ? [crop.height, crop.width]
      : typeof options.size === 'number'
        ? [options.size, options.size]
        : options.size;
  const wanted = options.channels ?? 'keep';
  return { height, width, channels: wanted === 'keep' ? image.channels : wanted };
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
    // Decode every file once now, keeping only its size, so that a corrupt or
    // truncated file (whose header alone may look fine), a crop that does not
    // fit or mixed sizes fail here, not mid-training. At most `concurrency`
    // decoded images are held at once.
    const sizes = await mapLimit(entries, concurrency, async (entry) => ({
      name: entry.file,
      ...outputSize(await reader.decode(entry.file), options, entry.file),
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
