import type { Tensor4D } from '@tensorflow/tfjs-core';

/** Pixel values as decoded: 8-bit, 16-bit, or float (already processed). */
export type PixelArray = Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array;

/**
 * One decoded image: interleaved pixels, row by row (HWC), values in
 * [0, maxValue] (255 for 8-bit files, 65535 for 16-bit, a PGM's maxval).
 */
export interface RawImage {
  readonly data: PixelArray;
  readonly width: number;
  readonly height: number;
  /** 1 (grey) or 3 (RGB); alpha is dropped when decoding. */
  readonly channels: number;
  readonly maxValue: number;
}

/** Where an image comes from in a split column, or in MedMNIST's arrays. */
export type SplitName = 'train' | 'val' | 'test';

/**
 * Images that are decoded and preprocessed only when read, for sets that do
 * not fit in memory; a bounded cache keeps recently read images.
 */
export interface LazyImages {
  readonly lazy: true;
  /** Number of images. */
  readonly count: number;
  /** [height, width, channels] of every image after preprocessing. */
  readonly shape: readonly [number, number, number];
  /** Images at `indices` as one float32 [b, H, W, C] tensor; the caller disposes it. */
  read(indices: readonly number[]): Promise<Tensor4D>;
  /** One image's preprocessed pixels (HWC, float32). Do not modify: it may be cached. */
  readPixels(index: number): Promise<Float32Array>;
  /** Cache statistics, in images. */
  readonly cache: {
    readonly capacity: number;
    readonly size: number;
    readonly hits: number;
    readonly misses: number;
  };
}

/** What was done to the pixels between the file and the tensor. */
export interface PreprocessingSummary {
  readonly crop?: string;
  readonly size?: readonly [number, number];
  readonly scaled: boolean;
  readonly normalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly channels: 'keep' | 1 | 3;
}

/** Where a set came from and what shape its images have. */
export interface ImageSetMetadata {
  /** Which loader made it: 'folder', 'medmnist', 'jaffe', 'idrid', 'dicom', 'nifti', 'synthetic' or 'tensor'. */
  readonly source: string;
  /** The folder or file it was read from, if any. */
  readonly location?: string;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly preprocessing?: PreprocessingSummary;
  /** The source file of each image (absolute path), in the order of `ids`, if any. */
  readonly files?: readonly string[];
  /** Loader-specific facts, e.g. `{ labelRule: 'ratings' }` for JAFFE, `{ task: 'edema' }` for IDRiD. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * A labelled set of images with one shared size ("structured" images): what
 * every loader returns and what the trainer, CLI and pixel representation
 * consume. Index i of `images`, `labels`, `ids`, `groups` and `splits` is the
 * same image.
 */
export interface ImageSet {
  /** float32 [N, H, W, C] in memory, or `LazyImages` read on demand. */
  readonly images: Tensor4D | LazyImages;
  /** Class index of each image, in [0, classNames.length). */
  readonly labels: Int32Array;
  /** Name of each class, indexed by label. */
  readonly classNames: readonly string[];
  /** A unique id per image (e.g. the file path relative to the data folder). */
  readonly ids: readonly string[];
  /** Who or what each image belongs to (subject, patient); group-aware splits keep a group on one side. */
  readonly groups?: readonly string[];
  /** A fixed split per image, from a `split` column or the dataset's own split. */
  readonly splits?: readonly SplitName[];
  readonly metadata: ImageSetMetadata;
}
