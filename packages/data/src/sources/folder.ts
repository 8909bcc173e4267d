// A folder of images with labels.csv (file,label[,split][,group]), or one
// subfolder per class (optionally under train/, val/, test/).
import { existsSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseCsv } from '../csv.js';
import { isImageFile } from '../decode/decode.js';
import { DataError, listSome } from '../errors.js';
import { checkLabelling, makeImageSet } from '../images/image-set.js';
import { loadFiles, type LoadOptions } from '../images/load-files.js';
import { summarizePreprocessing } from '../preprocess/preprocess.js';
import type { ImageSet, SplitName } from '../types.js';
import { indexLabels, parseSplitName } from './labels.js';
import { listFilesRecursively } from '../images/list-files.js';

const LABELS_FILE = { problem: 'labels-file' } as const;

/** Names a labels CSV's columns may have (first match wins, case-insensitive). */
export const COLUMN_ALIASES = {
  file: ['file', 'filename', 'file_name', 'image', 'image_name', 'path', 'png', 'jpg', 'name'],
  label: ['label', 'class', 'target', 'y', 'diagnosis'],
  split: ['split', 'subset', 'fold_name'],
  group: ['group', 'subject', 'patient', 'patient_id', 'subject_id'],
} as const;

export interface FolderOptions extends LoadOptions {
  /** The labels CSV, relative to the folder or absolute. Default `labels.csv` if present. */
  readonly labelsFile?: string;
  /**
   * Folder the CSV's paths are relative to (relative to the image folder).
   * Default: the image folder, or else its one subfolder that holds every
   * listed file (e.g. ORL's png/).
   */
  readonly imagesDir?: string;
  /** Column names in the CSV, when they are not among COLUMN_ALIASES. */
  readonly columns?: {
    readonly file?: string;
    readonly label?: string;
    readonly split?: string;
    readonly group?: string;
  };
  /** The classes, in label order. Default: the distinct labels, sorted (numerically if all are numbers). */
  readonly classNames?: readonly string[];
  /** Keep classes (from classNames) that have no images instead of failing. */
  readonly allowEmptyClasses?: boolean;
}

const toPosix = (path: string): string => path.split(sep).join('/');

function listImages(directory: string): Promise<string[]> {
  return listFilesRecursively(directory, isImageFile);
}

async function subfolders(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

function findColumn(
  header: string[],
  wanted: string | undefined,
  aliases: readonly string[],
): number {
  const lower = header.map((name) => name.toLowerCase());
  if (wanted !== undefined) return lower.indexOf(wanted.toLowerCase());
  for (const alias of aliases) {
    const at = lower.indexOf(alias);
    if (at >= 0) return at;
  }
  return -1;
}

interface Row {
  id: string;
  file: string;
  label: string;
  split?: SplitName;
  group?: string;
}

async function rowsFromCsv(
  directory: string,
  csvPath: string,
  options: FolderOptions,
): Promise<Row[]> {
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch (error) {
    throw new DataError(
      `cannot read labels file ${csvPath}: ${(error as Error).message}`,
      csvPath,
      { cause: error, problem: 'labels-file' },
    );
  }
  const table = parseCsv(text, csvPath);
  if (table.length === 0)
    throw new DataError(`labels file ${csvPath} is empty`, csvPath, LABELS_FILE);
  const header = table[0]!;
  const columns = options.columns ?? {};
  const fileColumn = findColumn(header, columns.file, COLUMN_ALIASES.file);
  const labelColumn = findColumn(header, columns.label, COLUMN_ALIASES.label);
  const splitColumn = findColumn(header, columns.split, COLUMN_ALIASES.split);
  const groupColumn = findColumn(header, columns.group, COLUMN_ALIASES.group);
  if (fileColumn < 0 || labelColumn < 0) {
    throw new DataError(
      `labels file ${csvPath} needs a header with a file and a label column (file,label[,split][,group]); its first row is '${header.join(',')}'`,
      csvPath,
      LABELS_FILE,
    );
  }
  if (table.length === 1)
    throw new DataError(`labels file ${csvPath} has a header but no rows`, csvPath, LABELS_FILE);
  const rows: Row[] = [];
  for (let r = 1; r < table.length; r++) {
    const cells = table[r]!;
    const where = `${csvPath} line ${r + 1}`;
    const file = cells[fileColumn] ?? '';
    const label = cells[labelColumn] ?? '';
    if (file === '') throw new DataError(`${where}: no file name`, csvPath, LABELS_FILE);
    if (label === '') throw new DataError(`${where}: no label for ${file}`, file, LABELS_FILE);
    const row: Row = { id: toPosix(file), file, label };
    if (splitColumn >= 0)
      row.split = parseSplitName(cells[splitColumn] ?? '', `${where} (${file})`);
    if (groupColumn >= 0) {
      const group = cells[groupColumn] ?? '';
      if (group === '') throw new DataError(`${where}: no group for ${file}`, file, LABELS_FILE);
      row.group = group;
    }
    rows.push(row);
  }
  const base = await imagesBase(directory, rows, options.imagesDir);
  for (const row of rows) row.file = isAbsolute(row.file) ? row.file : resolve(base, row.file);
  const missing = rows.filter((row) => !existsSync(row.file)).map((row) => row.file);
  if (missing.length > 0) {
    throw new DataError(
      `${missing.length} image(s) listed in ${csvPath} do not exist: ${listSome(missing, 5)}`,
      missing[0],
      { problem: 'missing-files' },
    );
  }
  return rows;
}

// Where relative paths in the CSV point: the given folder, the image folder, or
// the one subfolder that holds every listed file.
async function imagesBase(
  directory: string,
  rows: readonly Row[],
  imagesDir: string | undefined,
): Promise<string> {
  if (imagesDir !== undefined) return resolve(directory, imagesDir);
  const relativeRows = rows.filter((row) => !isAbsolute(row.file));
  const holdsAll = (base: string): boolean =>
    relativeRows.every((row) => existsSync(resolve(base, row.file)));
  if (holdsAll(directory)) return directory;
  const holding = (await subfolders(directory))
    .map((name) => join(directory, name))
    .filter(holdsAll);
  return holding.length === 1 ? holding[0]! : directory;
}

async function rowsFromClassFolders(directory: string): Promise<Row[] | undefined> {
  const top = await subfolders(directory);
  if (top.length === 0) return undefined;
  const splitNames = ['train', 'training', 'val', 'valid', 'validation', 'test', 'testing'];
  const bySplit = top.every((name) => splitNames.includes(name.toLowerCase()));
  const rows: Row[] = [];
  const empty: string[] = [];
  const addClasses = async (folder: string, split?: SplitName): Promise<void> => {
    for (const className of await subfolders(folder)) {
      const files = await listImages(join(folder, className));
      if (files.length === 0) empty.push(toPosix(relative(directory, join(folder, className))));
      for (const file of files) {
        rows.push({
          id: toPosix(relative(directory, file)),
          file,
          label: className,
          ...(split === undefined ? {} : { split }),
        });
      }
    }
  };
  if (bySplit) {
    for (const name of top)
      await addClasses(join(directory, name), parseSplitName(name, directory));
  } else {
    await addClasses(directory);
  }
  if (empty.length > 0) {
    throw new DataError(
      `class folder(s) with no images in ${directory}: ${listSome(empty)}`,
      empty[0],
      { problem: 'empty-class' },
    );
  }
  return rows.length > 0 ? rows : undefined;
}

/**
 * Loads a folder of images. With `labels.csv` (or `options.labelsFile`): a
 * header naming a file and a label column, optional split and group columns
 * (e.g. `file,label,split,group`, or ORL's `png,subject,label`); paths are
 * relative to the folder. Without it: one subfolder per class, optionally
 * inside train/, val/ and test/ folders that set the split.
 */
export async function loadImageFolder(
  directory: string,
  options: FolderOptions = {},
): Promise<ImageSet> {
  const root = resolve(directory);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new DataError(`image folder ${root} does not exist or is not a folder`, root);
  }
  const csvPath =
    options.labelsFile === undefined ? join(root, 'labels.csv') : resolve(root, options.labelsFile);
  let rows: Row[];
  if (options.labelsFile !== undefined || existsSync(csvPath)) {
    if (!existsSync(csvPath))
      throw new DataError(`labels file ${csvPath} does not exist`, csvPath, LABELS_FILE);
    rows = await rowsFromCsv(root, csvPath, options);
  } else {
    const fromFolders = await rowsFromClassFolders(root);
    if (fromFolders === undefined) {
      throw new DataError(
        `${root} has no labels.csv (file,label[,split][,group]) and no class subfolders with images`,
        root,
      );
    }
    rows = fromFolders;
  }
  const { labels, classNames } = indexLabels(
    rows.map((row) => row.label),
    options.classNames,
    (i) => rows[i]!.id,
  );
  const ids = rows.map((row) => row.id);
  const hasSplits = rows.some((row) => row.split !== undefined);
  const hasGroups = rows.some((row) => row.group !== undefined);
  const labelling = {
    labels,
    classNames,
    ids,
    ...(hasGroups ? { groups: rows.map((row) => row.group!) } : {}),
    ...(hasSplits ? { splits: rows.map((row) => row.split!) } : {}),
  };
  checkLabelling(labelling, root, options); // before decoding anything
  const pixels = await loadFiles(rows, options);
  return makeImageSet(
    {
      images: pixels.images,
      ...labelling,
      metadata: {
        source: 'folder',
        location: root,
        height: pixels.height,
        width: pixels.width,
        channels: pixels.channels,
        preprocessing: summarizePreprocessing(options),
        files: rows.map((row) => row.file),
      },
    },
    options,
  );
}
