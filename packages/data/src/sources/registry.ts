// Data sources as a registry (the way timm registers models and MONAI
// readers): each kind of dataset is one entry {kind, syntax, detect, parse,
// load}. A dataset string `kind:PATH[...]` names one; a plain path is given
// to the first entry whose `detect` recognises it. The CLI's --data help and
// every "unknown kind" error are generated from the entries, so a new source
// (registered here or by another package, e.g. @gsa/data/medical) is one call.
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import type { ImageSet } from '../types.js';
import type { DatasetOptions } from './dataset-options.js';

/** What a path is, for `detect`: its absolute form and whether it is a file. */
export interface DetectedPath {
  readonly path: string;
  readonly isFile: boolean;
}

/** One kind of dataset. */
export interface DatasetSource {
  /** The prefix of a dataset string: `folder` in `folder:data/xrays`. Lower case. */
  readonly kind: string;
  /** What follows `kind:`, for help texts and errors: `PATH (labels.csv ... or class subfolders)`. */
  readonly syntax: string;
  /**
   * Recognises a plain path (no `kind:`) as this kind. Entries are asked in
   * the order of `detectOrder` (lower first; default 100), so a specific
   * layout (DICOM files, which may sit beside a labels.csv) goes before a
   * generic one (class subfolders). Without `detect`, the kind must be named.
   */
  readonly detect?: (path: DetectedPath) => Promise<boolean> | boolean;
  readonly detectOrder?: number;
  /** What `detect` looks for, for the error when nothing recognises a path. */
  readonly detectHint?: string;
  /**
   * Splits what follows `kind:` into the path and settings (e.g. `?window=...`,
   * `:edema`); throws a DataError naming a bad setting. Default: all of it is the path.
   */
  readonly parse?: (rest: string, spec: string) => ParsedSource;
  /** Loads the dataset, with the loader options and the parsed settings. */
  readonly load: (
    path: string,
    options: DatasetOptions,
    settings: Readonly<Record<string, unknown>>,
  ) => Promise<ImageSet>;
}

export interface ParsedSource {
  readonly path: string;
  readonly settings?: Readonly<Record<string, unknown>>;
}

/** A parsed dataset string. */
export interface DatasetSpec {
  /** The source's kind, or undefined when the path's content decides. */
  readonly kind?: string;
  readonly path: string;
  /** Whatever the source parsed besides the path (settings after `?`, a task). */
  readonly settings?: Readonly<Record<string, unknown>>;
}

const sources = new Map<string, DatasetSource>();

/** Adds (or replaces) the source for `source.kind`. */
export function registerDatasetSource(source: DatasetSource): void {
  if (!/^[a-z][a-z0-9_-]+$/.test(source.kind)) {
    throw new Error(
      `A dataset kind is lower-case letters, digits, '-' or '_' (2 or more); got '${source.kind}'.`,
    );
  }
  sources.set(source.kind, source);
}

/** The registered sources, in registration order. */
export function datasetSources(): DatasetSource[] {
  return [...sources.values()];
}

/** Every dataset string the registered sources accept, for help texts and errors. */
export function datasetSpecSyntax(): string {
  return [
    ...datasetSources().map((source) => `${source.kind}:${source.syntax}`),
    'or a path whose content says what it is',
  ].join(', ');
}

/**
 * Splits `kind:REST` with the source's own parser; a string without a known
 * prefix (a path, `C:\data` too) is left to detection, and an unknown prefix
 * that is not an existing path (`dicm:x`) is an error listing the kinds.
 */
export function parseDatasetSpec(spec: string): DatasetSpec {
  const trimmed = spec.trim();
  if (trimmed === '') throw new DataError(`the dataset is empty; use ${datasetSpecSyntax()}`);
  const colon = trimmed.indexOf(':');
  const prefix = colon > 0 ? trimmed.slice(0, colon).toLowerCase() : '';
  const source = sources.get(prefix);
  if (source === undefined) {
    if (/^[a-z][a-z0-9_-]+$/.test(prefix) && !existsSync(trimmed)) {
      const known = datasetSources()
        .map((entry) => `${entry.kind}:`)
        .join(', ');
      throw new DataError(
        `unknown dataset kind '${prefix}:' in '${spec}' (known: ${known}); use ${datasetSpecSyntax()}`,
        spec,
      );
    }
    return { path: trimmed };
  }
  const rest = trimmed.slice(colon + 1);
  const parsed = source.parse ? source.parse(rest, spec) : { path: rest };
  if (parsed.path === '') throw new DataError(`'${spec}' names no path after '${prefix}:'`, spec);
  return {
    kind: source.kind,
    path: parsed.path,
    ...(parsed.settings === undefined ? {} : { settings: parsed.settings }),
  };
}

/** The kind of the first source (by `detectOrder`) that recognises what `path` holds. */
export async function detectDatasetKind(path: string): Promise<string> {
  const full = resolve(path);
  if (!existsSync(full)) throw new DataError(`dataset path ${full} does not exist`, full);
  const detected = { path: full, isFile: statSync(full).isFile() };
  const ordered = datasetSources()
    .filter((source) => source.detect !== undefined)
    .sort((a, b) => (a.detectOrder ?? 100) - (b.detectOrder ?? 100));
  for (const source of ordered) {
    if (await source.detect!(detected)) return source.kind;
  }
  const hints = ordered.flatMap((source) => (source.detectHint ? [source.detectHint] : []));
  throw new DataError(
    `cannot tell what ${full} holds${hints.length ? `: expected ${hints.join(', ')}` : ''}; or name its kind: ${datasetSpecSyntax()}`,
    full,
  );
}

/**
 * Loads the dataset a string names (see parseDatasetSpec), passing `options`
 * (preprocessing, lazy loading, loader settings) to its source's loader.
 */
export async function loadDataset(spec: string, options: DatasetOptions = {}): Promise<ImageSet> {
  const parsed = parseDatasetSpec(spec);
  const kind = parsed.kind ?? (await detectDatasetKind(parsed.path));
  const source = sources.get(kind)!;
  return source.load(parsed.path, options, parsed.settings ?? {});
}

/** Whether `root` or a folder under it (to `depth` levels) holds a file whose name passes `test`. */
export async function containsFile(
  root: string,
  test: (name: string) => boolean,
  depth: number,
): Promise<boolean> {
  const entries = await readdir(root, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.isFile() && test(entry.name)) return true;
  }
  if (depth === 0) return false;
  for (const entry of entries) {
    if (entry.isDirectory() && (await containsFile(join(root, entry.name), test, depth - 1)))
      return true;
  }
  return false;
}
