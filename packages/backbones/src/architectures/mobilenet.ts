import type * as tfl from '@tensorflow/tfjs-layers';
import type { MobileNetV1Options } from '../types.js';
import { resolveOptions } from './common.js';

/** Pointwise filters (at alpha 1) and depthwise stride of blocks 1..13. */
const BLOCKS: [number, number][] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

/** Keras' batch norm (epsilon 1e-3, Keras momentum 0.99, which is PyTorch's 0.01). */
const KERAS_BATCH_NORM = { epsilon: 1e-3, momentum: 0.01 };

/**
 * MobileNet v1 as Keras builds it (`keras.applications.MobileNet`), with its
 * layer names (`conv1`, `conv_dw_1`, `conv_pw_1_bn`, ..., `conv_preds`), so
 * Google's tfjs checkpoints (alpha 0.25 to 1) load by name. TensorFlow's
 * `'same'` padding, ReLU6; the head is Keras' global average pool, reshape to
 * 1x1, dropout, 1x1 conv `conv_preds`, reshape; without the final softmax
 * (gsa backbones output logits). The last feature map is `conv_pw_13_relu`.
 * Pretrained weights expect RGB scaled to [-1, 1].
 */
export function mobileNetV1(options: MobileNetV1Options): tfl.LayersModel {
  const { builder, inputShape, numClasses, output, name } = resolveOptions(options, 'mobilenet_v1');
  const alpha = options.alpha ?? 1;
  const depthMultiplier = options.depthMultiplier ?? 1;
  if (!(alpha > 0 && alpha <= 1)) {
    throw new Error(
      `mobilenet_v1: alpha must be in (0, 1] (0.25, 0.5, 0.75 or 1 for Google's weights); got ${alpha}.`,
    );
  }
  const glorot = { kind: 'glorotUniform' } as const;
  const input = builder.input(inputShape);
  let x = builder.conv2d(input, {
    name: 'conv1',
    filters: Math.trunc(32 * alpha),
    kernelSize: 3,
    stride: 2,
    padding: 'same',
    kernelInit: glorot,
  });
  x = builder.batchNorm(x, 'conv1_bn', KERAS_BATCH_NORM);
  x = builder.relu6(x, 'conv1_relu');
  BLOCKS.forEach(([filters, stride], index) => {
    const id = index + 1;
    x = builder.depthwiseConv2d(x, {
      name: `conv_dw_${id}`,
      kernelSize: 3,
      stride,
      depthMultiplier,
    });
    x = builder.batchNorm(x, `conv_dw_${id}_bn`, KERAS_BATCH_NORM);
    x = builder.relu6(x, `conv_dw_${id}_relu`);
    x = builder.conv2d(x, {
      name: `conv_pw_${id}`,
      filters: Math.trunc(filters * alpha),
      kernelSize: 1,
      padding: 'same',
      kernelInit: glorot,
    });
    x = builder.batchNorm(x, `conv_pw_${id}_bn`, KERAS_BATCH_NORM);
    x = builder.relu6(x, `conv_pw_${id}_relu`);
  });
  if (output === 'features') return builder.model(input, [x], name);
  const channels = Math.trunc(1024 * alpha);
  x = builder.globalAveragePool(x, 'global_average_pooling2d_1');
  x = builder.reshape(x, 'reshape_1', [1, 1, channels]);
  x = builder.dropout(x, 'dropout', options.dropout ?? 1e-3);
  x = builder.conv2d(x, {
    name: 'conv_preds',
    filters: numClasses,
    kernelSize: 1,
    padding: 'same',
    bias: true,
    kernelInit: glorot,
  });
  const logits = builder.reshape(x, 'reshape_2', [numClasses]);
  return builder.model(input, [logits], name);
}
