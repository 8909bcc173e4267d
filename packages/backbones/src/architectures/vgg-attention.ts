import type * as tfl from '@tensorflow/tfjs-layers';
import {
  AttentionWeightedPooling,
  SpatialAttentionNormalization,
} from '../layers/local-attention-layers.js';
import type { VggAttentionOptions } from '../types.js';
import { requirePositiveWidth, resolveOptions, scaleChannels } from './common.js';
import type { NetworkBuilder } from './network-builder.js';

type SymbolicTensor = tfl.SymbolicTensor;

/** Convs per block of VGG-att3: VGG-16's 2-2-3-3-3 plus a block of two that pools to the global feature. */
export const VGG_ATTENTION_CONVS: [number, number, number, number, number, number] = [
  2, 2, 3, 3, 3, 2,
];
const BLOCK_CHANNELS = [64, 128, 256, 512, 512, 512];
const GLOBAL_CHANNELS = 512;
const TORCH_DEFAULT = { kernelInit: { kind: 'torchDefault' }, biasInit: 'torchDefault' } as const;

/** The names of VGG-att3's attention-map layers, in order (`[N, h, w, 1]` each). */
export const VGG_ATTENTION_MAP_LAYERS = ['attn1.map', 'attn2.map', 'attn3.map'] as const;

/** `ConvBlock`: n x (conv 3x3 pad 1 + bias, batch norm, ReLU), a 2x2 max pool after each conv when `pool`. */
function convBlock(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  prefix: string,
  channels: number,
  convs: number,
  pool: boolean,
): SymbolicTensor {
  let index = 0;
  for (let conv = 0; conv < convs; conv++) {
    x = builder.conv2d(x, {
      name: `${prefix}.op.${index++}`,
      filters: channels,
      kernelSize: 3,
      padding: 1,
      bias: true,
      ...TORCH_DEFAULT,
    });
    x = builder.batchNorm(x, `${prefix}.op.${index++}`);
    x = builder.relu(x, `${prefix}.op.${index++}`);
    if (pool)
      x = builder.maxPool2d(x, { name: `${prefix}.op.${index++}`, kernelSize: 2, stride: 2 });
  }
  return x;
}

/**
 * Jetley et al.'s linear attention block with parametrised compatibility
 * ("pc"): `c_i = <u, l_i + g>` (a bias-free 1x1 conv on the sum), `a =
 * softmax(c)` over the positions (or a sigmoid), `g_a = sum_i a_i l_i` (the
 * mean for sigmoid maps).
 */
function attentionBlock(
  builder: NetworkBuilder,
  local: SymbolicTensor,
  global: SymbolicTensor,
  prefix: string,
  normalization: 'softmax' | 'sigmoid',
): SymbolicTensor {
  const sum = builder.add([local, global], `${prefix}.sum`);
  const scores = builder.conv2d(sum, {
    name: `${prefix}.op`,
    filters: 1,
    kernelSize: 1,
    ...TORCH_DEFAULT,
  });
  const map = new SpatialAttentionNormalization({ name: `${prefix}.map`, normalization }).apply(
    scores,
  ) as SymbolicTensor;
  return new AttentionWeightedPooling({
    name: `${prefix}.pool`,
    reduction: normalization === 'softmax' ? 'sum' : 'mean',
  }).apply([local, map]) as SymbolicTensor;
}

/**
 * VGG-att3-concat-pc of "Learn to Pay Attention" (Jetley et al., ICLR 2018),
 * in the layout of the widely used PyTorch reimplementation (`AttnVGG_before`:
 * attention before max pooling). Local features come from conv blocks 3, 4
 * and 5 (at 1, 1/2 and 1/4 of the input: 32x32, 16x16, 8x8 for CIFAR);
 * block 6 pools twice more and a conv covering what is left (`dense`, 7x7 at
 * 224 px, 1x1 at 32 px) gives the global feature `g`. Block 3's 256 channels
 * are projected to g's 512 by a bias-free 1x1 conv (`projector`). The three
 * attended descriptors are concatenated for the linear classifier.
 * `earlyPooling` restores VGG-16's pools after blocks 1 and 2 for large
 * inputs. The
 * model outputs logits only; `localAttentionMaps` reads its maps (layers
 * `attn1.map` .. `attn3.map`). Initial weights: PyTorch's defaults.
 */
export function vggAttention3(options: VggAttentionOptions): tfl.LayersModel {
  const { builder, inputShape, numClasses, output, name } = resolveOptions(options, 'vgg_att3');
  const width = requirePositiveWidth(options.width ?? 1, 'vgg_att3 width');
  const convs = options.convsPerBlock ?? VGG_ATTENTION_CONVS;
  const normalization = options.normalization ?? 'softmax';
  const earlyPools = options.earlyPooling ? 2 : 0;
  if (convs.length !== 6 || convs.some((count) => !Number.isInteger(count) || count < 1)) {
    throw new Error(
      `vgg_att3: convsPerBlock must be six positive integers; got ${JSON.stringify(convs)}.`,
    );
  }
  if (normalization !== 'softmax' && normalization !== 'sigmoid') {
    throw new Error(
      `vgg_att3: normalization must be 'softmax' or 'sigmoid'; got '${String(normalization)}'.`,
    );
  }
  const [inputHeight, inputWidth] = inputShape;
  // Blocks 1-3 keep the size (unless earlyPooling); three 2x2 pools and block 6's pools halve it further.
  const halvings = earlyPools + 3 + convs[5];
  if (Math.min(inputHeight, inputWidth) < 2 ** halvings) {
    throw new Error(
      `vgg_att3: the input (${inputHeight}x${inputWidth}) is too small for this network; it halves the size ${halvings} times (${2 ** halvings}x${2 ** halvings} or larger).`,
    );
  }
  const channels = BLOCK_CHANNELS.map((count) => scaleChannels(count, width));
  const globalChannels = scaleChannels(GLOBAL_CHANNELS, width);

  const input = builder.input(inputShape);
  let x = convBlock(builder, input, 'conv_block1', channels[0]!, convs[0], false);
  if (earlyPools) x = builder.maxPool2d(x, { name: 'early_pool1', kernelSize: 2, stride: 2 });
  x = convBlock(builder, x, 'conv_block2', channels[1]!, convs[1], false);
  if (earlyPools) x = builder.maxPool2d(x, { name: 'early_pool2', kernelSize: 2, stride: 2 });
  const local1 = convBlock(builder, x, 'conv_block3', channels[2]!, convs[2], false);
  x = builder.maxPool2d(local1, { name: 'pool1', kernelSize: 2, stride: 2 });
  const local2 = convBlock(builder, x, 'conv_block4', channels[3]!, convs[3], false);
  x = builder.maxPool2d(local2, { name: 'pool2', kernelSize: 2, stride: 2 });
  const local3 = convBlock(builder, x, 'conv_block5', channels[4]!, convs[4], false);
  if (output === 'features') return builder.model(input, [local3], name);
  x = builder.maxPool2d(local3, { name: 'pool3', kernelSize: 2, stride: 2 });
  x = convBlock(builder, x, 'conv_block6', channels[5]!, convs[5], true);
  const [, height, widthLeft] = x.shape as [null, number, number, number];
  // [N, 1, 1, 512]: one conv over the whole remaining map (a fully connected layer).
  const global = builder.conv2d(x, {
    name: 'dense',
    filters: globalChannels,
    kernelSize: [height, widthLeft],
    bias: true,
    ...TORCH_DEFAULT,
  });

  const projected =
    local1.shape[3] === globalChannels
      ? local1
      : builder.conv2d(local1, {
          name: 'projector.op',
          filters: globalChannels,
          kernelSize: 1,
          kernelInit: { kind: 'torchDefault' },
        });
  const levels = [projected, local2, local3].map((local, index) => {
    if (local.shape[3] !== globalChannels) {
      throw new Error(
        `vgg_att3: local features ${index + 1} have ${local.shape[3]} channels, the global feature ${globalChannels}.`,
      );
    }
    return attentionBlock(builder, local, global, `attn${index + 1}`, normalization);
  });
  const descriptors = builder.concatenate(levels, 'concat');
  const logits = builder.dense(descriptors, {
    name: 'classify',
    units: numClasses,
    ...TORCH_DEFAULT,
  });
  return builder.model(input, [logits], name);
}
