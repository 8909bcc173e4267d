// IDRiD disease grading: IDRiD_###.jpg fundus photographs (4288x2848) and the
// training/testing label CSVs (`Image name, Retinopathy grade, Risk of macular
// edema`). As in the paper: columns x < 260 and x > 3685 are dropped before
// resizing, and right eyes (given by the caller) are flipped horizontally.
import { existsSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseCsv } from '../csv.js';
import { DataError, listSome } from '../errors.js';
import { checkLabelling, makeImageSet } from '../images/image-set.js';
import { loadFiles, type LoadOptions } from '../images/load-files.js';
import { summarizePreprocessing, type CropRect } from '../preprocess/preprocess.js';
import { readIdList } from './medical-labels.js';
import type { ImageSet, SplitName } from '../types.js';

export type IdridTask = 'retinopathy' | 'edema';

/** Class names per task: DR grade 0-4 and risk of macular edema 0-2. */
export const IDRID_CLASS_NAMES: Readonly<Record<IdridTask, readonly string[]>> = {
  retinopathy: ['no DR', 'mild NPDR', 'moderate NPDR', 'severe NPDR', 'PDR'],
  edema: ['no risk', 'risk 1 (exudates away from the macula)', 'risk 2 (exudates near the macula)'],
};

/** Width of the original IDRiD photographs; the crop scales with the actual width. */
export const IDRID_WIDTH = 4288;
const KEEP_FROM = 260;
const KEEP_TO = 3685; // inclusive: columns x < 260 and x > 3685 are dropped

/** The paper's crop for an IDRiD image of this size: columns 260..3685 of 4288, scaled. */
export function idridCrop(image: { width: number; height: number }): CropRect {
  const scale = image.width / IDRID_WIDTH;
  const left = Math.round(KEEP_FROM * scale);
  const right = Math.min(image.width - 1, Math.round(KEEP_TO * scale));
  return { left, top: 0, width: right - left + 1, height: image.height };
}

export interface IdridOptions extends LoadOptions {
  /** 'retinopathy' (grade 0-4, default) or 'edema' (risk 0-2). */
  readonly task?: IdridTask;
  /**
   * Right eyes, flipped horizontally: ids (`train/IDRiD_001`, or `IDRiD_001`
   * when it names one image) or the path of a file with one per line.
   */
  readonly rightEyes?: Iterable<string> | string;
  /** Apply the paper's column crop (default true); `crop` overrides it. */
  readonly paperCrop?: boolean;
  readonly allowEmptyClasses?: boolean;
}

const IMAGE_NAME = /^(IDRiD_\d+)\.(jpe?g|png|tiff?)$/i;

interface LabelFile {
  path: string;
  split?: SplitName;
}

function splitFromPath(path: string): SplitName | undefined {
  const lower = path.toLowerCase();
  const train = /train/.test(lower);
  const test = /test/.test(lower);
  return train === test ? undefined : train ? 'train' : 'test';
}

async function scan(
  root: string,
): Promise<{ csvs: LabelFile[]; folders: Map<string, Map<string, string>> }> {
  const csvs: LabelFile[] = [];
  const folders = new Map<string, Map<string, string>>(); // folder -> image stem (lower case) -> file
  const walk = async (folder: string, depth: number): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory() && depth > 0) {
        await walk(path, depth - 1);
      } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.csv')) {
        const head = (await readFile(path, 'latin1')).slice(0, 1024).toLowerCase();
        if (head.includes('image name') && head.includes('retinopathy grade')) {
          const split = splitFromPath(relative(root, path));
          csvs.push(split === undefined ? { path } : { path, split });
        }
      } else if (entry.isFile()) {
        const match = IMAGE_NAME.exec(entry.name);
        if (match === null) continue;
        const images = folders.get(folder) ?? new Map<string, string>();
        images.set(match[1]!.toLowerCase(), path);
        folders.set(folder, images);
      }
    }
  };
  await walk(root, 4);
  return { csvs, folders };
}

function imageFolderFor(
  root: string,
  csv: LabelFile,
  folders: Map<string, Map<string, string>>,
): Map<string, string> {
  const all = [...folders.keys()];
  const candidates =
    csv.split === undefined
      ? all
      : all.filter((folder) => splitFromPath(relative(root, folder)) === csv.split);
  if (candidates.length === 1) return folders.get(candidates[0]!)!;
  if (all.length === 1) return folders.get(all[0]!)!;
  if (candidates.length === 0) {
    throw new DataError(
      `${root}: no folder of IDRiD_###.jpg images${csv.split === undefined ? '' : ` for the ${csv.split} split (a folder name with '${csv.split}')`} to go with ${csv.path}`,
      csv.path,
    );
  }
  throw new DataError(
    `${root}: several image folders could go with ${csv.path}: ${listSome(candidates.map((folder) => relative(root, folder)))}`,
    csv.path,
  );
}

/**
 * Loads IDRiD disease grading from its folder (the official layout, or any
 * folder holding the label CSVs and IDRiD_###.jpg images; CSVs and image
 * folders are paired by 'train'/'test' in their paths). With both splits, ids
 * are `train/IDRiD_001` and `test/IDRiD_001` (the numbering restarts) and
 * `splits` holds them.
 */
export async function loadIdrid(directory: string, options: IdridOptions = {}): Promise<ImageSet> {
  const root = resolve(directory);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new DataError(`IDRiD folder ${root} does not exist or is not a folder`, root);
  }
  const task = options.task ?? 'retinopathy';
  if (task !== 'retinopathy' && task !== 'edema') {
    throw new DataError(
      `IDRiD task must be 'retinopathy' or 'edema', got '${String(task)}'`,
      String(task),
    );
  }
  const { csvs, folders } = await scan(root);
  if (csvs.length === 0) {
    throw new DataError(
      `${root}: no IDRiD label CSV (a .csv whose header has 'Image name' and 'Retinopathy grade')`,
      root,
    );
  }
  const splitsSeen = csvs.map((csv) => csv.split ?? 'none');
  if (
    new Set(splitsSeen).size !== splitsSeen.length ||
    (csvs.length > 1 && splitsSeen.includes('none'))
  ) {
    throw new DataError(
      `${root}: cannot tell the label CSVs apart (need one with 'train' and one with 'test' in its name): ${csvs.map((csv) => csv.path).join(', ')}`,
      root,
    );
  }
  csvs.sort((a, b) => (a.split === 'train' ? -1 : b.split === 'train' ? 1 : 0));
  const qualify = csvs.length > 1;
  const classNames = [...IDRID_CLASS_NAMES[task]];

  const entries: { id: string; name: string; file: string; label: number; split?: SplitName }[] =
    [];
  for (const csv of csvs) {
    const table = parseCsv(await readFile(csv.path, 'latin1'), csv.path);
    const header = table[0]!.map((cell) => cell.toLowerCase());
    const nameColumn = header.indexOf('image name');
    const labelColumn = header.findIndex((cell) =>
      task === 'retinopathy' ? cell === 'retinopathy grade' : cell === 'risk of macular edema',
    );
    if (nameColumn < 0 || labelColumn < 0) {
      throw new DataError(
        `${csv.path}: header '${table[0]!.join(',')}' lacks 'Image name' or '${task === 'retinopathy' ? 'Retinopathy grade' : 'Risk of macular edema'}'`,
        csv.path,
      );
    }
    // The official CSVs end with rows of bare commas: those are not images.
    if (table.slice(1).every((row) => (row[nameColumn] ?? '') === '')) {
      throw new DataError(
        `${csv.path} has a header but no rows (expected one row per image: Image name, Retinopathy grade, Risk of macular edema)`,
        csv.path,
      );
    }
    const images = imageFolderFor(root, csv, folders);
    const missing: string[] = [];
    for (let r = 1; r < table.length; r++) {
      const row = table[r]!;
      const name = (row[nameColumn] ?? '').replace(/\.(jpe?g|png|tiff?)$/i, '');
      if (name === '') continue; // the official CSVs end with empty rows of commas
      const value = row[labelColumn] ?? '';
      const label = Number(value);
      if (value === '' || !Number.isInteger(label) || label < 0 || label >= classNames.length) {
        throw new DataError(
          `${csv.path} line ${r + 1}: ${name} has ${task} grade '${value}', expected an integer 0-${classNames.length - 1}`,
          value,
        );
      }
      const file = images.get(name.toLowerCase());
      if (file === undefined) {
        missing.push(name);
        continue;
      }
      entries.push({
        id: qualify ? `${csv.split}/${name}` : name,
        name,
        file,
        label,
        ...(csv.split === undefined ? {} : { split: csv.split }),
      });
    }
    if (missing.length > 0) {
      const folder = dirname(images.values().next().value ?? root);
      throw new DataError(
        `${missing.length} image(s) listed in ${csv.path} are not in ${folder}: ${listSome(missing)}`,
        missing[0],
      );
    }
  }

  // Right eyes: by full id, or by bare name when that names a single image.
  const flip = new Set<string>();
  if (options.rightEyes !== undefined) {
    // The list may also be comma-separated.
    const wanted = await readIdList(options.rightEyes, root, 'right-eye list', /[\r\n,]+/);
    const byId = new Map(entries.map((entry) => [entry.id.toLowerCase(), entry.id]));
    const byName = new Map<string, string[]>();
    for (const entry of entries) {
      const key = entry.name.toLowerCase();
      byName.set(key, [...(byName.get(key) ?? []), entry.id]);
    }
    const unknown: string[] = [];
    for (const raw of wanted) {
      const key = raw.replace(/\.(jpe?g|png|tiff?)$/i, '').toLowerCase();
      const exact = byId.get(key);
      const named = byName.get(key);
      if (exact !== undefined) flip.add(exact);
      else if (named?.length === 1) flip.add(named[0]!);
      else if (named !== undefined) {
        throw new DataError(
          `right eye '${raw}' is ambiguous: write one of ${named.join(', ')}`,
          raw,
        );
      } else unknown.push(raw);
    }
    if (unknown.length > 0) {
      throw new DataError(`right eye id(s) not in the set: ${listSome(unknown)}`, unknown[0]);
    }
  }

  const hasSplits = entries.some((entry) => entry.split !== undefined);
  const labelling = {
    labels: Int32Array.from(entries, (entry) => entry.label),
    classNames,
    ids: entries.map((entry) => entry.id),
    ...(hasSplits ? { splits: entries.map((entry) => entry.split!) } : {}),
  };
  checkLabelling(labelling, root, options);
  const crop = options.crop ?? ((options.paperCrop ?? true) ? idridCrop : undefined);
  const loadOptions = { ...options, ...(crop === undefined ? {} : { crop }) };
  const pixels = await loadFiles(
    entries.map((entry) => ({ file: entry.file, flip: flip.has(entry.id) })),
    loadOptions,
  );
  return makeImageSet(
    {
      images: pixels.images,
      ...labelling,
      metadata: {
        source: 'idrid',
        location: root,
        height: pixels.height,
        width: pixels.width,
        channels: pixels.channels,
        preprocessing: summarizePreprocessing(loadOptions),
        files: entries.map((entry) => entry.file),
        details: {
          task,
          labelFiles: csvs.map((csv) => basename(csv.path)),
          paperCrop: options.crop === undefined && (options.paperCrop ?? true),
          flipped: [...flip],
        },
      },
    },
    options,
  );
}
