// What the dicom: and nifti: sources share: their labels CSV, the intensity
// window option, counting facts for metadata, and the flip list.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseCsv } from '../csv.js';
import { DataError } from '../errors.js';
import type { SplitName } from '../types.js';
import { COLUMN_ALIASES } from './folder.js';
import { parseSplitName } from './labels.js';

/**
 * How grey values map to [0, 1]. DICOM: `file` is the file's first Window
 * Center/Width (else `range`); `range` is every value the stored bits allow,
 * after rescale. NIfTI: `file` is cal_min..cal_max (else `minmax`); `range` is
 * the whole volume's minimum..maximum. Both: `minmax` is each image's own
 * minimum..maximum, `{ center, width }` a fixed window (DICOM's linear VOI).
 */
export type IntensityWindow =
  'file' | 'range' | 'minmax' | { readonly center: number; readonly width: number };

/** Checks a window given in code; parseWindow reads one from text. */
export function checkWindow(window: IntensityWindow): IntensityWindow {
  if (typeof window === 'string') {
    if (window === 'file' || window === 'range' || window === 'minmax') return window;
  } else if (
    typeof window === 'object' &&
    Number.isFinite(window.center) &&
    Number.isFinite(window.width) &&
    window.width >= 1
  ) {
    return window;
  }
  throw new DataError(
    `window must be 'file', 'range', 'minmax' or { center, width } with width >= 1, got ${JSON.stringify(window)}`,
    String(window),
  );
}

/** `file`, `range`, `minmax` or `CENTER,WIDTH` (e.g. `40,400`). */
export function parseWindow(text: string): IntensityWindow {
  const value = text.trim().toLowerCase();
  if (value === 'file' || value === 'range' || value === 'minmax') return value;
  const parts = value.split(/[,/]/).map((part) => part.trim());
  const [center, width] = parts.map(Number);
  if (
    parts.length !== 2 ||
    parts.some((part) => part === '') ||
    center === undefined ||
    width === undefined
  ) {
    throw new DataError(
      `window '${text}' is not file, range, minmax or CENTER,WIDTH (e.g. 40,400)`,
      text,
    );
  }
  return checkWindow({ center, width });
}

export function describeWindow(window: IntensityWindow): string {
  return typeof window === 'string' ? window : `${window.center},${window.width}`;
}

/** One labels CSV row: its line number (for errors), key cell, label and split. */
export interface LabelRow {
  readonly line: number;
  readonly key: string;
  readonly label: string;
  readonly split?: SplitName;
  /** Other cells by lower-case column name (e.g. NIfTI's slice index). */
  readonly cells: Readonly<Record<string, string>>;
}

export interface LabelTable {
  readonly path: string;
  /** Which kind of key column was found, e.g. 'file', 'sop', 'patient'. */
  readonly keyKind: string;
  readonly keyColumn: string;
  readonly rows: readonly LabelRow[];
}

/**
 * Reads a labels CSV whose rows are keyed by one of `keys` (kind -> accepted
 * column names, tried in order unless `wanted` names the kind) and have a
 * label column and optionally a split column.
 */
export async function readLabelTable(
  path: string,
  keys: Readonly<Record<string, readonly string[]>>,
  wanted?: string,
): Promise<LabelTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DataError(`cannot read labels file ${path}: ${(error as Error).message}`, path, {
      cause: error,
    });
  }
  const table = parseCsv(text, path);
  if (table.length < 2)
    throw new DataError(`labels file ${path} has no rows after its header`, path);
  const header = table[0]!.map((cell) => cell.toLowerCase());
  const kinds = wanted === undefined ? Object.keys(keys) : [wanted];
  let keyKind: string | undefined;
  let keyColumn = -1;
  for (const kind of kinds) {
    for (const alias of keys[kind] ?? []) {
      keyColumn = header.indexOf(alias);
      if (keyColumn >= 0) break;
    }
    if (keyColumn >= 0) {
      keyKind = kind;
      break;
    }
  }
  const labelColumn =
    COLUMN_ALIASES.label.map((alias) => header.indexOf(alias)).find((at) => at >= 0) ?? -1;
  const splitColumn =
    COLUMN_ALIASES.split.map((alias) => header.indexOf(alias)).find((at) => at >= 0) ?? -1;
  const accepted = kinds.map((kind) => `${kind} (${(keys[kind] ?? []).join('/')})`).join(', ');
  if (keyKind === undefined || labelColumn < 0) {
    throw new DataError(
      `labels file ${path} needs a header with a key column [${accepted}] and a label column (${COLUMN_ALIASES.label.join('/')}); its first row is '${table[0]!.join(',')}'`,
      path,
    );
  }
  const rows: LabelRow[] = [];
  for (let r = 1; r < table.length; r++) {
    const cells = table[r]!;
    const key = cells[keyColumn] ?? '';
    const label = cells[labelColumn] ?? '';
    // Key values may be identifiers (PatientID, SOP Instance UID): errors name the line only.
    if (key === '') throw new DataError(`${path} line ${r + 1}: empty ${keyKind} column`, path);
    if (label === '') throw new DataError(`${path} line ${r + 1}: no label`, path);
    const named: Record<string, string> = {};
    header.forEach((name, i) => (named[name] = cells[i] ?? ''));
    rows.push({
      line: r + 1,
      key,
      label,
      ...(splitColumn >= 0
        ? { split: parseSplitName(cells[splitColumn] ?? '', `${path} line ${r + 1}`) }
        : {}),
      cells: named,
    });
  }
  return { path, keyKind, keyColumn: table[0]![keyColumn]!, rows };
}

/** Counts of each value, for metadata (`{ CT: 12, MR: 3 }`). */
export function tally(values: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/**
 * Ids to flip: the ids themselves, or the path (relative to `root`) of a file
 * with one per line (`separators` may add commas); `what` names the list in errors.
 */
export async function readIdList(
  source: Iterable<string> | string,
  root: string,
  what = 'flip list',
  separators: RegExp = /[\r\n]+/,
): Promise<string[]> {
  if (typeof source !== 'string') return [...source];
  const path = resolve(root, source);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DataError(`cannot read ${what} ${path}: ${(error as Error).message}`, path, {
      cause: error,
    });
  }
  return text
    .split(separators)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
