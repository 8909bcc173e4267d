// @gsa/data/node: files, decoding (sharp) and the loaders of every source.
// Loaders return an ImageSet; everything universal (splits, the seeded
// generator, the pixel representation, ...) is in @gsa/data.

// Decoding
export { decodeImage } from '../decode/decode.js';

// Sources
export type { LoadOptions } from '../images/load-files.js';
export { loadImageFolder, type FolderOptions } from '../sources/folder.js';
export { loadMedMnist, type MedMnistOptions } from '../sources/medmnist.js';
export { readNpz } from '../npy/read-npz.js';
export { loadJaffe, type JaffeOptions } from '../sources/jaffe.js';
export { loadIdrid, idridCrop, type IdridOptions, type IdridTask } from '../sources/idrid.js';
// The sources' registry: folder, medmnist, jaffe and idrid are registered here;
// dicom and nifti by importing @gsa/data/medical.
import '../sources/builtin-sources.js';
export {
  loadDataset,
  parseDatasetSpec,
  registerDatasetSource,
  datasetSources,
  datasetSpecSyntax,
  type DatasetSource,
  type DatasetSpec,
  type DetectedPath,
  type ParsedSource,
} from '../sources/registry.js';
export type { DatasetOptions } from '../sources/dataset-options.js';

// Synthetic data on disk
export { writeSyntheticDataset } from '../synthetic/write-synthetic.js';
