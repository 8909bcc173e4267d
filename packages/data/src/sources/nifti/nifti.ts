// nifti:FILE_OR_DIR — 2D NIfTI images, or one chosen slice of each 3D volume,
// with a labels CSV (file,label[,split][,group][,axis][,index]) or one
// subfolder per class. Volumes are reoriented to the closest canonical (RAS)
// orientation first, so that an axis means the same in every file.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DataError, listSome } from '../../errors.js';
import { checkLabelling, makeImageSet } from '../../images/image-set.js';
import { loadFiles, type ImageReader, type LoadOptions } from '../../images/load-files.js';
import { summarizePreprocessing } from '../../preprocess/preprocess.js';
import type { ImageSet, SplitName } from '../../types.js';
import { applyWindow } from '../dicom/decode-dicom.js';
import { COLUMN_ALIASES } from '../folder.js';
import { indexLabels } from '../labels.js';
import {
  checkWindow,
  describeWindow,
  readIdList,
  readLabelTable,
  tally,
  type IntensityWindow,
} from '../medical-labels.js';
import {
  canonicalShape,
  extractSlice,
  readNifti,
  readNiftiHeader,
  type NiftiHeader,
  type NiftiVolume,
} from './read-nifti.js';
import { listFilesRecursively } from '../../images/list-files.js';

/** A slice position: a voxel index along the axis, or the middle one (floor(n / 2)). */
export type NiftiSliceIndex = number | 'middle';

export interface NiftiOptions extends LoadOptions {
  /** Labels CSV, relative to the folder (a file's folder) or absolute. Default `labels.csv` when present. */
  readonly labelsFile?: string;
  /** Axis the slices cut: 0 (x, sagittal), 1 (y, coronal), 2 (z, axial; default). A CSV `axis` column overrides it per row. */
  readonly axis?: 0 | 1 | 2;
  /** Which slice: an index or 'middle' (default). A CSV `index`/`slice` column overrides it per row. */
  readonly index?: NiftiSliceIndex;
  /** 'canonical' (default): reorient to the closest RAS orientation first; 'stored': the voxel axes as stored. */
  readonly orient?: 'canonical' | 'stored';
  /** Grey values to [0, 1]; default 'file' (cal_min..cal_max, else each slice's min..max). Ignored for RGB24. */
  readonly window?: IntensityWindow;
  /** Mirror these ids horizontally, or the ids listed in this file (one per line). */
  readonly flip?: Iterable<string> | string;
  readonly classNames?: readonly string[];
  readonly allowEmptyClasses?: boolean;
}

const toPosix = (path: string): string => path.split(sep).join('/');
const NIFTI_FILE = /\.nii(\.gz)?$/i;

function listNiftiFiles(root: string): Promise<string[]> {
  return listFilesRecursively(root, (name) => NIFTI_FILE.test(name));
}

interface Slice {
  readonly id: string;
  readonly file: string;
  readonly key: string;
  readonly label: string;
  readonly axis: number;
  readonly index: NiftiSliceIndex;
  readonly split?: SplitName;
  readonly group?: string;
}

function parseAxis(value: string | number, where: string): 0 | 1 | 2 {
  const axis = typeof value === 'number' ? value : Number(value.trim());
  if (axis !== 0 && axis !== 1 && axis !== 2) {
    throw new DataError(`${where}: axis must be 0, 1 or 2, got '${value}'`, String(value));
  }
  return axis;
}

/** An index (a non-negative integer) or 'middle'. */
export function parseSliceIndex(value: string | number, where: string): NiftiSliceIndex {
  if (value === 'middle') return value;
  const index = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(index) || index < 0) {
    throw new DataError(
      `${where}: slice index must be a non-negative integer or 'middle', got '${value}'`,
      String(value),
    );
  }
  return index;
}

function firstCell(
  cells: Readonly<Record<string, string>>,
  names: readonly string[],
): string | undefined {
  for (const name of names) {
    const value = cells[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** Resolves the slice of a header: the image itself for 2D, else `index` along canonical `axis`. */
function slicePosition(
  header: NiftiHeader,
  slice: Slice,
  canonical: boolean,
): { axis: number; index: number; width: number; height: number } {
  const shape = canonical ? canonicalShape(header) : [...header.shape];
  const flat = header.shape[2] === 1; // a 2D image: the slice is the image
  const axis = flat ? 2 : slice.axis;
  const count = shape[axis]!;
  const index = flat ? 0 : slice.index === 'middle' ? Math.floor(count / 2) : slice.index;
  if (index >= count) {
    throw new DataError(
      `${slice.file}: slice ${index} along axis ${axis} is outside its ${count} slices (shape ${shape.join('x')})`,
      slice.file,
    );
  }
  const [u, v] = [0, 1, 2].filter((a) => a !== axis) as [number, number];
  return { axis, index, width: shape[u]!, height: shape[v]! };
}

/**
 * Loads 2D NIfTI images or one slice of each 3D volume (see the README's
 * NIfTI section). `path` is a folder (every .nii/.nii.gz under it) or one
 * file (the CSV rows that name it, e.g. several slices of one volume). Ids are
 * paths relative to the folder, with `:axis:index` added when a file gives
 * several slices.
 */
export async function loadNifti(path: string, options: NiftiOptions = {}): Promise<ImageSet> {
  const target = resolve(path);
  if (!existsSync(target)) throw new DataError(`NIfTI path ${target} does not exist`, target);
  const single = statSync(target).isFile();
  if (single && !NIFTI_FILE.test(target)) {
    throw new DataError(`${target} is not a .nii or .nii.gz file`, target);
  }
  const root = single ? dirname(target) : target;
  const defaultAxis = parseAxis(options.axis ?? 2, 'axis');
  const defaultIndex = parseSliceIndex(options.index ?? 'middle', 'index');
  const window = checkWindow(options.window ?? 'file');
  const orient = options.orient ?? 'canonical';
  if (orient !== 'canonical' && orient !== 'stored') {
    throw new DataError(
      `orient must be 'canonical' or 'stored', got '${String(orient)}'`,
      String(orient),
    );
  }
  const canonical = orient === 'canonical';
  const idOf = (file: string): string => toPosix(relative(root, file));

  const csvPath =
    options.labelsFile === undefined ? join(root, 'labels.csv') : resolve(root, options.labelsFile);
  let slices: Omit<Slice, 'id'>[] = [];
  let labelKey = 'file';
  if (options.labelsFile !== undefined || existsSync(csvPath)) {
    if (!existsSync(csvPath)) throw new DataError(`labels file ${csvPath} does not exist`, csvPath);
    const table = await readLabelTable(csvPath, { file: COLUMN_ALIASES.file }, 'file');
    const missing: string[] = [];
    for (const row of table.rows) {
      const where = `${csvPath} line ${row.line}`;
      const file = isAbsolute(row.key) ? row.key : resolve(root, row.key);
      if (single && file !== target) continue;
      if (!existsSync(file)) {
        missing.push(row.key);
        continue;
      }
      const axisCell = firstCell(row.cells, ['axis']);
      const indexCell = firstCell(row.cells, ['index', 'slice', 'slice_index']);
      const group = firstCell(row.cells, COLUMN_ALIASES.group);
      slices.push({
        file,
        key: row.key,
        label: row.label,
        axis: axisCell === undefined ? defaultAxis : parseAxis(axisCell, where),
        index:
          indexCell === undefined ? defaultIndex : parseSliceIndex(indexCell.toLowerCase(), where),
        ...(row.split === undefined ? {} : { split: row.split }),
        ...(group === undefined ? {} : { group }),
      });
    }
    if (missing.length > 0) {
      throw new DataError(
        `${missing.length} file(s) listed in ${csvPath} do not exist: ${listSome(missing, 5)}`,
        missing[0],
        { problem: 'missing-files' },
      );
    }
    if (slices.length === 0) {
      throw new DataError(`${csvPath} has no row for ${single ? target : 'any file'}`, csvPath);
    }
  } else if (single) {
    throw new DataError(
      `${target}: a single NIfTI file needs a labels CSV beside it (labels.csv, or labels=FILE) with a row per slice (file,label,index)`,
      target,
    );
  } else {
    labelKey = 'folder';
    const files = await listNiftiFiles(root);
    if (files.length === 0) throw new DataError(`${root} holds no .nii or .nii.gz files`, root);
    const atRoot = files.filter((file) => !idOf(file).includes('/'));
    if (atRoot.length > 0) {
      throw new DataError(
        `${root} has no labels.csv and ${atRoot.length} NIfTI file(s) outside class subfolders (${listSome(atRoot.map(idOf), 5)}): add labels.csv (file,label) or put each class in its own subfolder`,
        atRoot[0],
      );
    }
    slices = files.map((file) => ({
      file,
      key: idOf(file),
      label: idOf(file).split('/')[0]!,
      axis: defaultAxis,
      index: defaultIndex,
    }));
  }

  // Headers first: 4D series, slices out of range and mixed orientations fail before any voxel is read.
  const headers = new Map<string, NiftiHeader>();
  for (const slice of slices) {
    if (!headers.has(slice.file)) headers.set(slice.file, await readNiftiHeader(slice.file));
  }
  for (const [file, header] of headers) {
    if (header.volumes > 1) {
      throw new DataError(
        `${file}: a 4D series of ${header.volumes} volumes is not supported; give 2D images or 3D volumes (split it first, e.g. fslsplit)`,
        file,
      );
    }
  }
  const positions = slices.map((slice) =>
    slicePosition(headers.get(slice.file)!, slice as Slice, canonical),
  );
  const perFile = tally(slices.map((slice) => slice.file));
  const withIds: Slice[] = slices.map((slice, i) => ({
    ...slice,
    id:
      perFile[slice.file]! > 1
        ? `${idOf(slice.file)}:${positions[i]!.axis}:${positions[i]!.index}`
        : idOf(slice.file),
  }));
  const orientations = tally([...headers.values()].map((header) => header.orientation));
  if (!canonical && Object.keys(orientations).length > 1) {
    const byOrientation = Object.keys(orientations)
      .map(
        (code) =>
          `${code}: ${listSome(
            [...headers].filter(([, h]) => h.orientation === code).map(([file]) => idOf(file)),
            3,
          )}`,
      )
      .join('; ');
    throw new DataError(
      `the files are stored in different orientations (${byOrientation}); use orient=canonical (the default) or reorient them first`,
      root,
    );
  }

  const { labels, classNames } = indexLabels(
    withIds.map((slice) => slice.label),
    options.classNames,
    (i) => withIds[i]!.id,
  );
  const hasGroups = withIds.some((slice) => slice.group !== undefined);
  if (hasGroups && withIds.some((slice) => slice.group === undefined)) {
    const without = withIds.filter((slice) => slice.group === undefined).map((slice) => slice.id);
    throw new DataError(`${csvPath}: no group for ${listSome(without, 5)}`, without[0]);
  }
  const labelling = {
    labels,
    classNames,
    ids: withIds.map((slice) => slice.id),
    ...(hasGroups ? { groups: withIds.map((slice) => slice.group!) } : {}),
    ...(withIds.some((slice) => slice.split !== undefined)
      ? { splits: withIds.map((slice) => slice.split ?? 'train') }
      : {}),
  };
  checkLabelling(labelling, root, options);

  const flip = new Set<string>();
  if (options.flip !== undefined) {
    const known = new Set(labelling.ids);
    const wanted = await readIdList(options.flip, root);
    const unknown = wanted.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new DataError(`flip list id(s) not in the set: ${listSome(unknown)}`, unknown[0]);
    }
    for (const id of wanted) flip.add(id);
  }

  // Entries are named "file (axis A, slice I)" so that errors say which slice.
  const byName = new Map<
    string,
    { slice: Slice; axis: number; index: number; width: number; height: number }
  >();
  const names = withIds.map((slice, i) => {
    const position = positions[i]!;
    const flat = headers.get(slice.file)!.shape[2] === 1;
    const name = flat
      ? slice.file
      : `${slice.file} (axis ${position.axis}, slice ${position.index})`;
    byName.set(name, { slice, ...position });
    return name;
  });
  // The last volume read is kept: consecutive slices of one file decode it once.
  let cached: { file: string; volume: Promise<NiftiVolume> } | undefined;
  const volumeOf = (file: string): Promise<NiftiVolume> => {
    if (cached?.file !== file) cached = { file, volume: readNifti(file) };
    return cached.volume;
  };
  const reader: ImageReader = {
    decode: async (name) => {
      const { slice, axis, index } = byName.get(name)!;
      const volume = await volumeOf(slice.file);
      const image = extractSlice(volume, axis, index, canonical);
      const { width, height, channels } = image;
      if (channels === 3) {
        return {
          data: Float32Array.from(image.values, (value) => value / 255),
          width,
          height,
          channels,
          maxValue: 1,
        };
      }
      return {
        data: windowSlice(image.values, volume, window),
        width,
        height,
        channels: 1,
        maxValue: 1,
      };
    },
  };
  const pixels = await loadFiles(
    withIds.map((slice, i) => ({ file: names[i]!, flip: flip.has(slice.id) })),
    options,
    reader,
  );
  const used = [...headers.values()];
  return makeImageSet(
    {
      images: pixels.images,
      ...labelling,
      metadata: {
        source: 'nifti',
        location: single ? target : root,
        height: pixels.height,
        width: pixels.width,
        channels: pixels.channels,
        preprocessing: summarizePreprocessing(options),
        files: withIds.map((slice) => slice.file),
        details: {
          modality: 'NIfTI',
          volumes: headers.size,
          sourceShapes: tally(used.map((header) => header.shape.join('x'))),
          dataType: tally(used.map((header) => header.dataType)),
          orientation: orientations,
          orient,
          slices: tally(
            positions.map((position, i) =>
              headers.get(withIds[i]!.file)!.shape[2] === 1
                ? '2D image'
                : `axis ${position.axis}, slice ${position.index}`,
            ),
          ),
          window: describeWindow(window),
          labelKey,
          ...(labelKey === 'folder' ? {} : { labelsFile: basename(csvPath) }),
          flipped: labelling.ids.filter((id) => flip.has(id)),
        },
      },
    },
    options,
  );
}

function windowSlice(
  values: Float64Array,
  volume: NiftiVolume,
  window: IntensityWindow,
): Float32Array {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) values[i] = -Infinity;
  let low: number;
  let high: number;
  const { calMin, calMax } = volume.header;
  if (typeof window === 'object') {
    return applyWindow(values, window.center, window.width);
  } else if (window === 'file' && calMax > calMin) {
    [low, high] = [calMin, calMax];
  } else if (window === 'range') {
    [low, high] = volumeRange(volume);
  } else {
    [low, high] = finiteRange(values);
  }
  const out = new Float32Array(values.length);
  const span = high - low;
  for (let i = 0; i < values.length; i++) {
    out[i] = span > 0 ? Math.min(1, Math.max(0, (values[i]! - low) / span)) : 0;
  }
  return out;
}

function finiteRange(values: Iterable<number>): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return low <= high ? [low, high] : [0, 0];
}

const ranges = new WeakMap<NiftiVolume, [number, number]>();
function volumeRange(volume: NiftiVolume): [number, number] {
  let range = ranges.get(volume);
  if (range === undefined) {
    const [nx, ny, nz] = volume.header.shape;
    const all = function* (): Generator<number> {
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) yield volume.value(x, y, z);
    };
    range = finiteRange(all());
    ranges.set(volume, range);
  }
  return range;
}
