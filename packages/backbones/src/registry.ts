import type * as tfl from '@tensorflow/tfjs-layers';
import { denseNet } from './architectures/densenet.js';
import { googLeNet } from './architectures/googlenet.js';
import { mobileNetV1 } from './architectures/mobilenet.js';
import {
  RESIDUAL_ATTENTION_MODULES,
  residualAttentionNetwork,
} from './architectures/residual-attention.js';
import { resNet } from './architectures/resnet.js';
import { smallCnn } from './architectures/smallcnn.js';
import { VGG_LAYERS, vgg } from './architectures/vgg.js';
import { vggAttention3 } from './architectures/vgg-attention.js';
import type {
  BackboneOptions,
  DenseNetOptions,
  GoogLeNetOptions,
  InputNormalization,
  MobileNetV1Options,
  ResidualAttentionOptions,
  ResNetOptions,
  SmallCnnOptions,
  VggAttentionOptions,
  VggOptions,
} from './types.js';

/** The options each built-in backbone takes. */
export interface BackboneOptionsByName {
  smallcnn: SmallCnnOptions;
  vgg11: VggOptions;
  vgg11_bn: VggOptions;
  vgg13: VggOptions;
  vgg13_bn: VggOptions;
  vgg16: VggOptions;
  vgg16_bn: VggOptions;
  vgg19: VggOptions;
  vgg19_bn: VggOptions;
  resnet18: ResNetOptions;
  resnet34: ResNetOptions;
  resnet50: ResNetOptions;
  resnet101: ResNetOptions;
  resnet152: ResNetOptions;
  wide_resnet50_2: ResNetOptions;
  wide_resnet101_2: ResNetOptions;
  densenet121: DenseNetOptions;
  densenet161: DenseNetOptions;
  densenet169: DenseNetOptions;
  densenet201: DenseNetOptions;
  googlenet: GoogLeNetOptions;
  mobilenet_v1: MobileNetV1Options;
  vgg_att3: VggAttentionOptions;
  resattnet56: ResidualAttentionOptions;
  resattnet92: ResidualAttentionOptions;
  resattnet92_32: ResidualAttentionOptions;
}

export type BackboneName = keyof BackboneOptionsByName;

export type BackboneFamily =
  | 'smallcnn'
  | 'vgg'
  | 'resnet'
  | 'densenet'
  | 'googlenet'
  | 'mobilenet'
  | 'vgg-attention'
  | 'residual-attention';

/** A registry entry: how to build one named backbone, and what to know about it. */
export interface BackboneDefinition<Options extends BackboneOptions = BackboneOptions> {
  name: string;
  family: BackboneFamily | (string & {});
  description: string;
  /** The name a results table shows (`'VGG-16'`, `'ResAttNet-92'`). Default: `name`. */
  displayName?: string;
  build: (options: Options) => tfl.LayersModel;
  /** The pixel scale its pretrained weights expect. */
  inputNormalization: InputNormalization;
  /** It computes per-image attention maps of its own (read them with `localAttentionMaps`). */
  hasLocalAttention?: boolean;
  /** PyTorch's parameter count of the full model with 1000 classes (torchvision's `num_params`). */
  torchvisionParameters?: number;
  /** Where pretrained weights come from. */
  weights?: string;
  /** The image side its pretrained weights were trained at (ImageNet: 224). */
  weightsInputSize?: number;
  /**
   * Parameters of the full model with 1000 classes at 224x224 counted layer
   * by layer from its publication, for backbones without a torchvision
   * counterpart (see the README for the arithmetic).
   */
  publishedLayoutParameters?: number;
}

/** What `listBackbones` tells about each entry. */
export type BackboneSummary = Omit<BackboneDefinition, 'build'>;

const registry = new Map<string, BackboneDefinition<never>>();

/**
 * Adds (or replaces) a backbone under `definition.name`, so that
 * `createBackbone(name, ...)` builds it (timm's `register_model`).
 */
export function registerBackbone<Options extends BackboneOptions>(
  definition: BackboneDefinition<Options>,
): void {
  if (!/^[a-z0-9_.-]+$/i.test(definition.name)) {
    throw new Error(`Backbone names use letters, digits, '_', '.', '-'; got '${definition.name}'.`);
  }
  registry.set(definition.name, definition as unknown as BackboneDefinition<never>);
}

/** The name a results table shows for `name`: its `displayName`, or the name itself. */
export function backboneDisplayName(name: string): string {
  return registry.get(name)?.displayName ?? name;
}

/** Every registered backbone, in registration order. */
export function listBackbones(): BackboneSummary[] {
  return [...registry.values()].map(({ build: _build, ...summary }) => summary);
}

/** The registry entry of `name`; throws with the list of names when unknown. */
export function backboneDefinition(name: string): BackboneSummary {
  const { build: _build, ...summary } = lookup(name);
  return summary;
}

function lookup(name: string): BackboneDefinition<never> {
  const definition = registry.get(name);
  if (definition === undefined) {
    throw new Error(`Unknown backbone '${name}'. Registered: ${[...registry.keys()].join(', ')}.`);
  }
  return definition;
}

/**
 * Builds the backbone registered as `name`: a tfjs LayersModel from NHWC
 * images (attended or not) to logits, or with `output: 'features'` to its
 * last feature map. Weights start as the family's torchvision initialisation
 * (seeded by `options.seed`); load pretrained ones with `loadWeights`.
 *
 * ```ts
 * const model = createBackbone('resnet18', { inputShape: [224, 224, 3], numClasses: 5 });
 * ```
 */
export function createBackbone<Name extends BackboneName>(
  name: Name,
  options: BackboneOptionsByName[Name],
): tfl.LayersModel;
export function createBackbone(name: string, options: BackboneOptions): tfl.LayersModel;
export function createBackbone(name: string, options: BackboneOptions): tfl.LayersModel {
  const definition = lookup(name) as unknown as BackboneDefinition;
  return definition.build({ ...options, name: options.name ?? name });
}

const TORCHVISION = 'torchvision ImageNet weights, exported to safetensors (see the README)';

function registerVgg(name: keyof typeof VGG_LAYERS, batchNorm: boolean, params: number): void {
  const fullName = batchNorm ? `${name}_bn` : name;
  registerBackbone<VggOptions>({
    name: fullName,
    displayName: `VGG-${name.slice(3)}${batchNorm ? '-BN' : ''}`,
    family: 'vgg',
    description: `${name.toUpperCase()}${batchNorm ? ' with batch norm' : ''} (torchvision's vgg.${fullName})`,
    build: (options) => vgg({ layers: VGG_LAYERS[name], batchNorm, ...options }),
    inputNormalization: 'imagenet',
    torchvisionParameters: params,
    weights: TORCHVISION,
    weightsInputSize: 224,
  });
}

function registerResNet(
  name: string,
  displayName: string,
  block: 'basic' | 'bottleneck',
  layers: number[],
  params: number,
  widthPerGroup = 64,
): void {
  registerBackbone<ResNetOptions>({
    name,
    displayName,
    family: 'resnet',
    description: `${name} (torchvision's resnet.${name}; ${block} blocks ${layers.join('-')})`,
    build: (options) => resNet({ block, layers, widthPerGroup, ...options }),
    inputNormalization: 'imagenet',
    torchvisionParameters: params,
    weights: TORCHVISION,
    weightsInputSize: 224,
  });
}

function registerDenseNet(
  name: string,
  growthRate: number,
  blockConfig: number[],
  numInitFeatures: number,
  params: number,
): void {
  registerBackbone<DenseNetOptions>({
    name,
    displayName: `DenseNet-${name.slice(8)}`,
    family: 'densenet',
    description: `${name} (torchvision's densenet.${name}; growth ${growthRate}, blocks ${blockConfig.join('-')})`,
    build: (options) => denseNet({ growthRate, blockConfig, numInitFeatures, ...options }),
    inputNormalization: 'imagenet',
    torchvisionParameters: params,
    weights: TORCHVISION,
    weightsInputSize: 224,
  });
}

registerBackbone<SmallCnnOptions>({
  name: 'smallcnn',
  displayName: 'SmallCNN',
  family: 'smallcnn',
  description:
    'fast CPU default: conv 3x3 blocks 32-64-128-128 (batch norm, ReLU, max pool between), global average pooling, linear',
  build: smallCnn,
  inputNormalization: 'any',
});
registerVgg('vgg11', false, 132_863_336);
registerVgg('vgg11', true, 132_868_840);
registerVgg('vgg13', false, 133_047_848);
registerVgg('vgg13', true, 133_053_736);
registerVgg('vgg16', false, 138_357_544);
registerVgg('vgg16', true, 138_365_992);
registerVgg('vgg19', false, 143_667_240);
registerVgg('vgg19', true, 143_678_248);
registerResNet('resnet18', 'ResNet-18', 'basic', [2, 2, 2, 2], 11_689_512);
registerResNet('resnet34', 'ResNet-34', 'basic', [3, 4, 6, 3], 21_797_672);
registerResNet('resnet50', 'ResNet-50', 'bottleneck', [3, 4, 6, 3], 25_557_032);
registerResNet('resnet101', 'ResNet-101', 'bottleneck', [3, 4, 23, 3], 44_549_160);
registerResNet('resnet152', 'ResNet-152', 'bottleneck', [3, 8, 36, 3], 60_192_808);
registerResNet('wide_resnet50_2', 'Wide-ResNet-50-2', 'bottleneck', [3, 4, 6, 3], 68_883_240, 128);
registerResNet(
  'wide_resnet101_2',
  'Wide-ResNet-101-2',
  'bottleneck',
  [3, 4, 23, 3],
  126_886_696,
  128,
);
registerDenseNet('densenet121', 32, [6, 12, 24, 16], 64, 7_978_856);
registerDenseNet('densenet161', 48, [6, 12, 36, 24], 96, 28_681_000);
registerDenseNet('densenet169', 32, [6, 12, 32, 32], 64, 14_149_480);
registerDenseNet('densenet201', 32, [6, 12, 48, 32], 64, 20_013_928);
registerBackbone<GoogLeNetOptions>({
  name: 'googlenet',
  displayName: 'GoogLeNet',
  family: 'googlenet',
  description:
    "Inception v1 (torchvision's googlenet); auxLogits adds its two auxiliary heads (13,004,888 parameters with them)",
  build: googLeNet,
  inputNormalization: 'imagenet',
  torchvisionParameters: 6_624_904,
  weights: `${TORCHVISION}; build with transformInput: true for them`,
  weightsInputSize: 224,
});
registerBackbone<MobileNetV1Options>({
  name: 'mobilenet_v1',
  displayName: 'MobileNet-v1',
  family: 'mobilenet',
  description:
    "MobileNet v1 as Keras builds it, alpha 0.25 to 1 (Google's tfjs layers checkpoints load by name)",
  build: mobileNetV1,
  inputNormalization: 'minus-one-to-one',
  weights: "Google's tfjs layers model (model.json + shards), e.g. mobilenet_v1_0.25_224",
  weightsInputSize: 224,
});
registerBackbone<VggAttentionOptions>({
  name: 'vgg_att3',
  displayName: 'VGG-att3',
  family: 'vgg-attention',
  description:
    'VGG-att3-concat-pc of "Learn to Pay Attention" (Jetley et al. 2018): softmax attention at three levels, attended descriptors concatenated; maps via localAttentionMaps',
  build: vggAttention3,
  inputNormalization: 'any',
  hasLocalAttention: true,
  publishedLayoutParameters: 33_959_976,
});
function registerResidualAttention(
  name: string,
  displayName: string,
  modules: [number, number, number],
  layout: 'imagenet' | 'cifar',
  params?: number,
): void {
  registerBackbone<ResidualAttentionOptions>({
    name,
    displayName,
    family: 'residual-attention',
    description: `${displayName} of the Residual Attention Network (Wang et al. 2017; ${layout === 'cifar' ? '32x32-input layout' : 'ImageNet layout'}, attention modules ${modules.join('-')}); masks via localAttentionMaps`,
    build: (options) => residualAttentionNetwork({ layout, modules, ...options }),
    inputNormalization: 'any',
    hasLocalAttention: true,
    ...(params === undefined ? {} : { publishedLayoutParameters: params }),
  });
}
registerResidualAttention(
  'resattnet56',
  'ResAttNet-56',
  RESIDUAL_ATTENTION_MODULES.resattnet56,
  'imagenet',
  31_810_728,
);
registerResidualAttention(
  'resattnet92',
  'ResAttNet-92',
  RESIDUAL_ATTENTION_MODULES.resattnet92,
  'imagenet',
  52_466_344,
);
registerResidualAttention(
  'resattnet92_32',
  'ResAttNet-92 (32x32)',
  RESIDUAL_ATTENTION_MODULES.resattnet92,
  'cifar',
);
