// DICOM and NIfTI as dataset sources: `dicom:DIR[?settings]` and
// `nifti:FILE_OR_DIR[?settings]`, settings as `key=value` pairs joined by `&`
// so that a command line needs no flag per source.
import { DataError } from '../errors.js';
import { loadDicom, type DicomOptions } from './dicom/dicom.js';
import { parseWindow } from './medical-labels.js';
import { loadNifti, parseSliceIndex, type NiftiOptions } from './nifti/nifti.js';
import { containsFile, registerDatasetSource } from './registry.js';

/** Settings a dicom: or nifti: string may carry after `?`. */
export type MedicalSpecSettings = Pick<
  DicomOptions,
  'labelsFile' | 'labelKey' | 'window' | 'flip' | 'flipLaterality' | 'groupBy' | 'salt'
> &
  Pick<NiftiOptions, 'axis' | 'index' | 'orient'>;

const DICOM_SYNTAX =
  'DIR[?labels=FILE&key=file|sop|patient&window=file|range|minmax|C,W&flip=L|R|FILE&group=patient|study|none&salt=TEXT|none]';
const NIFTI_SYNTAX =
  'FILE_OR_DIR[?labels=FILE&axis=0|1|2&index=N|middle&window=file|range|minmax|C,W&orient=canonical|stored&flip=FILE]';

function choice<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  const lower = value.toLowerCase() as T;
  if (!allowed.includes(lower)) {
    throw new DataError(`${key}=${value}: expected ${allowed.join(', ')}`, value);
  }
  return lower;
}

/** Parses `key=value&key=value` after `dicom:DIR?` or `nifti:PATH?`. */
function parseSettings(kind: 'dicom' | 'nifti', query: string, spec: string): MedicalSpecSettings {
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
        `'${spec}': unknown setting '${key}' for ${kind}:; use ${allowed.join(', ')} (${kind}:${kind === 'dicom' ? DICOM_SYNTAX : NIFTI_SYNTAX})`,
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
  return options as MedicalSpecSettings;
}

function parseMedical(kind: 'dicom' | 'nifti', rest: string, spec: string) {
  const question = rest.indexOf('?');
  if (question < 0) return { path: rest };
  return {
    path: rest.slice(0, question),
    settings: parseSettings(kind, rest.slice(question + 1), spec),
  };
}

let registered = false;

/** Registers the dicom: and nifti: sources with @gsa/data/node's loadDataset (once). */
export function registerMedicalSources(): void {
  if (registered) return;
  registered = true;
  registerDatasetSource({
    kind: 'dicom',
    syntax: DICOM_SYNTAX,
    // Before labels.csv: DICOM folders carry one too.
    detectOrder: 20,
    detectHint: 'DICOM (.dcm) files',
    detect: ({ path, isFile }) => !isFile && containsFile(path, (name) => /\.dcm$/i.test(name), 4),
    parse: (rest, spec) => parseMedical('dicom', rest, spec),
    load: (path, options, settings) => loadDicom(path, { ...options, ...settings }),
  });
  registerDatasetSource({
    kind: 'nifti',
    syntax: NIFTI_SYNTAX,
    detectOrder: 20,
    detectHint: 'NIfTI (.nii, .nii.gz) files',
    detect: ({ path, isFile }) =>
      isFile
        ? /\.nii(\.gz)?$/i.test(path)
        : containsFile(path, (name) => /\.nii(\.gz)?$/i.test(name), 4),
    parse: (rest, spec) => parseMedical('nifti', rest, spec),
    load: (path, options, settings) => loadNifti(path, { ...options, ...settings }),
  });
}
