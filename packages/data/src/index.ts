// @gsa/data: image sets for global spatial attention. Loaders return an
// ImageSet (see types.ts); the pixel representation is built from its
// training images only.
export type {
  ImageSet,
  ImageSetMetadata,
  LazyImages,
  PixelArray,
  PreprocessingSummary,
  RawImage,
  SplitName,
} from './types.js';
export { DataError } from './errors.js';

// Decoding and preprocessing
export { decodeImage, readImageHeader, isImageFile, IMAGE_EXTENSIONS } from './decode/decode.js';
export { decodePnm } from './decode/pnm.js';
export { resizeArea } from './preprocess/resize-area.js';
export {
  preprocessImage,
  preprocessImages,
  PAPER_PREPROCESSING,
  IMAGENET_MEAN,
  IMAGENET_STD,
  type CropRect,
  type PreprocessOptions,
  type ProcessedImage,
} from './preprocess/preprocess.js';

// Sources
export type { LoadOptions } from './images/load-files.js';
export { loadImageFolder, COLUMN_ALIASES, type FolderOptions } from './sources/folder.js';
export { loadMedMnist, MEDMNIST_CLASS_NAMES, type MedMnistOptions } from './sources/medmnist.js';
export { parseNpy, readNpz, type NpyArray, type NpyData } from './sources/npy.js';
export {
  loadJaffe,
  parseJaffeRatings,
  JAFFE_RATED_EMOTIONS,
  JAFFE_POSED_EXPRESSIONS,
  type JaffeOptions,
} from './sources/jaffe.js';
export {
  loadIdrid,
  idridCrop,
  IDRID_CLASS_NAMES,
  IDRID_WIDTH,
  type IdridOptions,
  type IdridTask,
} from './sources/idrid.js';
export {
  loadDicom,
  listDicomFiles,
  DICOM_KEY_COLUMNS,
  type DicomGroupBy,
  type DicomLabelKey,
  type DicomOptions,
} from './sources/dicom/dicom.js';
export {
  decodeDicom,
  readDicomHeader,
  applyWindow,
  DICOM_SUPPORTED_TRANSFER_SYNTAXES,
  DICOM_UNSUPPORTED_TRANSFER_SYNTAXES,
  type DecodedDicom,
  type DicomHeader,
} from './sources/dicom/decode-dicom.js';
export { loadNifti, type NiftiOptions, type NiftiSliceIndex } from './sources/nifti/nifti.js';
export {
  readNifti,
  readNiftiHeader,
  extractSlice,
  canonicalShape,
  type NiftiHeader,
  type NiftiVolume,
} from './sources/nifti/read-nifti.js';
export { parseWindow, type IntensityWindow } from './sources/medical-labels.js';
export {
  loadDataset,
  parseDatasetSpec,
  detectDatasetKind,
  DATASET_SPEC_SYNTAX,
  type DatasetKind,
  type DatasetOptions,
  type DatasetSpec,
  type SpecOptions,
} from './sources/load-dataset.js';

// Image sets
export {
  isLazyImages,
  imageCount,
  imageShape,
  readImages,
  subsetImageSet,
  classCounts,
  makeImageSet,
} from './images/image-set.js';
export { lazyImages, type LazyImagesOptions } from './images/lazy-images.js';

// Splits
export {
  stratifiedHoldout,
  stratifiedKFold,
  groupHoldout,
  groupKFold,
  holdout,
  kFold,
  type Fold,
  type HoldoutOptions,
  type HoldoutSplit,
  type ImageSetSplit,
  type KFoldOptions,
  type SplitOptions,
} from './splits/splits.js';

// The pixel representation
export {
  pixelRepresentation,
  lowRankPixelRepresentation,
  exactPixelRepresentationBytes,
  type ExactOptions,
  type LowRankOptions,
  type LowRankPixelRepresentation,
  type PixelRepresentation,
  type TrainingSplit,
} from './representation/pixel-representation.js';

// Synthetic data and batching
export { writeSyntheticDataset } from './synthetic/write-synthetic.js';
export {
  generateSyntheticDataset,
  syntheticRegion,
  syntheticClassNames,
  type SyntheticImageSet,
  type SyntheticOptions,
  type SyntheticRegion,
} from './synthetic/synthetic.js';
export {
  batches,
  disposeBatch,
  epochOrder,
  type Batch,
  type BatchOptions,
} from './batching/batches.js';
