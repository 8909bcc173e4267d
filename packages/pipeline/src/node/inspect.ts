import { checkStructure, classCounts, imageCount, type ImageSet } from '@gsa/data';
import { describeStructure, summarizeStructure, type StructureSummary } from '../structure.js';
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
  /**
   * Does one map fit: how far the images sit from their common layout (the
   * training images where the data marks a test split, else all of them).
   */
  structure: StructureSummary;
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
  const set = await loadRunData(spec, undefined);
  try {
    const check = await checkStructure(set, { indices: notTest(set) });
    const inspection = { ...summarizeImageSet(spec, set), structure: summarizeStructure(check) };
    let text = inspectionText(inspection);
    if (sheet !== false) {
      await writeContactSheet(set, sheet, { structure: check });
      text += `\n  contact sheet (a row per class, in the order above, then the mean and standard-deviation images): ${sheet}`;
    }
    return { ...inspection, ...(sheet === false ? {} : { contactSheet: sheet }), text };
  } finally {
    if (set.images instanceof tf.Tensor) set.images.dispose();
  }
}

/** The `gsa datasets inspect` text for a loaded set. */
export function describeImageSet(spec: string, set: ImageSet): string {
  return inspectionText(summarizeImageSet(spec, set));
}

type SetSummary = Omit<DatasetInspection, 'text' | 'contactSheet' | 'structure'> & {
  structure?: StructureSummary;
};

/** The images a model would train on: all but the data's own test split. */
function notTest(set: ImageSet): number[] {
  const all = Array.from({ length: imageCount(set) }, (_, index) => index);
  const train = set.splits ? all.filter((index) => set.splits![index] !== 'test') : all;
  return train.length >= 2 ? train : all;
}

/** Counts what a loaded set holds, once: classes, splits, groups. */
function summarizeImageSet(spec: string, set: ImageSet): SetSummary {
  const counted = classCounts(set);
  const { source, height, width, channels, details } = set.metadata;
  let splits: Record<string, number> | undefined;
  if (set.splits) {
    splits = {};
    for (const split of set.splits) splits[split] = (splits[split] ?? 0) + 1;
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
  };
}

function inspectionText(inspection: SetSummary): string {
  const { spec, source, images, shape, classes, splits, groups, details, structure } = inspection;
  const lines = [
    `${spec}: ${images} images of ${shape.join('x')}`,
    ...Object.entries(classes).map(([name, count]) => `  ${name}: ${count}`),
  ];
  if (splits)
    lines.push(
      `  splits: ${Object.entries(splits)
        .map(([name, count]) => `${name} ${count}`)
        .join(', ')}`,
    );
  if (groups !== undefined) lines.push(`  groups: ${groups}`);
  if (source === 'dicom' || source === 'nifti') lines.push(...medicalLines(details ?? {}));
  if (structure) {
    lines.push(
      `  layout${structure.images < images ? ` of the ${structure.images} training images` : ''}: ${describeStructure(structure)}`,
      `  ${structure.advice}`,
    );
  }
  return lines.join('\n');
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
function medicalLines(details: Readonly<Record<string, unknown>>): string[] {
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
