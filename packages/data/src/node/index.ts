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
// The sources' registry: folder, medmnist, jaffe and idrid are registered here;
// dicom and nifti by importing @gsa/data/medical.
import '../sources/builtin-sources.js';
export {
  loadDataset,
  parseDatasetSpec,
  detectDatasetKind,
  registerDatasetSource,
  datasetSources,
  datasetSpecSyntax,
  containsFile,
  type DatasetSource,
  type DatasetSpec,
  type DetectedPath,
  type ParsedSource,
} from '../sources/registry.js';
export type { DatasetOptions } from '../sources/dataset-options.js';

// Synthetic data on disk
export { writeSyntheticDataset } from '../synthetic/write-synthetic.js';
