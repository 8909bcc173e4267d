// Images the user hands the page (files from a folder, a dropped image), decoded
// by the browser and preprocessed by @gsa/data: nothing is uploaded anywhere.
import * as tf from '@tensorflow/tfjs-core';
import {
  DataError,
  makeImageSet,
  parseSplitName,
  preprocessImage,
  sortClassNames,
  type ImageSet,
  type PreprocessOptions,
  type RawImage,
  type SplitName,
} from '@gsa/data';

/** Decodes an image file with the browser (PNG, JPEG, WebP, GIF, BMP) to grey or RGB bytes. */
export async function decodeImageFile(file: Blob, name: string): Promise<RawImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new DataError(
      `${name}: this browser cannot decode it as an image (PNG, JPEG, WebP).`,
      name,
    );
  }
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const pixels = canvas.width * canvas.height;
  let grey = true;
  for (let i = 0; i < pixels && grey; i++) {
    grey = rgba[i * 4] === rgba[i * 4 + 1] && rgba[i * 4] === rgba[i * 4 + 2];
  }
  const channels = grey ? 1 : 3;
  const data = new Uint8Array(pixels * channels);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < channels; c++) data[i * channels + c] = rgba[i * 4 + c]!;
  }
  return { data, width: canvas.width, height: canvas.height, channels, maxValue: 255 };
}

/** A file with the path it had inside the chosen or dropped folder. */
export interface FolderFile {
  path: string;
  file: File;
}

const IMAGE_FILE = /\.(png|jpe?g|webp|gif|bmp)$/i;

/** Splits one CSV line (RFC 4180 quotes). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field.trim());
      field = '';
    } else field += char;
  }
  fields.push(field.trim());
  return fields;
}

function column(header: string[], names: string[]): number {
  return header.findIndex((name) => names.includes(name.toLowerCase()));
}

/**
 * An ImageSet from a folder's files, as `gsa train --data folder:...` reads
 * one: a `labels.csv` (`file,label[,split]`, paths relative to the folder) or,
 * without it, one subfolder per class. Every image is resized to `size` x
 * `size` (INTER_AREA) and scaled to [0, 1]; grey and colour images may not be
 * mixed unless `channels` is given.
 */
export async function folderImageSet(
  files: readonly FolderFile[],
  options: { size: number; channels?: 1 | 3 },
): Promise<ImageSet> {
  if (files.length === 0)
    throw new DataError('The folder is empty: choose a folder of images.', '');
  // Paths relative to the chosen folder: drop the folder's own name when every path starts with it.
  const first = files[0]!.path.split('/')[0]!;
  const strip = files.every((entry) => entry.path.startsWith(`${first}/`));
  const relative = files.map((entry) => ({
    path: strip ? entry.path.slice(first.length + 1) : entry.path,
    file: entry.file,
  }));
  const byPath = new Map(relative.map((entry) => [entry.path, entry.file]));
  const labelsEntry = relative.find((entry) => /(^|\/)labels\.csv$/i.test(entry.path));
  const rows: { path: string; label: string; split?: SplitName }[] = [];
  if (labelsEntry) {
    const base = labelsEntry.path.replace(/labels\.csv$/i, '');
    const lines = (await labelsEntry.file.text()).split(/\r?\n/).filter((line) => line.trim());
    const header = csvFields(lines[0] ?? '');
    const fileColumn = column(header, ['file', 'filename', 'image', 'path', 'png']);
    const labelColumn = column(header, ['label', 'class', 'target']);
    const splitColumn = column(header, ['split']);
    if (fileColumn < 0 || labelColumn < 0) {
      throw new DataError(
        `${labelsEntry.path}: the header needs a file column and a label column (file,label[,split]); it has: ${header.join(', ')}.`,
        labelsEntry.path,
      );
    }
    for (const [index, line] of lines.slice(1).entries()) {
      const fields = csvFields(line);
      const path = `${base}${fields[fileColumn] ?? ''}`;
      if (!byPath.has(path)) {
        throw new DataError(
          `${labelsEntry.path} line ${index + 2}: ${fields[fileColumn]} is not in the folder.`,
          path,
        );
      }
      const splitValue = splitColumn >= 0 ? fields[splitColumn] : undefined;
      // The same split names as the Node loaders, the same error for another one.
      const split = splitValue
        ? parseSplitName(splitValue, `${labelsEntry.path} line ${index + 2}`)
        : undefined;
      rows.push({ path, label: fields[labelColumn] ?? '', ...(split ? { split } : {}) });
    }
  } else {
    for (const entry of relative) {
      const parts = entry.path.split('/');
      if (parts.length >= 2 && IMAGE_FILE.test(entry.path)) {
        rows.push({ path: entry.path, label: parts[parts.length - 2]! });
      }
    }
    if (rows.length === 0) {
      throw new DataError(
        'The folder has no labels.csv (file,label) and no class subfolders of images.',
        '',
      );
    }
  }
  // Sorted as the Node loaders sort them, so class indices agree with `gsa train`'s.
  const classNames = sortClassNames(rows.map((row) => row.label));
  const decoded = await Promise.all(
    rows.map((row) => decodeImageFile(byPath.get(row.path)!, row.path)),
  );
  const channels = options.channels ?? (decoded.every((image) => image.channels === 1) ? 1 : 3);
  const preprocess: PreprocessOptions = { size: options.size, scale: true, channels };
  const size = options.size;
  const values = new Float32Array(rows.length * size * size * channels);
  decoded.forEach((image, index) => {
    const processed = preprocessImage(image, preprocess, false, rows[index]!.path);
    values.set(processed.data, index * size * size * channels);
  });
  const hasSplits = rows.some((row) => row.split);
  return makeImageSet({
    images: tf.tensor4d(values, [rows.length, size, size, channels]),
    labels: Int32Array.from(rows, (row) => classNames.indexOf(row.label)),
    classNames,
    ids: rows.map((row) => row.path),
    ...(hasSplits ? { splits: rows.map((row) => row.split ?? 'train') } : {}),
    metadata: {
      source: 'folder',
      location: strip ? first : 'the chosen files',
      height: size,
      width: size,
      channels,
      preprocessing: { size: [size, size], scaled: true, channels },
    },
  });
}

/**
 * Every file under the dropped items, with its path (folders are walked).
 * Items without a file-system entry (some browsers, synthetic drops) count as
 * plain files.
 */
export async function droppedFiles(items: DataTransferItemList): Promise<FolderFile[]> {
  const files: FolderFile[] = [];
  const entries: FileSystemEntry[] = [];
  for (const item of [...items]) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry();
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) files.push({ path: file.name, file });
    }
  }
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) =>
        (entry as FileSystemFileEntry).file(resolve, reject),
      );
      files.push({ path: `${prefix}${entry.name}`, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
          reader.readEntries(resolve, reject),
        );
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return files;
}

/** Files from an `<input type="file" webkitdirectory>`, with their paths. */
export function chosenFiles(list: FileList): FolderFile[] {
  return [...list].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}
