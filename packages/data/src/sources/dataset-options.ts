import type { DicomOptions } from './dicom/dicom.js';
import type { FolderOptions } from './folder.js';
import type { IdridOptions } from './idrid.js';
import type { JaffeOptions } from './jaffe.js';
import type { MedMnistOptions } from './medmnist.js';
import type { NiftiOptions } from './nifti/nifti.js';

/** Options for any source's loader; each uses the ones it knows. */
export type DatasetOptions = FolderOptions &
  MedMnistOptions &
  JaffeOptions &
  IdridOptions &
  DicomOptions &
  NiftiOptions;
