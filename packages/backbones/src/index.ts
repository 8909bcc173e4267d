// @gsa/backbones: image CNNs by name, built layer for layer as torchvision
// builds them, with torchvision (safetensors) and tfjs weights. Takes
// @tensorflow/tfjs-core and -layers as peers and never picks a backend.
export {
  createBackbone,
  registerBackbone,
  listBackbones,
  backboneDefinition,
  backboneDisplayName,
  type BackboneName,
  type BackboneFamily,
  type BackboneDefinition,
  type BackboneSummary,
  type BackboneOptionsByName,
} from './registry.js';
export type {
  BackboneOptions,
  BackboneOutput,
  WeightInit,
  InputNormalization,
  SmallCnnOptions,
  VggOptions,
  VggLayerList,
  ResNetOptions,
  DenseNetOptions,
  GoogLeNetOptions,
  MobileNetV1Options,
  VggAttentionOptions,
  ResidualAttentionOptions,
} from './types.js';
export { smallCnn } from './architectures/smallcnn.js';
export { vgg } from './architectures/vgg.js';
export { resNet, basicBlock, bottleneckBlock } from './architectures/resnet.js';
export { denseNet, denseBlock, transition, type DenseBlockSpec } from './architectures/densenet.js';
export {
  googLeNet,
  inceptionModule,
  basicConv2d,
  type InceptionChannels,
} from './architectures/googlenet.js';
export { mobileNetV1 } from './architectures/mobilenet.js';
export { vggAttention3 } from './architectures/vgg-attention.js';
export { residualAttentionNetwork } from './architectures/residual-attention.js';
export {
  localAttentionMaps,
  localAttentionLayerNames,
  type LocalAttentionMap,
} from './model-tools/local-attention.js';
export {
  NetworkBuilder,
  type KernelInit,
  type BiasInit,
  type Conv2dSpec,
  type MaxPool2dSpec,
} from './architectures/network-builder.js';
export * from './layers/index.js';
export { countParameters } from './model-tools/parameters.js';
export { replaceHead, classifierLayers } from './model-tools/head.js';
export {
  freezeUpTo,
  freezeAllButHead,
  unfreezeAll,
  frozenLayerNames,
} from './model-tools/freeze.js';
export { featureLayerName, featureExtractor } from './model-tools/graph.js';
export {
  portableModel,
  layerClassNames,
  savedLayerClasses,
  NotPortableError,
  STOCK_LAYER_CLASSES,
  type StockLayer,
  type StockConvertible,
} from './model-tools/portable.js';
export {
  loadWeights,
  saveTorchvisionWeights,
  type LoadWeightsFromOptions,
  type WeightsFormat,
} from './weights/load-weights.js';
export {
  WeightsMismatchError,
  describeWeightsReport,
  type WeightsReport,
  type LoadWeightsOptions,
} from './weights/report.js';
export type { WeightsSource } from './weights/sources.js';
export { encodeTorchvisionWeights } from './weights/torchvision.js';
export { fileSystemHandler, layersModelHandler } from './weights/tfjs-layers.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  SafetensorsError,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsFile,
  type SafetensorsInput,
} from './weights/safetensors.js';
