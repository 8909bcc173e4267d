// JAFFE (Japanese Female Facial Expression): files such as KA.AN1.39.tiff
// (subject KA, posed expression AN, take 1, index 39) and a semantic-ratings
// file whose rows read `N HAP SAD SUR ANG DIS FEA PIC`, PIC being e.g. KA-AN1.
import { existsSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { isImageFile } from '../decode/decode.js';
import { DataError, listSome } from '../errors.js';
import { checkLabelling, makeImageSet } from '../images/image-set.js';
import { loadFiles, type LoadOptions } from '../images/load-files.js';
import { summarizePreprocessing } from '../preprocess/preprocess.js';
import type { ImageSet } from '../types.js';

/** The six rated emotions, in the ratings file's column order: the paper's classes. */
export const JAFFE_RATED_EMOTIONS: readonly string[] = [
  'happiness',
  'sadness',
  'surprise',
  'anger',
  'disgust',
  'fear',
];
const RATING_COLUMNS = ['HAP', 'SAD', 'SUR', 'ANG', 'DIS', 'FEA'];

/** The seven posed expressions by file-name code. */
export const JAFFE_POSED_EXPRESSIONS: Readonly<Record<string, string>> = {
  AN: 'anger',
  DI: 'disgust',
  FE: 'fear',
  HA: 'happiness',
  NE: 'neutral',
  SA: 'sadness',
  SU: 'surprise',
};

const FILE_NAME = /^([A-Za-z]{2})\.([A-Za-z]{2})(\d+)\.(\d+)\.(tiff?|png|jpe?g|pgm)$/i;
const PICTURE = /^([A-Za-z]{2})-([A-Za-z]{2})(\d+)$/;

export interface JaffeOptions extends LoadOptions {
  /**
   * 'ratings' (the paper's rule, six classes): the emotion with the highest
   * mean semantic rating, ties to the earlier column. 'posed' (seven classes):
   * the expression in the file name. Default 'ratings'.
   */
  readonly labels?: 'ratings' | 'posed';
  /** The ratings file. Default: the file in the folder (or one level below) whose header names HAP ... PIC. */
  readonly ratingsFile?: string;
  /** Images without a rating: 'error' (default) or 'skip'. */
  readonly unrated?: 'error' | 'skip';
  readonly allowEmptyClasses?: boolean;
}

/** Mean ratings per picture name (e.g. 'KA-AN1'), in JAFFE_RATED_EMOTIONS order. */
export function parseJaffeRatings(text: string, file = 'ratings file'): Map<string, number[]> {
  const ratings = new Map<string, number[]>();
  let order = RATING_COLUMNS.map((_, i) => i);
  const lines = text.split(/\r?\n/);
  lines.forEach((line, lineIndex) => {
    const tokens = line
      .replace(/^#/, ' ')
      .trim()
      .split(/\s+/)
      .filter((token) => token !== '');
    if (tokens.length === 0) return;
    const upper = tokens.map((token) => token.toUpperCase());
    if (RATING_COLUMNS.every((column) => upper.includes(column))) {
      // A header: read the column order from it.
      const positions = RATING_COLUMNS.map((column) => upper.indexOf(column));
      const sorted = [...positions].sort((a, b) => a - b);
      order = positions.map((position) => sorted.indexOf(position));
      return;
    }
    const picture = tokens.find((token) => PICTURE.test(token));
    if (picture === undefined) return; // comments and notes
    const numbers = tokens.filter((token) => token !== picture).map(Number);
    if (
      numbers.some((value) => Number.isNaN(value)) ||
      (numbers.length !== 6 && numbers.length !== 7)
    ) {
      throw new DataError(
        `${file} line ${lineIndex + 1}: expected 'N HAP SAD SUR ANG DIS FEA PIC', got '${line.trim()}'`,
        file,
      );
    }
    const values = numbers.slice(numbers.length - 6);
    const key = picture.toUpperCase();
    if (ratings.has(key))
      throw new DataError(`${file}: picture ${picture} is rated twice`, picture);
    ratings.set(
      key,
      order.map((position) => values[position]!),
    );
  });
  return ratings;
}

async function findRatingsFile(root: string): Promise<string | undefined> {
  const candidates: string[] = [];
  const scan = async (folder: string, depth: number): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isFile() && !isImageFile(entry.name) && statSync(path).size < 1_000_000)
        candidates.push(path);
      else if (entry.isDirectory() && depth > 0) await scan(path, depth - 1);
    }
  };
  await scan(root, 1);
  for (const candidate of candidates) {
    const head = (await readFile(candidate, 'latin1')).slice(0, 4096).toUpperCase();
    if (RATING_COLUMNS.every((column) => head.includes(column)) && head.includes('PIC'))
      return candidate;
  }
  return undefined;
}

/**
 * Loads JAFFE from its folder. The subject (KA, KL, ...) is each image's
 * group, so group-aware splits keep a person on one side.
 */
export async function loadJaffe(directory: string, options: JaffeOptions = {}): Promise<ImageSet> {
  const root = resolve(directory);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new DataError(`JAFFE folder ${root} does not exist or is not a folder`, root);
  }
  const rule = options.labels ?? 'ratings';
  if (rule !== 'ratings' && rule !== 'posed') {
    throw new DataError(
      `JAFFE labels must be 'ratings' or 'posed', got '${String(rule)}'`,
      String(rule),
    );
  }
  const files: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.isDirectory()) await walk(join(folder, entry.name));
      else if (FILE_NAME.test(entry.name)) files.push(join(folder, entry.name));
    }
  };
  await walk(root);
  if (files.length === 0) {
    throw new DataError(`${root} has no JAFFE images (names such as KA.AN1.39.tiff)`, root);
  }

  let ratings: Map<string, number[]> | undefined;
  let ratingsFile: string | undefined;
  if (rule === 'ratings') {
    ratingsFile =
      options.ratingsFile === undefined
        ? await findRatingsFile(root)
        : resolve(root, options.ratingsFile);
    if (ratingsFile === undefined) {
      throw new DataError(
        `${root}: no ratings file found (a text file with the header 'N HAP SAD SUR ANG DIS FEA PIC'); pass ratingsFile, or labels: 'posed'`,
        root,
      );
    }
    let text: string;
    try {
      text = await readFile(ratingsFile, 'latin1');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (error as Error).message;
      throw new DataError(`cannot read ratings file ${ratingsFile}: ${why}`, ratingsFile, {
        cause: error,
      });
    }
    const expected = "expected a header 'N HAP SAD SUR ANG DIS FEA PIC' and one row per picture";
    if (text.trim() === '') {
      throw new DataError(`ratings file ${ratingsFile} is empty (${expected})`, ratingsFile);
    }
    ratings = parseJaffeRatings(text, ratingsFile);
    if (ratings.size === 0) {
      throw new DataError(
        `ratings file ${ratingsFile} has no ratings (${expected}, e.g. '1 2.87 2.52 2.10 1.97 1.97 2.06 KA-AN1')`,
        ratingsFile,
      );
    }
  }

  const posedCodes = Object.keys(JAFFE_POSED_EXPRESSIONS).sort();
  const classNames =
    rule === 'ratings'
      ? [...JAFFE_RATED_EMOTIONS]
      : posedCodes.map((code) => JAFFE_POSED_EXPRESSIONS[code]!);
  const kept: { file: string; id: string; subject: string; label: number }[] = [];
  const unrated: string[] = [];
  for (const file of files) {
    const name = basename(file);
    const [, subject, expression, take] = FILE_NAME.exec(name)!;
    const code = expression!.toUpperCase();
    let label: number;
    if (rule === 'posed') {
      label = posedCodes.indexOf(code);
      if (label < 0) {
        throw new DataError(
          `${file}: unknown posed expression '${code}' (one of ${posedCodes.join(', ')})`,
          file,
        );
      }
    } else {
      const rating = ratings!.get(`${subject!.toUpperCase()}-${code}${Number(take)}`);
      if (rating === undefined) {
        unrated.push(name);
        continue;
      }
      label = rating.indexOf(Math.max(...rating));
    }
    kept.push({ file, id: name, subject: subject!.toUpperCase(), label });
  }
  if (unrated.length > 0 && (options.unrated ?? 'error') === 'error') {
    throw new DataError(
      `${unrated.length} JAFFE image(s) have no row in ${ratingsFile}: ${listSome(unrated)} (pass unrated: 'skip' to leave them out)`,
      unrated[0],
    );
  }
  const labelling = {
    labels: Int32Array.from(kept, (entry) => entry.label),
    classNames,
    ids: kept.map((entry) => entry.id),
    groups: kept.map((entry) => entry.subject),
  };
  checkLabelling(labelling, root, options);
  const pixels = await loadFiles(kept, options);
  return makeImageSet(
    {
      images: pixels.images,
      ...labelling,
      metadata: {
        source: 'jaffe',
        location: root,
        height: pixels.height,
        width: pixels.width,
        channels: pixels.channels,
        preprocessing: summarizePreprocessing(options),
        files: kept.map((entry) => entry.file),
        details: {
          labelRule: rule,
          ...(ratingsFile === undefined ? {} : { ratingsFile }),
          ...(unrated.length > 0 ? { skippedUnrated: unrated } : {}),
        },
      },
    },
    options,
  );
}
