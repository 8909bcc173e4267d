// @gsa/data/node: files, decoding (sharp) and the loaders of every source.
// Loaders return an ImageSet; everything universal (splits, the seeded
// generator, the pixel representation, ...) is in @gsa/data.

// Decoding
export { decodeImage, readImageHeader, isImageFile, IMAGE_EXTENSIONS } from '../decode/decode.js';

// Sources
export type { LoadOptions } from '../images/load-files.js';
export { loadImageFolder, COLUMN_ALIASES, type FolderOptions } from '../sources/folder.js';
export { loadMedMnist, MEDMNIST_CLASS_NAMES, type MedMnistOptions } from '../sources/medmnist.js';
export { readNpz } from '../npy/read-npz.js';
export {
  loadJaffe,
  parseJaffeRatings,
  JAFFE_RATED_EMOTIONS,
  JAFFE_POSED_EXPRESSIONS,
  type JaffeOptions,
} from '../sources/jaffe.js';
export {
  loadIdrid,
  idridCrop,
  IDRID_CLASS_NAMES,
  IDRID_WIDTH,
  type IdridOptions,
  type IdridTask,
} from '../sources/idrid.js';
export {
  loadDicom,
  listDicomFiles,
  DICOM_KEY_COLUMNS,
  type DicomGroupBy,
  type DicomLabelKey,
  type DicomOptions,
} from '../sources/dicom/dicom.js';
export {
  decodeDicom,
  readDicomHeader,
  applyWindow,
  DICOM_SUPPORTED_TRANSFER_SYNTAXES,
  DICOM_UNSUPPORTED_TRANSFER_SYNTAXES,
  type DecodedDicom,
  type DicomHeader,
} from '../sources/dicom/decode-dicom.js';
export { loadNifti, type NiftiOptions, type NiftiSliceIndex } from '../sources/nifti/nifti.js';
export {
  readNifti,
  readNiftiHeader,
  extractSlice,
  canonicalShape,
  type NiftiHeader,
  type NiftiVolume,
} from '../sources/nifti/read-nifti.js';
export { parseWindow, type IntensityWindow } from '../sources/medical-labels.js';
export {
  loadDataset,
  parseDatasetSpec,
  detectDatasetKind,
  DATASET_SPEC_SYNTAX,
  type DatasetKind,
  type DatasetOptions,
  type DatasetSpec,
  type SpecOptions,
} from '../sources/load-dataset.js';

// Synthetic data on disk
export { writeSyntheticDataset } from '../synthetic/write-synthetic.js';
