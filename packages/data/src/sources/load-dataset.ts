// One string names a dataset, for the CLI: `folder:PATH`, `medmnist:FILE.npz`,
// `jaffe:DIR`, `idrid:DIR[:retinopathy|edema]`, `dicom:DIR[?settings]`,
// `nifti:FILE_OR_DIR[?settings]`, or a plain path whose kind is recognised
// from what it holds. Settings are `key=value` pairs joined by `&`, so that the
// CLI needs no flag per source.
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import type { ImageSet } from '../types.js';
import { loadDicom, type DicomOptions } from './dicom/dicom.js';
import { loadImageFolder, type FolderOptions } from './folder.js';
import { loadIdrid, type IdridOptions, type IdridTask } from './idrid.js';
import { loadJaffe, type JaffeOptions } from './jaffe.js';
import { parseWindow } from './medical-labels.js';
import { loadMedMnist, type MedMnistOptions } from './medmnist.js';
import { loadNifti, parseSliceIndex, type NiftiOptions } from './nifti/nifti.js';

export type DatasetKind = 'folder' | 'medmnist' | 'jaffe' | 'idrid' | 'dicom' | 'nifti';

/** The dataset string's syntax, for help texts and errors. */
export const DATASET_SPEC_SYNTAX = [
  'folder:PATH (labels.csv file,label[,split][,group], or class subfolders)',
  'medmnist:FILE.npz',
  'jaffe:DIR',
  'idrid:DIR[:retinopathy|edema]',
  'dicom:DIR[?labels=FILE&key=file|sop|patient&window=file|range|minmax|C,W&flip=L|R|FILE&group=patient|study|none&salt=TEXT|none]',
  'nifti:FILE_OR_DIR[?labels=FILE&axis=0|1|2&index=N|middle&window=file|range|minmax|C,W&orient=canonical|stored&flip=FILE]',
  'or a path whose content says what it is',
].join(', ');

/** Settings a dicom: or nifti: string may carry after `?`. */
export type SpecOptions = Pick<
  DicomOptions,
  'labelsFile' | 'labelKey' | 'window' | 'flip' | 'flipLaterality' | 'groupBy' | 'salt'
> &
  Pick<NiftiOptions, 'axis' | 'index' | 'orient'>;

/** A parsed dataset string. */
export interface DatasetSpec {
  /** The loader, or undefined when the path's content decides. */
  readonly kind?: DatasetKind;
  readonly path: string;
  /** IDRiD only: `idrid:DIR:edema`. */
  readonly task?: IdridTask;
  /** dicom: and nifti: only: the settings after `?`, parsed. */
  readonly options?: SpecOptions;
}

/** Options for any loader; each uses the ones it knows. */
export type DatasetOptions = FolderOptions &
  MedMnistOptions &
  JaffeOptions &
  IdridOptions &
  DicomOptions &
  NiftiOptions;

const KINDS: readonly DatasetKind[] = ['folder', 'medmnist', 'jaffe', 'idrid', 'dicom', 'nifti'];

function choice<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  const lower = value.toLowerCase() as T;
  if (!allowed.includes(lower)) {
    throw new DataError(`${key}=${value}: expected ${allowed.join(', ')}`, value);
  }
  return lower;
}

/** Parses `key=value&key=value` after `dicom:DIR?` or `nifti:PATH?`. */
function parseSettings(kind: 'dicom' | 'nifti', query: string, spec: string): SpecOptions {
  const allowed =
    kind === 'dicom'
      ? ['labels', 'key', 'window', 'flip', 'group', 'salt']
      : ['labels', 'axis', 'index', 'window', 'orient', 'flip'];
  const options: Record<string, unknown> = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = (equals < 0 ? pair : pair.slice(0, equals)).trim().toLowerCase();
    let value: string;
    try {
      value = decodeURIComponent(equals < 0 ? '' : pair.slice(equals + 1)).trim();
    } catch {
      throw new DataError(`'${spec}': '${pair}' is not valid percent-encoding`, spec);
    }
    if (!allowed.includes(key)) {
      throw new DataError(
        `'${spec}': unknown setting '${key}' for ${kind}:; use ${allowed.join(', ')} (${DATASET_SPEC_SYNTAX})`,
        key,
      );
    }
    if (value === '') throw new DataError(`'${spec}': setting '${key}' has no value`, key);
    switch (key) {
      case 'labels':
        options.labelsFile = value;
        break;
      case 'key':
        options.labelKey = choice(key, value, ['file', 'sop', 'patient'] as const);
        break;
      case 'window':
        options.window = parseWindow(value);
        break;
      case 'flip':
        if (kind === 'dicom' && /^[lr]$/i.test(value)) {
          options.flipLaterality = value.toUpperCase();
        } else options.flip = value;
        break;
      case 'group':
        options.groupBy = choice(key, value, ['patient', 'study', 'none'] as const);
        break;
      case 'salt':
        options.salt = value.toLowerCase() === 'none' ? false : value;
        break;
      case 'axis':
        options.axis = Number(choice(key, value, ['0', '1', '2'] as const));
        break;
      case 'index':
        options.index = parseSliceIndex(value.toLowerCase(), `'${spec}': index`);
        break;
      case 'orient':
        options.orient = choice(key, value, ['canonical', 'stored'] as const);
        break;
    }
  }
  return options as SpecOptions;
}

/**
 * Splits `kind:PATH[:task]` and `dicom:`/`nifti:` settings after `?`; a path
 * without a known prefix (C:\data too) is left to detection.
 */
export function parseDatasetSpec(spec: string): DatasetSpec {
  const trimmed = spec.trim();
  if (trimmed === '') throw new DataError(`the dataset is empty; use ${DATASET_SPEC_SYNTAX}`);
  const colon = trimmed.indexOf(':');
  const prefix = colon > 0 ? trimmed.slice(0, colon).toLowerCase() : '';
  if (!KINDS.includes(prefix as DatasetKind)) {
    // `dicm:x` is a typo, not a path; a drive letter (C:) or an existing path is left alone.
    if (/^[a-z][a-z0-9_-]+$/.test(prefix) && !existsSync(trimmed)) {
      throw new DataError(
        `unknown dataset kind '${prefix}:' in '${spec}'; use ${DATASET_SPEC_SYNTAX}`,
        spec,
      );
    }
    return { path: trimmed };
  }
  const kind = prefix as DatasetKind;
  let path = trimmed.slice(colon + 1);
  let options: SpecOptions | undefined;
  if (kind === 'dicom' || kind === 'nifti') {
    const question = path.indexOf('?');
    if (question >= 0) {
      options = parseSettings(kind, path.slice(question + 1), spec);
      path = path.slice(0, question);
    }
  }
  let task: IdridTask | undefined;
  if (kind === 'idrid') {
    const suffix = /:(retinopathy|edema)$/i.exec(path);
    if (suffix !== null) {
      task = suffix[1]!.toLowerCase() as IdridTask;
      path = path.slice(0, suffix.index);
    }
  }
  if (path === '') throw new DataError(`'${spec}' names no path after '${prefix}:'`, spec);
  return {
    kind,
    path,
    ...(task === undefined ? {} : { task }),
    ...(options === undefined ? {} : { options }),
  };
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
    if (/\.nii(\.gz)?$/i.test(full)) return 'nifti';
    throw new DataError(
      `${full} is a file but not a MedMNIST .npz or a NIfTI .nii(.gz); give a folder, or name its kind: ${DATASET_SPEC_SYNTAX}`,
      full,
    );
  }
  // Before labels.csv: DICOM and NIfTI folders carry one too.
  if (await anyFile(full, (name) => /\.dcm$/i.test(name), 4)) return 'dicom';
  if (await anyFile(full, (name) => /\.nii(\.gz)?$/i.test(name), 4)) return 'nifti';
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
    `cannot tell what ${full} holds: expected labels.csv, class subfolders, JAFFE (KA.AN1.39.tiff), IDRiD (IDRiD_001.jpg), DICOM (.dcm) or NIfTI (.nii) files; or name its kind: ${DATASET_SPEC_SYNTAX}`,
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
  const settings = parsed.options ?? {};
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
    case 'dicom':
      return loadDicom(parsed.path, { ...options, ...settings });
    case 'nifti':
      return loadNifti(parsed.path, { ...options, ...settings });
  }
}
