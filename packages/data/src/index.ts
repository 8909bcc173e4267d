// @gsa/data: image sets for global spatial attention, universal (browser and
// Node): the ImageSet type, preprocessing of decoded pixels, THE splits and
// folds, THE seeded generator, .npy bytes, the pixel representation, the
// synthetic dataset (as tensors) and batches. Files, decoding and loaders are
// in @gsa/data/node.
export type {
  ImageSet,
  ImageSetMetadata,
  LazyImages,
  PixelArray,
  PreprocessingSummary,
  RawImage,
  SplitName,
} from './types.js';
export { DataError, type DataProblem } from './errors.js';
export { parseSplitName, sortClassNames } from './sources/labels.js';
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
export {
  isLazyImages,
  imageCount,
  imageShape,
  readImages,
  subsetImageSet,
  classCounts,
  makeImageSet,
} from './images/image-set.js';
export type { LazyImagesOptions } from './images/lazy-images.js';
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
export {
  pixelRepresentation,
  lowRankPixelRepresentation,
  type ExactOptions,
  type RepresentationOptions,
  type LowRankOptions,
  type LowRankPixelRepresentation,
  type PixelRepresentation,
  type TrainingSplit,
} from './representation/pixel-representation.js';
export {
  generateSyntheticDataset,
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
export { Random, hashSeed } from './random.js';
export { quantile, quantileOfSorted, pearsonCorrelation } from './statistics.js';
export {
  checkStructure,
  STRUCTURE_THRESHOLDS,
  type StructureCheck,
  type StructureOptions,
  type StructureVerdict,
} from './structure/structure.js';
export { registerTranslations } from './structure/register.js';
export {
  alignmentReference,
  alignImageSet,
  alignImage,
  type AlignmentReference,
} from './structure/align.js';
export { parseNpy, parseNpz, encodeNpy, type NpyArray, type NpyData } from './npy/npy.js';
