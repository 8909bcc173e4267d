import type * as tfl from '@tensorflow/tfjs-layers';
import type { SmallCnnOptions } from '../types.js';
import { resolveOptions } from './common.js';

/**
 * gsa's fast default for CPUs: conv 3x3 blocks (batch norm, ReLU, a 2x2 max
 * pool between blocks), then global average pooling and one linear layer.
 * The global-average-pooling head matters: it is position-blind, like
 * ResNet's, DenseNet's and GoogLeNet's, which is where global spatial
 * attention helps (a head that flattens the grid can learn position itself).
 */
export function smallCnn(options: SmallCnnOptions): tfl.LayersModel {
  const { builder, inputShape, numClasses, output, name } = resolveOptions(options, 'smallcnn');
  const widths = options.widths ?? [32, 64, 128, 128];
  const batchNorm = options.batchNorm ?? true;
  if (widths.length === 0 || widths.some((width) => !Number.isInteger(width) || width < 1)) {
    throw new Error(`smallcnn: widths must be positive integers; got ${JSON.stringify(widths)}.`);
  }
  const input = builder.input(inputShape);
  let x = input;
  widths.forEach((filters, index) => {
    const block = `block${index + 1}`;
    if (index > 0) {
      x = builder.maxPool2d(x, { name: `${block}.pool`, kernelSize: 2, stride: 2 });
    }
    x = builder.conv2d(x, {
      name: `${block}.conv`,
      filters,
      kernelSize: 3,
      padding: 1,
      bias: !batchNorm,
      kernelInit: { kind: 'kaimingNormal', mode: 'fanOut' },
    });
    if (batchNorm) x = builder.batchNorm(x, `${block}.bn`);
    x = builder.relu(x, `${block}.relu`);
  });
  if (output === 'features') return builder.model(input, [x], name);
  x = builder.globalAveragePool(x, 'avgpool');
  if ((options.dropout ?? 0) > 0) x = builder.dropout(x, 'dropout', options.dropout!);
  const logits = builder.dense(x, {
    name: 'fc',
    units: numClasses,
    kernelInit: { kind: 'torchDefault' },
    biasInit: 'torchDefault',
  });
  return builder.model(input, [logits], name);
}
