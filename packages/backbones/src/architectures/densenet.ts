import type * as tfl from '@tensorflow/tfjs-layers';
import type { DenseNetOptions } from '../types.js';
import { resolveOptions } from './common.js';
import type { NetworkBuilder } from './network-builder.js';

type SymbolicTensor = tfl.SymbolicTensor;

const KAIMING_FAN_IN = { kind: 'kaimingNormal', mode: 'fanIn' } as const;

export interface DenseBlockSpec {
  /** e.g. `features.denseblock1`. */
  prefix: string;
  numLayers: number;
  growthRate: number;
  bnSize: number;
  dropRate: number;
}

/**
 * torchvision's `_DenseBlock`: each `_DenseLayer` concatenates every feature
 * map before it, then bn - relu - conv 1x1 (bnSize x growthRate) - bn - relu -
 * conv 3x3 (growthRate) [- dropout]; the block outputs the concatenation of
 * its input and every layer's output (named after the block).
 */
export function denseBlock(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  spec: DenseBlockSpec,
): SymbolicTensor {
  const features = [x];
  for (let index = 1; index <= spec.numLayers; index++) {
    const prefix = `${spec.prefix}.denselayer${index}`;
    let out = builder.concatenate(features, `${prefix}.concat`);
    out = builder.batchNorm(out, `${prefix}.norm1`);
    out = builder.relu(out, `${prefix}.relu1`);
    out = builder.conv2d(out, {
      name: `${prefix}.conv1`,
      filters: spec.bnSize * spec.growthRate,
      kernelSize: 1,
      kernelInit: KAIMING_FAN_IN,
    });
    out = builder.batchNorm(out, `${prefix}.norm2`);
    out = builder.relu(out, `${prefix}.relu2`);
    out = builder.conv2d(out, {
      name: `${prefix}.conv2`,
      filters: spec.growthRate,
      kernelSize: 3,
      padding: 1,
      kernelInit: KAIMING_FAN_IN,
    });
    if (spec.dropRate > 0) out = builder.dropout(out, `${prefix}.dropout`, spec.dropRate);
    features.push(out);
  }
  return builder.concatenate(features, spec.prefix);
}

/** torchvision's `_Transition`: bn - relu - conv 1x1 (outChannels) - avg pool 2x2. */
export function transition(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  prefix: string,
  outChannels: number,
): SymbolicTensor {
  let out = builder.batchNorm(x, `${prefix}.norm`);
  out = builder.relu(out, `${prefix}.relu`);
  out = builder.conv2d(out, {
    name: `${prefix}.conv`,
    filters: outChannels,
    kernelSize: 1,
    kernelInit: KAIMING_FAN_IN,
  });
  return builder.avgPool2d(out, `${prefix}.pool`, 2, 2);
}

/**
 * torchvision's DenseNet-BC: conv 7x7/2 - bn - relu - max pool 3x3/2, dense
 * blocks joined by transitions that halve the channels, bn (`norm5`), relu,
 * global average pooling, `classifier`.
 */
export function denseNet(options: DenseNetOptions): tfl.LayersModel {
  const { builder, inputShape, numClasses, output, name } = resolveOptions(options, 'densenet');
  const growthRate = options.growthRate ?? 32;
  const blockConfig = options.blockConfig ?? [6, 12, 24, 16];
  const numInitFeatures = options.numInitFeatures ?? 64;
  const bnSize = options.bnSize ?? 4;
  const dropRate = options.dropRate ?? 0;
  for (const [label, value] of [
    ['growthRate', growthRate],
    ['numInitFeatures', numInitFeatures],
    ['bnSize', bnSize],
    ...blockConfig.map((count) => ['blockConfig', count] as const),
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`densenet: ${label} must be positive integers; got ${String(value)}.`);
    }
  }
  if (blockConfig.length === 0) throw new Error('densenet: blockConfig needs at least one block.');

  const input = builder.input(inputShape);
  let x = builder.conv2d(input, {
    name: 'features.conv0',
    filters: numInitFeatures,
    kernelSize: 7,
    stride: 2,
    padding: 3,
    kernelInit: KAIMING_FAN_IN,
  });
  x = builder.batchNorm(x, 'features.norm0');
  x = builder.relu(x, 'features.relu0');
  x = builder.maxPool2d(x, {
    name: 'features.pool0',
    kernelSize: 3,
    stride: 2,
    padding: 1,
    inputIsNonNegative: true,
  });
  let channels = numInitFeatures;
  blockConfig.forEach((numLayers, index) => {
    x = denseBlock(builder, x, {
      prefix: `features.denseblock${index + 1}`,
      numLayers,
      growthRate,
      bnSize,
      dropRate,
    });
    channels += numLayers * growthRate;
    if (index < blockConfig.length - 1) {
      channels = Math.floor(channels / 2);
      x = transition(builder, x, `features.transition${index + 1}`, channels);
    }
  });
  x = builder.batchNorm(x, 'features.norm5');
  x = builder.relu(x, 'relu');
  if (output === 'features') return builder.model(input, [x], name);
  x = builder.globalAveragePool(x, 'avgpool');
  const logits = builder.dense(x, {
    name: 'classifier',
    units: numClasses,
    kernelInit: { kind: 'torchDefault' },
    biasInit: 'zeros',
  });
  return builder.model(input, [logits], name);
}
