// Helpers every loader and consumer of an ImageSet shares.
import * as tf from '@tensorflow/tfjs-core';
import { DataError, listSome } from '../errors.js';
import type { ImageSet, LazyImages } from '../types.js';
import { lazyImages } from './lazy-images.js';

/** True when the set's images are read on demand. */
export function isLazyImages(images: ImageSet['images']): images is LazyImages {
  return (images as LazyImages).lazy === true;
}

/** Number of images in the set. */
export function imageCount(set: ImageSet): number {
  return set.labels.length;
}

/** [height, width, channels] shared by every image. */
export function imageShape(set: ImageSet): [number, number, number] {
  if (isLazyImages(set.images)) return [...set.images.shape];
  const [, height, width, channels] = set.images.shape;
  return [height, width, channels];
}

/** Throws unless every index is an integer in [0, count). */
export function checkIndices(indices: readonly number[], count: number, what = 'index'): void {
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new DataError(`${what} ${index} is outside the set's ${count} images`, String(index));
    }
  }
}

/** The images at `indices` as one float32 [b, H, W, C] tensor; the caller disposes it. */
export async function readImages(set: ImageSet, indices: readonly number[]): Promise<tf.Tensor4D> {
  checkIndices(indices, imageCount(set));
  if (isLazyImages(set.images)) return set.images.read(indices);
  const images = set.images;
  return tf.tidy(() => tf.gather(images, tf.tensor1d(Int32Array.from(indices), 'int32')));
}

/** The labelling half of an ImageSet, checked before any image is decoded. */
export type Labelling = Pick<ImageSet, 'labels' | 'classNames' | 'ids' | 'groups' | 'splits'>;

/**
 * Checks one label, id (unique), group and split per image, labels within the
 * classes, and (unless allowed) no class without images. `where` names the
 * data in errors.
 */
export function checkLabelling(
  set: Labelling,
  where: string,
  options: { allowEmptyClasses?: boolean } = {},
): void {
  const count = set.labels.length;
  if (count === 0) throw new DataError(`${where}: no images`, where);
  if (set.ids.length !== count) {
    throw new DataError(`${where}: ${count} labels but ${set.ids.length} ids`, where);
  }
  if (set.groups !== undefined && set.groups.length !== count) {
    throw new DataError(`${where}: ${set.groups.length} groups for ${count} images`, where);
  }
  if (set.splits !== undefined && set.splits.length !== count) {
    throw new DataError(`${where}: ${set.splits.length} splits for ${count} images`, where);
  }
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const id of set.ids) {
    if (seen.has(id)) duplicates.add(id);
    seen.add(id);
  }
  if (duplicates.size > 0) {
    const list = [...duplicates];
    throw new DataError(`${where}: duplicate image id(s): ${listSome(list)}`, list[0]);
  }
  const perClass = new Array<number>(set.classNames.length).fill(0);
  set.labels.forEach((label, i) => {
    if (!(label >= 0 && label < set.classNames.length)) {
      throw new DataError(
        `${where}: image ${set.ids[i]} has label ${label}, outside the ${set.classNames.length} classes`,
        set.ids[i],
      );
    }
    perClass[label]!++;
  });
  if (!options.allowEmptyClasses) {
    const empty = set.classNames.filter((_, c) => perClass[c] === 0);
    if (empty.length > 0) {
      throw new DataError(
        `${where}: class(es) with no images: ${listSome(empty.map((name) => `'${name}'`))} (pass allowEmptyClasses: true to keep them)`,
        empty[0],
        { problem: 'empty-class' },
      );
    }
  }
}

/** Returns `set` after checking it (see checkLabelling) and that it has one image per label. */
export function makeImageSet(
  set: ImageSet,
  options: { allowEmptyClasses?: boolean } = {},
): ImageSet {
  const where = set.metadata.location ?? set.metadata.source;
  checkLabelling(set, where, options);
  const imagesCount = isLazyImages(set.images) ? set.images.count : set.images.shape[0];
  if (imagesCount !== set.labels.length) {
    throw new DataError(`${where}: ${imagesCount} images for ${set.labels.length} labels`, where);
  }
  return set;
}

/** A view of the images at `indices` (in that order); tensor images are gathered into a new tensor. */
export function subsetImageSet(set: ImageSet, indices: readonly number[]): ImageSet {
  checkIndices(indices, imageCount(set));
  const pick = <T>(values: readonly T[]): T[] => indices.map((i) => values[i]!);
  let images: ImageSet['images'];
  if (isLazyImages(set.images)) {
    const source = set.images;
    images = lazyImages(indices.length, source.shape, (i) => source.readPixels(indices[i]!), {
      cacheSize: 0, // the parent's cache already holds them
    });
  } else {
    const all = set.images;
    images = tf.tidy(() => tf.gather(all, tf.tensor1d(Int32Array.from(indices), 'int32')));
  }
  const files = set.metadata.files;
  return {
    images,
    labels: Int32Array.from(indices, (i) => set.labels[i]!),
    classNames: set.classNames,
    ids: pick(set.ids),
    ...(set.groups === undefined ? {} : { groups: pick(set.groups) }),
    ...(set.splits === undefined ? {} : { splits: pick(set.splits) }),
    metadata: { ...set.metadata, ...(files === undefined ? {} : { files: pick(files) }) },
  };
}

/** Images per class, indexed by label. */
export function classCounts(set: ImageSet): number[] {
  const counts = new Array<number>(set.classNames.length).fill(0);
  for (const label of set.labels) counts[label]!++;
  return counts;
}
