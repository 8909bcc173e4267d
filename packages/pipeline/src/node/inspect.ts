import { classCounts, imageCount, type ImageSet } from '@gsa/data';
import * as tf from '@tensorflow/tfjs-core';
import { writeContactSheet } from './contact-sheet.js';
import { loadRunData } from './load-data.js';

/** What `gsa datasets inspect` finds in a data SPEC (its --json). */
export interface DatasetInspection {
  spec: string;
  /** The loader that read it ('folder', 'medmnist', 'dicom', ...). */
  source: string;
  images: number;
  /** [height, width, channels] of every image. */
  shape: [number, number, number];
  /** Images per class, in label order. */
  classes: Record<string, number>;
  /** Images per split of the data's own split column, when it has one. */
  splits?: Record<string, number>;
  /** Distinct groups (patients, subjects), when the data has them. */
  groups?: number;
  /** What the loader reports besides (DICOM and NIfTI: modality, window, ...; no header identifier). */
  details?: Readonly<Record<string, unknown>>;
  /** The contact sheet PNG written, if any. */
  contactSheet?: string;
  /** The same as text, as `gsa datasets inspect` prints it. */
  text: string;
}

/**
 * What a data SPEC holds (counts per class, image size, splits, groups, the
 * medical sources' details) and, unless `sheet` is false, a contact sheet PNG.
 */
export async function inspectDataset(
  spec: string,
  sheet: string | false,
): Promise<DatasetInspection> {
  const set = await loadRunData(spec, undefined, false);
  try {
    const counted = classCounts(set);
    const { source, height, width, channels, details } = set.metadata;
    let splits: Record<string, number> | undefined;
    if (set.splits) {
      splits = {};
      for (const split of set.splits) splits[split] = (splits[split] ?? 0) + 1;
    }
    let text = describeImageSet(spec, set);
    if (sheet !== false) {
      await writeContactSheet(set, sheet);
      text += `\n  contact sheet (a row per class, in the order above): ${sheet}`;
    }
    return {
      spec,
      source,
      images: imageCount(set),
      shape: [height, width, channels],
      classes: Object.fromEntries(set.classNames.map((name, index) => [name, counted[index]!])),
      ...(splits ? { splits } : {}),
      ...(set.groups ? { groups: new Set(set.groups).size } : {}),
      ...(details ? { details } : {}),
      ...(sheet === false ? {} : { contactSheet: sheet }),
      text,
    };
  } finally {
    if (set.images instanceof tf.Tensor) set.images.dispose();
  }
}

/** Counts like `{ CT: 12, MR: 3 }` as `CT (12), MR (3)`. */
function counts(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0 || entries.some(([, count]) => typeof count !== 'number'))
    return undefined;
  return entries.map(([name, count]) => `${name} (${String(count)})`).join(', ');
}

/**
 * What DICOM and NIfTI sets add: modality, source sizes, bit depth, window,
 * orientation, patient counts. Only what the loader put in metadata.details,
 * which holds no header identifier.
 */
function medicalLines(set: ImageSet): string[] {
  const details = set.metadata.details ?? {};
  const lines: string[] = [];
  const tallied: [string, string][] = [
    ['modality', 'modality'],
    ['sourceSizes', 'source sizes (rows x columns)'],
    ['sourceShapes', 'source shapes (x y z)'],
    ['bitsStored', 'bits stored'],
    ['dataType', 'data type'],
    ['photometric', 'photometric interpretation'],
    ['transferSyntax', 'transfer syntax'],
    ['orientation', 'stored orientation'],
    ['slices', 'slices'],
    ['laterality', 'laterality'],
  ];
  for (const [key, label] of tallied) {
    const text = counts(details[key]);
    if (text !== undefined) lines.push(`  ${label}: ${text}`);
    else if (typeof details[key] === 'string') lines.push(`  ${label}: ${details[key]}`);
  }
  if (typeof details.window === 'string') {
    const fromFiles = counts(details.fileWindows);
    lines.push(
      `  window: ${details.window}${fromFiles === undefined ? '' : ` (the files' center,width: ${fromFiles})`}`,
    );
  }
  if (typeof details.orient === 'string') lines.push(`  reoriented: ${details.orient}`);
  if (typeof details.patients === 'number') {
    const studies = typeof details.studies === 'number' ? `, studies: ${details.studies}` : '';
    lines.push(`  patients: ${details.patients}${studies}`);
  }
  if (typeof details.groupNames === 'string') lines.push(`  group names: ${details.groupNames}`);
  if (typeof details.unlabelled === 'number' && details.unlabelled > 0) {
    lines.push(`  not in the labels file (skipped): ${details.unlabelled}`);
  }
  if (Array.isArray(details.flipped) && details.flipped.length > 0) {
    const rule =
      typeof details.flipLaterality === 'string' ? ` (laterality ${details.flipLaterality})` : '';
    lines.push(`  flipped horizontally: ${details.flipped.length}${rule}`);
  }
  return lines;
}

/** The `gsa datasets inspect` text for a loaded set. */
export function describeImageSet(spec: string, set: ImageSet): string {
  const classes = classCounts(set);
  const { source, height, width, channels } = set.metadata;
  const lines = [
    `${spec}: ${imageCount(set)} images of ${height}x${width}x${channels} (every image the same size: structured)`,
    ...set.classNames.map((name, index) => `  ${name}: ${classes[index]}`),
  ];
  if (set.splits) {
    const bySplit = new Map<string, number>();
    for (const split of set.splits) bySplit.set(split, (bySplit.get(split) ?? 0) + 1);
    lines.push(`  splits: ${[...bySplit].map(([name, count]) => `${name} ${count}`).join(', ')}`);
  }
  if (set.groups) lines.push(`  groups: ${new Set(set.groups).size}`);
  if (source === 'dicom' || source === 'nifti') lines.push(...medicalLines(set));
  return lines.join('\n');
}
