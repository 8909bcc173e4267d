/** How the layers' weights start. */
export type WeightInit =
  /** Each family's torchvision initialisation (Keras' for MobileNet), seeded by `seed`. */
  | 'default'
  /** Zeros: nothing random is drawn. For a model whose weights you load next, or for counting parameters. */
  | 'none';

/** What the model outputs. */
export type BackboneOutput =
  /** Class scores before softmax, `[N, numClasses]` (GoogLeNet with `auxLogits`: three of them). */
  | 'logits'
  /** The last feature map, `[N, h, w, channels]`, before global pooling and the classifier. */
  | 'features';

/** Options every backbone takes. */
export interface BackboneOptions {
  /** `[height, width, channels]` of the (attended) images, NHWC. */
  inputShape: [number, number, number];
  /** Classes of the classifier head. Default 1000 (ImageNet). */
  numClasses?: number;
  /** Default `'logits'`. */
  output?: BackboneOutput;
  /** Seeds the initial weights and dropout masks; unseeded when absent. */
  seed?: number;
  /** Default `'default'`. */
  weightInit?: WeightInit;
  /** The model's name. Default: the backbone's name. */
  name?: string;
}

/**
 * The pixel scale a backbone's pretrained weights expect (feed the same to
 * gsa's attention and the backbone):
 * - `imagenet`: RGB in [0, 1], then minus mean (0.485, 0.456, 0.406), divided by std (0.229, 0.224, 0.225);
 * - `minus-one-to-one`: RGB scaled to [-1, 1] (Keras MobileNet);
 * - `any`: no pretrained weights; whatever you train with.
 */
export type InputNormalization = 'imagenet' | 'minus-one-to-one' | 'any';

export interface SmallCnnOptions extends BackboneOptions {
  /** Output channels of each conv block (conv 3x3, batch norm, ReLU; 2x2 max pool between blocks). Default [32, 64, 128, 128]. */
  widths?: number[];
  /** Default true; without it each conv gets a bias. */
  batchNorm?: boolean;
  /** Dropout before the classifier. Default 0. */
  dropout?: number;
}

/** torchvision's VGG layer list: output channels of a conv 3x3 (+ batch norm) + ReLU, or `'M'` for a 2x2 max pool. */
export type VggLayerList = (number | 'M')[];

export interface VggOptions extends BackboneOptions {
  /** The convolutional part, as torchvision's `cfgs`. Default: the registry name's (vgg16: configuration D). */
  layers?: VggLayerList;
  /** Batch norm after each conv (the `_bn` variants). */
  batchNorm?: boolean;
  /** Multiplies every conv's channels and the classifier's hidden units (rounded, at least 1). Default 1. */
  width?: number;
  /** Hidden units of the two classifier layers. Default `round(4096 * width)`. */
  hiddenUnits?: number;
  /** The adaptive average pool before the classifier, per side. Default 7. */
  poolSize?: number;
  /** Dropout of the classifier. Default 0.5. */
  dropout?: number;
}

export interface ResNetOptions extends BackboneOptions {
  block?: 'basic' | 'bottleneck';
  /** Blocks per stage (torchvision's `layers`); stage i has `64 * 2^i * width` planes. Default: the registry name's (resnet18: [2, 2, 2, 2]). */
  layers?: number[];
  /** Multiplies the stem's and every stage's planes (rounded, at least 1). Default 1. */
  width?: number;
  /** Bottleneck inner width per 64 planes (torchvision's `width_per_group`; 128 makes wide_resnet). Default 64. */
  widthPerGroup?: number;
  /** Start each block's last batch-norm scale at zero (torchvision's `zero_init_residual`). Default false. */
  zeroInitResidual?: boolean;
}

export interface DenseNetOptions extends BackboneOptions {
  /** Channels each dense layer adds (`k`). densenet121: 32, densenet161: 48. */
  growthRate?: number;
  /** Dense layers per block. densenet121: [6, 12, 24, 16]. */
  blockConfig?: number[];
  /** Channels of the stem conv. densenet121: 64, densenet161: 96. */
  numInitFeatures?: number;
  /** Bottleneck width factor (bn_size * growthRate channels). Default 4. */
  bnSize?: number;
  /** Dropout after each dense layer. Default 0. */
  dropRate?: number;
}

export interface GoogLeNetOptions extends BackboneOptions {
  /** Multiplies every channel count (rounded, at least 1). Default 1. */
  width?: number;
  /** Add the two auxiliary classifiers as extra outputs `[logits, aux1, aux2]` (torchvision's tuple order). Default false. */
  auxLogits?: boolean;
  /** torchvision's `transform_input`: true for its ImageNet weights, which expect it. Default false. */
  transformInput?: boolean;
  /** Dropout before the classifier. Default 0.2. */
  dropout?: number;
  /** Dropout in the auxiliary heads. Default 0.7. */
  dropoutAux?: number;
}

export interface MobileNetV1Options extends BackboneOptions {
  /** Width multiplier: 0.25, 0.5, 0.75 or 1 for Google's weights; any value in (0, 1] builds. Default 1. */
  alpha?: number;
  /** Depthwise channel multiplier. Default 1. */
  depthMultiplier?: number;
  /** Dropout before the classifier. Default 0.001 (Keras'). */
  dropout?: number;
}

export interface VggAttentionOptions extends BackboneOptions {
  /**
   * Convs per block of the trunk (conv 3x3 + bias, batch norm, ReLU). Six
   * blocks: 1-3 at full resolution, 4 and 5 after a 2x2 max pool each, 6
   * after a third, with a 2x2 max pool after each of its convs. Default
   * [2, 2, 3, 3, 3, 2] (VGG-16's 13 convs plus two).
   */
  convsPerBlock?: [number, number, number, number, number, number];
  /** Multiplies every channel count (64-128-256-512-512-512 and the 512-d global feature; rounded, at least 1). Default 1. */
  width?: number;
  /** `'softmax'` over each map (default; each sums to 1) or `'sigmoid'` per position. */
  normalization?: 'softmax' | 'sigmoid';
  /**
   * Keep VGG-16's 2x2 max pools after blocks 1 and 2, which Jetley et al.
   * removed for 32x32 CIFAR images: the maps are then at 1/4, 1/8 and 1/16
   * of the input (56, 28, 14 at 224 px) and blocks 1-3 cost 16x less. Needs
   * inputs of at least 128x128 by default. Default false (the paper's layout).
   */
  earlyPooling?: boolean;
}

export interface ResidualAttentionOptions extends BackboneOptions {
  /**
   * `'imagenet'`: conv 7x7/2 + max pool, stages at 1/4, 1/8, 1/16 of the
   * input with 3, 2, 1 mask max pools (224 px: 56, 28, 14 down to 7),
   * 64-256-512-1024-2048 channels. `'cifar'`: conv 3x3/1, no pool, stages at
   * 1/1, 1/2, 1/4 with 2, 1, 0 mask pools (32 px: 32, 16, 8 down to 8),
   * 32-128-256-512-1024 channels. Default `'imagenet'`.
   */
  layout?: 'imagenet' | 'cifar';
  /** Attention modules per stage. Attention-56: [1, 1, 1]; Attention-92: [1, 2, 3]. */
  modules?: [number, number, number];
  /** Multiplies every channel count (rounded to a multiple of 4, at least 4: bottlenecks use a quarter). Default 1. */
  width?: number;
}
