// dicom:DIR — a folder tree of DICOM Part 10 files (one 2D image each) with a
// labels CSV keyed by file path, SOP Instance UID or PatientID, or one
// subfolder per class. Groups are salted hashes of the PatientID, so that
// group-aware splits keep each patient on one side; no header identifier
// (names, IDs, dates, UIDs) reaches ids, groups, metadata or error messages.
import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { mapLimit } from '../../concurrency.js';
import { DataError, listSome } from '../../errors.js';
import { checkLabelling, makeImageSet } from '../../images/image-set.js';
import { loadFiles, type ImageReader, type LoadOptions } from '../../images/load-files.js';
import { summarizePreprocessing } from '../../preprocess/preprocess.js';
import type { ImageSet, SplitName } from '../../types.js';
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
import { derivedSalt, pseudonym } from '../pseudonym.js';
import {
  DICOM_SUPPORTED_TRANSFER_SYNTAXES,
  DICOM_UNSUPPORTED_TRANSFER_SYNTAXES,
  checkDecodable,
  decodeDicom,
  readDicomHeader,
  type DicomHeader,
} from './decode-dicom.js';
import { listFilesRecursively } from '../../images/list-files.js';

/** What the labels CSV's key column holds. */
export type DicomLabelKey = 'file' | 'sop' | 'patient';
/** What an image's group is: its patient (default), its study, or none. */
export type DicomGroupBy = 'patient' | 'study' | 'none';

/** Column names accepted for each key kind (case-insensitive), in the order tried. */
export const DICOM_KEY_COLUMNS: Readonly<Record<DicomLabelKey, readonly string[]>> = {
  file: COLUMN_ALIASES.file,
  sop: ['sopinstanceuid', 'sop_instance_uid', 'sop_uid', 'sop'],
  patient: ['patientid', 'patient_id', 'patient'],
};

export interface DicomOptions extends LoadOptions {
  /** Labels CSV, relative to the folder or absolute. Default `labels.csv` when present, else class subfolders. */
  readonly labelsFile?: string;
  /** Force the key column's kind; default: the first of file, sop, patient found in the header. */
  readonly labelKey?: DicomLabelKey;
  /** Grey values to [0, 1]; default 'file' (the file's window, else the stored bits' range). Ignored for colour. */
  readonly window?: IntensityWindow;
  /** Mirror horizontally the images whose laterality ((0020,0062), else (0020,0060)) is this side. */
  readonly flipLaterality?: 'L' | 'R';
  /** Mirror these ids (relative paths), or the ids listed in this file (one per line). */
  readonly flip?: Iterable<string> | string;
  /** Default 'patient'. Images without the identifier get a group of their own. */
  readonly groupBy?: DicomGroupBy;
  /**
   * Key of the HMAC that turns identifiers into group names. Default: the
   * GSA_DICOM_SALT environment variable, else a key derived from the loaded
   * files' own identifiers (stable for the same files, never stored). `false`
   * keeps the plain identifiers: only when you want them in outputs.
   */
  readonly salt?: string | false;
  readonly classNames?: readonly string[];
  readonly allowEmptyClasses?: boolean;
}

const toPosix = (path: string): string => path.split(sep).join('/');
const NOT_DICOM = /\.(csv|txt|json|md|xml|html?|nii|gz|npz|npy|png|jpe?g|tiff?|zip|py|log)$/i;

async function isPart10(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 128);
    return bytesRead === 4 && buffer.toString('latin1') === 'DICM';
  } finally {
    await handle.close();
  }
}

/** Every DICOM Part 10 file under `root` (by its 'DICM' marker), sorted, skipping dot files. */
export async function listDicomFiles(root: string): Promise<string[]> {
  const candidates = await listFilesRecursively(root, (name) => !NOT_DICOM.test(name));
  const marked = await mapLimit(candidates, 16, isPart10);
  return candidates.filter((_, i) => marked[i]);
}

interface Selected {
  readonly file: string;
  readonly id: string;
  readonly label: string;
  readonly split?: SplitName;
  readonly header: DicomHeader;
}

function checkOptions(options: DicomOptions): void {
  if (options.window !== undefined) checkWindow(options.window);
  if (options.labelKey !== undefined && !(options.labelKey in DICOM_KEY_COLUMNS)) {
    throw new DataError(`labelKey must be file, sop or patient, got '${String(options.labelKey)}'`);
  }
  if (options.groupBy !== undefined && !['patient', 'study', 'none'].includes(options.groupBy)) {
    throw new DataError(`groupBy must be patient, study or none, got '${String(options.groupBy)}'`);
  }
  if (options.flipLaterality !== undefined && !['L', 'R'].includes(options.flipLaterality)) {
    throw new DataError(
      `flipLaterality must be 'L' or 'R', got '${String(options.flipLaterality)}'`,
    );
  }
}

/**
 * Loads a folder tree of single-frame DICOM images (see the README's DICOM
 * section). Ids are the files' paths relative to the folder; groups are
 * pseudonymised PatientIDs; metadata.details holds modality, transfer syntax,
 * photometric interpretation, bit depth, source sizes, window and patient
 * counts, and nothing that identifies anyone.
 */
export async function loadDicom(directory: string, options: DicomOptions = {}): Promise<ImageSet> {
  const root = resolve(directory);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new DataError(`DICOM folder ${root} does not exist or is not a folder`, root);
  }
  checkOptions(options);
  const files = await listDicomFiles(root);
  if (files.length === 0) {
    throw new DataError(
      `${root} holds no DICOM Part 10 files (files with 'DICM' after the 128-byte preamble)`,
      root,
    );
  }
  const idOf = (file: string): string => toPosix(relative(root, file));
  const headers = new Map<string, DicomHeader>();
  const headerOf = async (file: string): Promise<DicomHeader> => {
    let header = headers.get(file);
    if (header === undefined) {
      header = await readDicomHeader(file);
      headers.set(file, header);
    }
    return header;
  };

  const csvPath =
    options.labelsFile === undefined ? join(root, 'labels.csv') : resolve(root, options.labelsFile);
  let selected: Selected[];
  let labelKey: string;
  let unlabelled = 0;
  let nonImages = 0;
  if (options.labelsFile !== undefined || existsSync(csvPath)) {
    if (!existsSync(csvPath)) throw new DataError(`labels file ${csvPath} does not exist`, csvPath);
    const table = await readLabelTable(csvPath, DICOM_KEY_COLUMNS, options.labelKey);
    labelKey = table.keyKind;
    const matches = new Map<string, string[]>(); // key -> files
    const add = (key: string, file: string): void => {
      const list = matches.get(key);
      if (list === undefined) matches.set(key, [file]);
      else list.push(file);
    };
    if (labelKey === 'file') {
      const byBase = new Map<string, string[]>();
      for (const file of files) {
        add(idOf(file), file);
        const base = basename(file);
        byBase.set(base, [...(byBase.get(base) ?? []), file]);
      }
      for (const [base, list] of byBase)
        if (list.length === 1 && !matches.has(base)) add(base, list[0]!);
    } else {
      // Every file's header is needed to find its SOP Instance UID or PatientID.
      // Headers are read concurrently but matched in file order, so a patient's
      // images keep the same order on every load (seeded splits depend on it).
      const headers = await mapLimit(files, 8, (file) => headerOf(file).catch(() => undefined));
      files.forEach((file, index) => {
        const header = headers[index];
        const key = labelKey === 'sop' ? header?.sopInstanceUid : header?.patientId;
        if (header === undefined) nonImages++;
        else if (key !== undefined) add(key, file);
      });
    }
    const used = new Set<string>();
    const rowsWithout: number[] = [];
    const twice: string[] = [];
    selected = [];
    for (const row of table.rows) {
      const key = labelKey === 'file' ? toPosix(row.key).replace(/^\.\//, '') : row.key;
      const found = matches.get(key);
      if (found === undefined) {
        rowsWithout.push(row.line);
        continue;
      }
      if (labelKey === 'file' && found.length > 1) {
        throw new DataError(
          `${csvPath} line ${row.line}: '${row.key}' names ${found.length} files; give the path relative to ${root}`,
          row.key,
        );
      }
      for (const file of found) {
        if (used.has(file)) twice.push(idOf(file));
        used.add(file);
        selected.push({
          file,
          id: idOf(file),
          label: row.label,
          ...(row.split === undefined ? {} : { split: row.split }),
          header: await headerOf(file),
        });
      }
    }
    if (rowsWithout.length > 0) {
      const what =
        labelKey === 'file'
          ? 'file under the folder'
          : labelKey === 'sop'
            ? 'SOP Instance UID among the files'
            : 'PatientID among the files';
      throw new DataError(
        `${csvPath}: ${rowsWithout.length} row(s) match no ${what} (line ${listSome(rowsWithout.map(String))}); the values are not repeated here as they may identify patients`,
        csvPath,
      );
    }
    if (twice.length > 0) {
      throw new DataError(
        `${csvPath}: file(s) labelled by more than one row: ${listSome(twice)}`,
        twice[0],
      );
    }
    unlabelled = files.length - used.size - nonImages;
  } else {
    labelKey = 'folder';
    const atRoot = files.filter((file) => !idOf(file).includes('/'));
    if (atRoot.length > 0) {
      throw new DataError(
        `${root} has no labels.csv and ${atRoot.length} DICOM file(s) outside class subfolders (${listSome(atRoot.map(idOf), 5)}): add labels.csv (file,label) or put each class in its own subfolder`,
        atRoot[0],
      );
    }
    selected = await mapLimit(files, 8, async (file) => ({
      file,
      id: idOf(file),
      label: idOf(file).split('/')[0]!,
      header: await headerOf(file),
    }));
  }

  // Every selected file must decode: refuse before any pixel is read.
  for (const entry of selected) checkDecodable(entry.header, entry.file);

  const { labels, classNames } = indexLabels(
    selected.map((entry) => entry.label),
    options.classNames,
    (i) => selected[i]!.id,
  );

  const groupBy = options.groupBy ?? 'patient';
  const identifier = (header: DicomHeader): string | undefined =>
    groupBy === 'patient'
      ? header.patientId
      : groupBy === 'study'
        ? header.studyInstanceUid
        : undefined;
  const userSalt = options.salt ?? process.env.GSA_DICOM_SALT;
  const salt =
    userSalt === false
      ? undefined
      : (userSalt ??
        derivedSalt(
          selected.flatMap((entry) =>
            [
              entry.header.sopInstanceUid,
              entry.header.patientId,
              entry.header.studyInstanceUid,
            ].filter((value): value is string => value !== undefined),
          ),
        ));
  let withoutIdentifier = 0;
  const groups =
    groupBy === 'none'
      ? undefined
      : selected.map((entry) => {
          const value = identifier(entry.header);
          if (value === undefined) {
            withoutIdentifier++;
            return `file:${entry.id}`;
          }
          return salt === undefined ? value : pseudonym(value, salt, groupBy);
        });

  // Orientation: a laterality side and/or a list of ids to mirror.
  const flip = new Set<string>();
  if (options.flipLaterality !== undefined) {
    for (const entry of selected) {
      if (entry.header.laterality?.toUpperCase() === options.flipLaterality) flip.add(entry.id);
    }
  }
  if (options.flip !== undefined) {
    const known = new Set(selected.map((entry) => entry.id));
    const wanted = (await readIdList(options.flip, root)).map((id) =>
      toPosix(id).replace(/^\.\//, ''),
    );
    const unknown = wanted.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new DataError(
        `flip list id(s) not in the set: ${listSome(unknown)} (ids are paths relative to ${root})`,
        unknown[0],
      );
    }
    for (const id of wanted) flip.add(id);
  }

  const labelling = {
    labels,
    classNames,
    ids: selected.map((entry) => entry.id),
    ...(groups === undefined ? {} : { groups }),
    ...(selected.some((entry) => entry.split !== undefined)
      ? { splits: selected.map((entry) => entry.split ?? 'train') }
      : {}),
  };
  checkLabelling(labelling, root, options);

  const window = options.window ?? 'file';
  const reader: ImageReader = {
    decode: async (file) => (await decodeDicom(file, window)).image,
  };
  const pixels = await loadFiles(
    selected.map((entry) => ({ file: entry.file, flip: flip.has(entry.id) })),
    options,
    reader,
  );

  const headersUsed = selected.map((entry) => entry.header);
  const grey = headersUsed.filter((header) => header.samplesPerPixel !== 3);
  const distinct = (values: (string | undefined)[]): number =>
    new Set(values.filter((value) => value !== undefined)).size;
  return makeImageSet(
    {
      images: pixels.images,
      ...labelling,
      metadata: {
        source: 'dicom',
        location: root,
        height: pixels.height,
        width: pixels.width,
        channels: pixels.channels,
        preprocessing: summarizePreprocessing(options),
        files: selected.map((entry) => entry.file),
        details: {
          modality: tally(headersUsed.map((header) => header.modality ?? 'unknown')),
          sourceSizes: tally(headersUsed.map((header) => `${header.rows}x${header.columns}`)),
          bitsStored: tally(headersUsed.map((header) => String(header.bitsStored))),
          photometric: tally(headersUsed.map((header) => header.photometric)),
          transferSyntax: tally(
            headersUsed.map(
              (header) =>
                DICOM_SUPPORTED_TRANSFER_SYNTAXES[header.transferSyntax] ??
                DICOM_UNSUPPORTED_TRANSFER_SYNTAXES[header.transferSyntax] ??
                header.transferSyntax,
            ),
          ),
          window: describeWindow(window),
          ...(window === 'file' && grey.length > 0
            ? {
                fileWindows: tally(
                  grey.map((header) =>
                    header.window === undefined
                      ? 'none (stored range)'
                      : `${header.window.center},${header.window.width}`,
                  ),
                ),
              }
            : {}),
          labelKey,
          ...(labelKey === 'folder' ? {} : { labelsFile: basename(csvPath) }),
          unlabelled,
          nonImages,
          patients: distinct(headersUsed.map((header) => header.patientId)),
          studies: distinct(headersUsed.map((header) => header.studyInstanceUid)),
          groupBy,
          groupNames:
            groupBy === 'none'
              ? 'none'
              : salt === undefined
                ? 'plain identifiers (salt: false)'
                : options.salt !== undefined
                  ? 'HMAC-SHA256 pseudonyms, key given by the user'
                  : userSalt !== undefined
                    ? 'HMAC-SHA256 pseudonyms, key from GSA_DICOM_SALT'
                    : 'HMAC-SHA256 pseudonyms, key derived from the files',
          withoutGroupIdentifier: withoutIdentifier,
          laterality: tally(
            headersUsed.map((header) => header.laterality?.toUpperCase() ?? 'none'),
          ),
          ...(options.flipLaterality === undefined
            ? {}
            : { flipLaterality: options.flipLaterality }),
          flipped: selected.filter((entry) => flip.has(entry.id)).map((entry) => entry.id),
        },
      },
    },
    options,
  );
}
