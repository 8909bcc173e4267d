// MedMNIST .npz files: train_/val_/test_ images [n, H, W] or [n, H, W, 3]
// (uint8) and labels [n, 1].
import { basename, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '../errors.js';
import { checkLabelling, makeImageSet } from '../images/image-set.js';
import { lazyImages } from '../images/lazy-images.js';
import type { LoadOptions } from '../images/load-files.js';
import {
  preprocessImage,
  summarizePreprocessing,
  validatePreprocessOptions,
} from '../preprocess/preprocess.js';
import type { ImageSet, PixelArray, RawImage, SplitName } from '../types.js';
import type { NpyArray } from '../npy/npy.js';
import { readNpz } from '../npy/read-npz.js';

const ORGANS = [
  'bladder',
  'femur-left',
  'femur-right',
  'heart',
  'kidney-left',
  'kidney-right',
  'liver',
  'lung-left',
  'lung-right',
  'pancreas',
  'spleen',
];

/** Class names of the 2D MedMNIST v2 datasets (from MedMNIST's INFO), by file name stem. */
export const MEDMNIST_CLASS_NAMES: Readonly<Record<string, readonly string[]>> = {
  pathmnist: [
    'adipose',
    'background',
    'debris',
    'lymphocytes',
    'mucus',
    'smooth muscle',
    'normal colon mucosa',
    'cancer-associated stroma',
    'colorectal adenocarcinoma epithelium',
  ],
  dermamnist: [
    'actinic keratoses and intraepithelial carcinoma',
    'basal cell carcinoma',
    'benign keratosis-like lesions',
    'dermatofibroma',
    'melanoma',
    'melanocytic nevi',
    'vascular lesions',
  ],
  octmnist: ['choroidal neovascularization', 'diabetic macular edema', 'drusen', 'normal'],
  pneumoniamnist: ['normal', 'pneumonia'],
  retinamnist: ['0', '1', '2', '3', '4'],
  breastmnist: ['malignant', 'normal, benign'],
  bloodmnist: [
    'basophil',
    'eosinophil',
    'erythroblast',
    'immature granulocytes',
    'lymphocyte',
    'monocyte',
    'neutrophil',
    'platelet',
  ],
  tissuemnist: [
    'collecting duct, connecting tubule',
    'distal convoluted tubule',
    'glomerular endothelial cells',
    'interstitial endothelial cells',
    'leukocytes',
    'podocytes',
    'proximal tubule segments',
    'thick ascending limb',
  ],
  organamnist: ORGANS,
  organcmnist: ORGANS,
  organsmnist: ORGANS,
};

export interface MedMnistOptions extends LoadOptions {
  /** Which of MedMNIST's splits to load, in this order. Default all: train, val, test. */
  readonly splits?: readonly SplitName[];
  /** Class names, when the file is not one of MEDMNIST_CLASS_NAMES. Default: those, else '0', '1', ... */
  readonly classNames?: readonly string[];
  readonly allowEmptyClasses?: boolean;
}

function maxValueOf(array: NpyArray): number {
  if (array.data instanceof Uint8Array) return 255;
  if (array.data instanceof Uint16Array) return 65535;
  if (array.data instanceof Float32Array || array.data instanceof Float64Array) return 1;
  throw new DataError(`images of dtype ${array.dtype} are not supported (uint8, uint16 or float)`);
}

/**
 * Loads a MedMNIST `.npz`. Ids are `train/0`, `val/17`, ...; `splits` holds
 * each image's MedMNIST split, which `holdout()` honours.
 */
export async function loadMedMnist(file: string, options: MedMnistOptions = {}): Promise<ImageSet> {
  validatePreprocessOptions(options);
  const path = resolve(file);
  const wanted = options.splits ?? (['train', 'val', 'test'] as const);
  if (wanted.length === 0) throw new DataError('loadMedMnist: splits is empty');
  const arrays = await readNpz(
    path,
    wanted.flatMap((split) => [`${split}_images`, `${split}_labels`]),
  );

  interface Part {
    split: SplitName;
    images: NpyArray;
    labels: NpyArray;
  }
  const parts: Part[] = wanted.map((split) => ({
    split,
    images: arrays.get(`${split}_images`)!,
    labels: arrays.get(`${split}_labels`)!,
  }));
  let shape: [number, number, number] | undefined;
  for (const part of parts) {
    const where = `${path}:${part.split}_images`;
    const dims = part.images.shape;
    const channels = dims.length === 3 ? 1 : dims[3];
    if (!(dims.length === 3 || (dims.length === 4 && (channels === 1 || channels === 3)))) {
      throw new DataError(
        `${where} has shape [${dims.join(', ')}]; expected [n, H, W] or [n, H, W, 3] (3D MedMNIST volumes are not supported)`,
        where,
      );
    }
    const pixels = part.images.data;
    if (pixels instanceof Float32Array || pixels instanceof Float64Array) {
      const bad = pixels.findIndex((value) => !Number.isFinite(value));
      if (bad >= 0) {
        const perImage = pixels.length / Math.max(1, dims[0]!);
        throw new DataError(
          `${where} holds ${pixels[bad]} in image ${Math.floor(bad / perImage)}: every pixel must be a finite number; clean the array (e.g. numpy.nan_to_num) before training`,
          where,
          { problem: 'non-finite' },
        );
      }
    }
    const labelDims = part.labels.shape;
    if (
      labelDims[0] !== dims[0] ||
      !(labelDims.length === 1 || (labelDims.length === 2 && labelDims[1] === 1))
    ) {
      throw new DataError(
        `${path}:${part.split}_labels has shape [${labelDims.join(', ')}]; expected [${dims[0]}, 1] (multi-label sets such as ChestMNIST are not supported)`,
        `${part.split}_labels`,
      );
    }
    const partShape: [number, number, number] = [dims[1]!, dims[2]!, channels!];
    if (shape !== undefined && partShape.join() !== shape.join()) {
      throw new DataError(
        `${where} images are ${partShape.join('x')}, others ${shape.join('x')}`,
        where,
      );
    }
    shape = partShape;
  }

  const stem = basename(path)
    .replace(/\.npz$/i, '')
    .replace(/_\d+$/, '')
    .toLowerCase();
  const rawLabels = parts.flatMap((part) => Array.from(part.labels.data as ArrayLike<number>));
  const classNames =
    options.classNames ??
    MEDMNIST_CLASS_NAMES[stem] ??
    Array.from({ length: Math.max(...rawLabels) + 1 }, (_, i) => String(i));
  const labels = Int32Array.from(rawLabels);
  const ids = parts.flatMap((part) =>
    Array.from({ length: part.images.shape[0]! }, (_, i) => `${part.split}/${i}`),
  );
  const splits = parts.flatMap((part) =>
    new Array<SplitName>(part.images.shape[0]!).fill(part.split),
  );

  const [height, width, channels] = shape!;
  const pixelsPerImage = height * width * channels;
  const locate = (index: number): RawImage => {
    let offset = index;
    for (const part of parts) {
      const n = part.images.shape[0]!;
      if (offset < n) {
        const data = part.images.data as PixelArray;
        return {
          data: data.subarray(offset * pixelsPerImage, (offset + 1) * pixelsPerImage),
          width,
          height,
          channels,
          maxValue: maxValueOf(part.images),
        };
      }
      offset -= n;
    }
    throw new DataError(`image index ${index} is outside the file`);
  };

  const count = labels.length;
  checkLabelling({ labels, classNames, ids, splits }, path, options); // before the pixels
  const first = preprocessImage(locate(0), options, false, ids[0]);
  let images: ImageSet['images'];
  if (options.lazy) {
    const cacheSize = typeof options.lazy === 'object' ? options.lazy.cacheSize : undefined;
    images = lazyImages(
      count,
      [first.height, first.width, first.channels],
      (i) => Promise.resolve(preprocessImage(locate(i), options, false, ids[i]).data),
      { ...(cacheSize === undefined ? {} : { cacheSize }), nameOf: (i) => ids[i]! },
    );
  } else {
    const length = first.data.length;
    const buffer = new Float32Array(count * length);
    buffer.set(first.data, 0);
    for (let i = 1; i < count; i++)
      buffer.set(preprocessImage(locate(i), options, false, ids[i]).data, i * length);
    images = tf.tensor4d(buffer, [count, first.height, first.width, first.channels], 'float32');
  }
  return makeImageSet(
    {
      images,
      labels,
      classNames,
      ids,
      splits,
      metadata: {
        source: 'medmnist',
        location: path,
        height: first.height,
        width: first.width,
        channels: first.channels,
        preprocessing: summarizePreprocessing(options),
        details: {
          dataset: stem,
          splitSizes: Object.fromEntries(parts.map((part) => [part.split, part.images.shape[0]])),
        },
      },
    },
    options,
  );
}
