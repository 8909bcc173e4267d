// One string names a dataset, for the CLI: `folder:PATH`, `medmnist:FILE.npz`,
// `jaffe:DIR`, `idrid:DIR[:retinopathy|edema]`, or a plain path whose kind is
// recognised from what it holds.
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import type { ImageSet } from '../types.js';
import { loadImageFolder, type FolderOptions } from './folder.js';
import { loadIdrid, type IdridOptions, type IdridTask } from './idrid.js';
import { loadJaffe, type JaffeOptions } from './jaffe.js';
import { loadMedMnist, type MedMnistOptions } from './medmnist.js';

export type DatasetKind = 'folder' | 'medmnist' | 'jaffe' | 'idrid';

/** A parsed dataset string. */
export interface DatasetSpec {
  /** The loader, or undefined when the path's content decides. */
  readonly kind?: DatasetKind;
  readonly path: string;
  /** IDRiD only: `idrid:DIR:edema`. */
  readonly task?: IdridTask;
}

/** Options for any loader; each uses the ones it knows. */
export type DatasetOptions = FolderOptions & MedMnistOptions & JaffeOptions & IdridOptions;

const KINDS: readonly DatasetKind[] = ['folder', 'medmnist', 'jaffe', 'idrid'];

/** Splits `kind:PATH[:task]`; a path without a known prefix (C:\data too) is left to detection. */
export function parseDatasetSpec(spec: string): DatasetSpec {
  const trimmed = spec.trim();
  if (trimmed === '')
    throw new DataError(
      'the dataset is empty; use folder:PATH, medmnist:FILE.npz, jaffe:DIR, idrid:DIR[:retinopathy|edema] or a path',
    );
  const colon = trimmed.indexOf(':');
  const prefix = colon > 0 ? trimmed.slice(0, colon).toLowerCase() : '';
  if (!KINDS.includes(prefix as DatasetKind)) return { path: trimmed };
  const kind = prefix as DatasetKind;
  let path = trimmed.slice(colon + 1);
  let task: IdridTask | undefined;
  if (kind === 'idrid') {
    const suffix = /:(retinopathy|edema)$/i.exec(path);
    if (suffix !== null) {
      task = suffix[1]!.toLowerCase() as IdridTask;
      path = path.slice(0, suffix.index);
    }
  }
  if (path === '') throw new DataError(`'${spec}' names no path after '${prefix}:'`, spec);
  return { kind, path, ...(task === undefined ? {} : { task }) };
}

async function anyFile(
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
    if (entry.isDirectory() && (await anyFile(join(root, entry.name), test, depth - 1)))
      return true;
  }
  return false;
}

/** Recognises what a path holds: a .npz, a labels.csv folder, JAFFE, IDRiD or class folders. */
export async function detectDatasetKind(path: string): Promise<DatasetKind> {
  const full = resolve(path);
  if (!existsSync(full)) throw new DataError(`dataset path ${full} does not exist`, full);
  if (statSync(full).isFile()) {
    if (full.toLowerCase().endsWith('.npz')) return 'medmnist';
    throw new DataError(
      `${full} is a file but not a MedMNIST .npz; give a folder or medmnist:FILE.npz`,
      full,
    );
  }
  if (existsSync(join(full, 'labels.csv'))) return 'folder';
  if (await anyFile(full, (name) => /^[A-Za-z]{2}\.[A-Za-z]{2}\d+\.\d+\.tiff?$/i.test(name), 2))
    return 'jaffe';
  if (await anyFile(full, (name) => /^IDRiD_\d+\.(jpe?g|png|tiff?)$/i.test(name), 4))
    return 'idrid';
  const subfolders = (await readdir(full, { withFileTypes: true })).filter((entry) =>
    entry.isDirectory(),
  );
  if (subfolders.length > 0) return 'folder';
  throw new DataError(
    `cannot tell what ${full} holds: expected labels.csv, class subfolders, JAFFE (KA.AN1.39.tiff) or IDRiD (IDRiD_001.jpg) images; or name it as folder:, jaffe:, idrid:`,
    full,
  );
}

/**
 * Loads the dataset a string names (see parseDatasetSpec), passing `options`
 * (preprocessing, lazy loading, loader settings) to its loader.
 */
export async function loadDataset(spec: string, options: DatasetOptions = {}): Promise<ImageSet> {
  const parsed = parseDatasetSpec(spec);
  const kind = parsed.kind ?? (await detectDatasetKind(parsed.path));
  switch (kind) {
    case 'folder':
      return loadImageFolder(parsed.path, options);
    case 'medmnist':
      return loadMedMnist(parsed.path, options);
    case 'jaffe':
      return loadJaffe(parsed.path, options);
    case 'idrid':
      return loadIdrid(parsed.path, {
        ...options,
        ...(parsed.task === undefined ? {} : { task: parsed.task }),
      });
  }
}
