// Label strings to class indices, and split names, shared by the loaders.
import { DataError, listSome } from '../errors.js';
import type { SplitName } from '../types.js';

const NUMBER = /^-?\d+(\.\d+)?$/;

/** Sorted class names: numerically when every label is a number, else by code point. */
export function sortClassNames(labels: Iterable<string>): string[] {
  const unique = [...new Set(labels)];
  if (unique.every((label) => NUMBER.test(label)))
    return unique.sort((a, b) => Number(a) - Number(b));
  return unique.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Maps label strings to indices into `classNames` (default: the sorted
 * distinct labels). A label not among given classNames throws, naming it and
 * where it came from (`origin(i)`).
 */
export function indexLabels(
  labels: readonly string[],
  classNames: readonly string[] | undefined,
  origin: (i: number) => string,
): { labels: Int32Array; classNames: string[] } {
  const names = classNames === undefined ? sortClassNames(labels) : [...classNames];
  if (new Set(names).size !== names.length) {
    throw new DataError(`classNames has duplicates: ${names.join(', ')}`);
  }
  const index = new Map(names.map((name, i) => [name, i]));
  const out = new Int32Array(labels.length);
  const unknown: string[] = [];
  labels.forEach((label, i) => {
    const found = index.get(label);
    if (found === undefined) unknown.push(`'${label}' (${origin(i)})`);
    else out[i] = found;
  });
  if (unknown.length > 0) {
    throw new DataError(
      `unknown label(s) ${listSome(unknown, 5)}; the classes are ${names.map((name) => `'${name}'`).join(', ')}`,
      unknown[0],
    );
  }
  return { labels: out, classNames: names };
}

const SPLIT_ALIASES: Record<string, SplitName> = {
  train: 'train',
  training: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  dev: 'val',
  test: 'test',
  testing: 'test',
};

/** 'train' | 'val' | 'test' from a split column value (train/training, val/valid/validation/dev, test/testing). */
export function parseSplitName(value: string, origin: string): SplitName {
  const split = SPLIT_ALIASES[value.trim().toLowerCase()];
  if (split === undefined) {
    throw new DataError(
      `${origin}: split '${value}' is not one of train, val (validation) or test`,
      value,
    );
  }
  return split;
}
