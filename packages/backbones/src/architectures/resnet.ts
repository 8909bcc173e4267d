import type * as tfl from '@tensorflow/tfjs-layers';
import type { ResNetOptions } from '../types.js';
import { requirePositiveWidth, resolveOptions, scaleChannels } from './common.js';
import type { NetworkBuilder } from './network-builder.js';

type SymbolicTensor = tfl.SymbolicTensor;

const KAIMING_FAN_OUT = { kind: 'kaimingNormal', mode: 'fanOut' } as const;

interface BlockSpec {
  prefix: string;
  planes: number;
  stride: number;
  innerWidth: number;
  zeroInitResidual: boolean;
}

/**
 * torchvision's `BasicBlock`: conv 3x3 (stride) - bn - relu - conv 3x3 - bn,
 * plus the identity or `downsample` (conv 1x1 with the stride, bn), then relu.
 * The block's output layer is named after the block (`layer2.0`).
 */
export function basicBlock(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  spec: BlockSpec,
): SymbolicTensor {
  const { prefix, planes, stride } = spec;
  let out = builder.conv2d(x, {
    name: `${prefix}.conv1`,
    filters: planes,
    kernelSize: 3,
    stride,
    padding: 1,
    kernelInit: KAIMING_FAN_OUT,
  });
  out = builder.batchNorm(out, `${prefix}.bn1`);
  out = builder.relu(out, `${prefix}.relu1`);
  out = builder.conv2d(out, {
    name: `${prefix}.conv2`,
    filters: planes,
    kernelSize: 3,
    padding: 1,
    kernelInit: KAIMING_FAN_OUT,
  });
  out = builder.batchNorm(out, `${prefix}.bn2`, {
    gammaInit: spec.zeroInitResidual ? 'zeros' : 'ones',
  });
  return residual(builder, x, out, spec, planes);
}

/**
 * torchvision's `Bottleneck` (ResNet v1.5, the stride on the 3x3 conv): conv
 * 1x1 - bn - relu - conv 3x3 (stride) - bn - relu - conv 1x1 (4 x planes) - bn,
 * plus the identity or `downsample`, then relu.
 */
export function bottleneckBlock(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  spec: BlockSpec,
): SymbolicTensor {
  const { prefix, planes, stride, innerWidth } = spec;
  let out = builder.conv2d(x, {
    name: `${prefix}.conv1`,
    filters: innerWidth,
    kernelSize: 1,
    kernelInit: KAIMING_FAN_OUT,
  });
  out = builder.batchNorm(out, `${prefix}.bn1`);
  out = builder.relu(out, `${prefix}.relu1`);
  out = builder.conv2d(out, {
    name: `${prefix}.conv2`,
    filters: innerWidth,
    kernelSize: 3,
    stride,
    padding: 1,
    kernelInit: KAIMING_FAN_OUT,
  });
  out = builder.batchNorm(out, `${prefix}.bn2`);
  out = builder.relu(out, `${prefix}.relu2`);
  out = builder.conv2d(out, {
    name: `${prefix}.conv3`,
    filters: planes * 4,
    kernelSize: 1,
    kernelInit: KAIMING_FAN_OUT,
  });
  out = builder.batchNorm(out, `${prefix}.bn3`, {
    gammaInit: spec.zeroInitResidual ? 'zeros' : 'ones',
  });
  return residual(builder, x, out, spec, planes * 4);
}

function residual(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  out: SymbolicTensor,
  spec: BlockSpec,
  outChannels: number,
): SymbolicTensor {
  let identity = x;
  if (spec.stride !== 1 || x.shape[3] !== outChannels) {
    identity = builder.conv2d(x, {
      name: `${spec.prefix}.downsample.0`,
      filters: outChannels,
      kernelSize: 1,
      stride: spec.stride,
      kernelInit: KAIMING_FAN_OUT,
    });
    identity = builder.batchNorm(identity, `${spec.prefix}.downsample.1`);
  }
  const sum = builder.add([out, identity], `${spec.prefix}.add`);
  return builder.relu(sum, spec.prefix);
}

/**
 * torchvision's ResNet: conv 7x7/2 - bn - relu - max pool 3x3/2, stages
 * `layer1..layerN` of basic or bottleneck blocks (the first block of every
 * stage after the first has stride 2), global average pooling, `fc`.
 */
export function resNet(options: ResNetOptions): tfl.LayersModel {
  const { builder, inputShape, numClasses, output, name } = resolveOptions(options, 'resnet');
  const blockKind = options.block ?? 'basic';
  const layers = options.layers ?? [2, 2, 2, 2];
  const width = requirePositiveWidth(options.width ?? 1, 'resnet width');
  const widthPerGroup = options.widthPerGroup ?? 64;
  const zeroInitResidual = options.zeroInitResidual ?? false;
  if (layers.length === 0 || layers.some((count) => !Number.isInteger(count) || count < 1)) {
    throw new Error(`resnet: layers must be positive integers; got ${JSON.stringify(layers)}.`);
  }
  if (blockKind === 'basic' && widthPerGroup !== 64) {
    throw new Error('resnet: basic blocks support only widthPerGroup 64 (as in torchvision).');
  }
  const block = blockKind === 'basic' ? basicBlock : bottleneckBlock;

  const input = builder.input(inputShape);
  let x = builder.conv2d(input, {
    name: 'conv1',
    filters: scaleChannels(64, width),
    kernelSize: 7,
    stride: 2,
    padding: 3,
    kernelInit: KAIMING_FAN_OUT,
  });
  x = builder.batchNorm(x, 'bn1');
  x = builder.relu(x, 'relu');
  x = builder.maxPool2d(x, {
    name: 'maxpool',
    kernelSize: 3,
    stride: 2,
    padding: 1,
    inputIsNonNegative: true,
  });
  layers.forEach((count, stage) => {
    const planes = scaleChannels(64 * 2 ** stage, width);
    const innerWidth = Math.floor(planes * (widthPerGroup / 64));
    for (let index = 0; index < count; index++) {
      x = block(builder, x, {
        prefix: `layer${stage + 1}.${index}`,
        planes,
        stride: stage > 0 && index === 0 ? 2 : 1,
        innerWidth,
        zeroInitResidual,
      });
    }
  });
  if (output === 'features') return builder.model(input, [x], name);
  x = builder.globalAveragePool(x, 'avgpool');
  const logits = builder.dense(x, {
    name: 'fc',
    units: numClasses,
    kernelInit: { kind: 'torchDefault' },
    biasInit: 'torchDefault',
  });
  return builder.model(input, [logits], name);
}
