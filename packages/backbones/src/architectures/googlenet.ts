import type * as tfl from '@tensorflow/tfjs-layers';
import type { GoogLeNetOptions } from '../types.js';
import { requirePositiveWidth, resolveOptions, scaleChannels } from './common.js';
import type { NetworkBuilder } from './network-builder.js';

type SymbolicTensor = tfl.SymbolicTensor;

/** torchvision initialises GoogLeNet's convs and linears with N(0, 0.01) (truncated at +-2: 200 sd). */
const NORMAL_001 = { kind: 'normal', stddev: 0.01 } as const;

/** Inception module channels: 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5", pool projection. */
export type InceptionChannels = [number, number, number, number, number, number];

/** torchvision's `BasicConv2d`: conv (no bias) - bn (eps 1e-3) - relu; its output is named `prefix`. */
export function basicConv2d(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  prefix: string,
  filters: number,
  kernelSize: number,
  options: { stride?: number; padding?: number } = {},
): SymbolicTensor {
  let out = builder.conv2d(x, {
    name: `${prefix}.conv`,
    filters,
    kernelSize,
    stride: options.stride ?? 1,
    padding: options.padding ?? 0,
    kernelInit: NORMAL_001,
  });
  out = builder.batchNorm(out, `${prefix}.bn`, { epsilon: 1e-3 });
  return builder.relu(out, prefix);
}

/**
 * torchvision's `Inception`: four branches concatenated (named `prefix`):
 * 1x1; 1x1 then 3x3; 1x1 then 3x3 (torchvision's "5x5" branch is 3x3, a bug
 * kept for its weights); max pool 3x3/1 then 1x1.
 */
export function inceptionModule(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  prefix: string,
  channels: InceptionChannels,
): SymbolicTensor {
  const [ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj] = channels;
  const branch1 = basicConv2d(builder, x, `${prefix}.branch1`, ch1x1, 1);
  const branch2 = basicConv2d(
    builder,
    basicConv2d(builder, x, `${prefix}.branch2.0`, ch3x3red, 1),
    `${prefix}.branch2.1`,
    ch3x3,
    3,
    { padding: 1 },
  );
  const branch3 = basicConv2d(
    builder,
    basicConv2d(builder, x, `${prefix}.branch3.0`, ch5x5red, 1),
    `${prefix}.branch3.1`,
    ch5x5,
    3,
    { padding: 1 },
  );
  const pooled = builder.maxPool2d(x, {
    name: `${prefix}.branch4.0`,
    kernelSize: 3,
    stride: 1,
    padding: 1,
    ceilMode: true,
  });
  const branch4 = basicConv2d(builder, pooled, `${prefix}.branch4.1`, poolProj, 1);
  return builder.concatenate([branch1, branch2, branch3, branch4], prefix);
}

/** torchvision's `InceptionAux`: adaptive avg pool 4x4 - BasicConv2d 1x1 (128) - fc1 (1024) - relu - dropout - fc2. */
function inceptionAux(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  prefix: string,
  spec: { numClasses: number; width: number; dropout: number },
): SymbolicTensor {
  let out = builder.adaptiveAveragePool(x, `${prefix}.pool`, [4, 4]);
  out = basicConv2d(builder, out, `${prefix}.conv`, scaleChannels(128, spec.width), 1);
  out = builder.flattenChannelsFirst(out, `${prefix}.flatten`);
  out = builder.dense(out, {
    name: `${prefix}.fc1`,
    units: scaleChannels(1024, spec.width),
    kernelInit: NORMAL_001,
    biasInit: 'torchDefault',
  });
  out = builder.relu(out, `${prefix}.relu`);
  out = builder.dropout(out, `${prefix}.dropout`, spec.dropout);
  return builder.dense(out, {
    name: `${prefix}.fc2`,
    units: spec.numClasses,
    kernelInit: NORMAL_001,
    biasInit: 'torchDefault',
  });
}

const INCEPTIONS: [string, InceptionChannels][] = [
  ['inception3a', [64, 96, 128, 16, 32, 32]],
  ['inception3b', [128, 128, 192, 32, 96, 64]],
  ['inception4a', [192, 96, 208, 16, 48, 64]],
  ['inception4b', [160, 112, 224, 24, 64, 64]],
  ['inception4c', [128, 128, 256, 24, 64, 64]],
  ['inception4d', [112, 144, 288, 32, 64, 64]],
  ['inception4e', [256, 160, 320, 32, 128, 128]],
  ['inception5a', [256, 160, 320, 32, 128, 128]],
  ['inception5b', [384, 192, 384, 48, 128, 128]],
];

/** torchvision's `transform_input`: from ImageNet normalisation to the [-1, 1]-like scale of its weights. */
const TRANSFORM_INPUT = {
  scale: [0.229 / 0.5, 0.224 / 0.5, 0.225 / 0.5],
  offset: [(0.485 - 0.5) / 0.5, (0.456 - 0.5) / 0.5, (0.406 - 0.5) / 0.5],
};

/**
 * torchvision's GoogLeNet (Inception v1): conv 7x7/2, max pool, conv 1x1,
 * conv 3x3, max pool, inception 3a-3b, max pool, 4a-4e, max pool, 5a-5b
 * (every pool 3x3/2 or 2x2/2 with `ceil_mode`), global average pooling,
 * dropout, `fc`. With `auxLogits` the model has three outputs `[logits,
 * aux1, aux2]` (aux1 after inception4a, aux2 after inception4d; torchvision
 * returns them in this order and only in training: in tfjs they are always
 * computed, so leave them out for inference). The paper's loss weighs each
 * auxiliary loss by 0.3.
 */
export function googLeNet(options: GoogLeNetOptions): tfl.LayersModel {
  const { builder, inputShape, numClasses, output, name } = resolveOptions(options, 'googlenet');
  const width = requirePositiveWidth(options.width ?? 1, 'googlenet width');
  const auxLogits = (options.auxLogits ?? false) && output === 'logits';
  const scale = (channels: number) => scaleChannels(channels, width);
  const pool = (x: SymbolicTensor, poolName: string, kernelSize: number) =>
    builder.maxPool2d(x, {
      name: poolName,
      kernelSize,
      stride: 2,
      ceilMode: true,
      inputIsNonNegative: true,
    });

  const input = builder.input(inputShape);
  let x = input;
  if (options.transformInput) {
    if (inputShape[2] !== 3)
      throw new Error('googlenet: transformInput needs RGB (3-channel) input.');
    x = builder.channelAffine(x, 'transform_input', TRANSFORM_INPUT.scale, TRANSFORM_INPUT.offset);
  }
  x = basicConv2d(builder, x, 'conv1', scale(64), 7, { stride: 2, padding: 3 });
  x = pool(x, 'maxpool1', 3);
  x = basicConv2d(builder, x, 'conv2', scale(64), 1);
  x = basicConv2d(builder, x, 'conv3', scale(192), 3, { padding: 1 });
  x = pool(x, 'maxpool2', 3);
  const auxOutputs: SymbolicTensor[] = [];
  for (const [moduleName, channels] of INCEPTIONS) {
    if (moduleName === 'inception4a') x = pool(x, 'maxpool3', 3);
    if (moduleName === 'inception5a') x = pool(x, 'maxpool4', 2);
    x = inceptionModule(builder, x, moduleName, channels.map(scale) as InceptionChannels);
    const auxName =
      moduleName === 'inception4a' ? 'aux1' : moduleName === 'inception4d' ? 'aux2' : undefined;
    if (auxLogits && auxName) {
      auxOutputs.push(
        inceptionAux(builder, x, auxName, {
          numClasses,
          width,
          dropout: options.dropoutAux ?? 0.7,
        }),
      );
    }
  }
  if (output === 'features') return builder.model(input, [x], name);
  x = builder.globalAveragePool(x, 'avgpool');
  x = builder.dropout(x, 'dropout', options.dropout ?? 0.2);
  const logits = builder.dense(x, {
    name: 'fc',
    units: numClasses,
    kernelInit: NORMAL_001,
    biasInit: 'torchDefault',
  });
  return builder.model(input, [logits, ...auxOutputs], name);
}
