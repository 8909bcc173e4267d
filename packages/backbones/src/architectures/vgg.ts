import type * as tfl from '@tensorflow/tfjs-layers';
import type { VggLayerList, VggOptions } from '../types.js';
import { requirePositiveWidth, resolveOptions, scaleChannels } from './common.js';

/** torchvision's `cfgs`: A = vgg11, B = vgg13, D = vgg16, E = vgg19. */
export const VGG_LAYERS = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  // prettier-ignore
  vgg19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
} satisfies Record<string, VggLayerList>;

/**
 * torchvision's VGG: `features` (conv 3x3 pad 1, [batch norm], ReLU; 2x2 max
 * pools), `avgpool` (adaptive, 7x7), then `classifier` (Linear 4096, ReLU,
 * Dropout, Linear 4096, ReLU, Dropout, Linear). Layers are named
 * `features.<i>` and `classifier.<i>` as in its state_dict.
 */
export function vgg(options: VggOptions): tfl.LayersModel {
  const batchNorm = options.batchNorm ?? false;
  const defaultName = batchNorm ? 'vgg16_bn' : 'vgg16';
  const { builder, inputShape, numClasses, output, name } = resolveOptions(options, defaultName);
  const width = requirePositiveWidth(options.width ?? 1, 'vgg width');
  const layers = options.layers ?? VGG_LAYERS.vgg16;
  const hiddenUnits = options.hiddenUnits ?? scaleChannels(4096, width);
  const poolSize = options.poolSize ?? 7;
  const dropout = options.dropout ?? 0.5;

  const input = builder.input(inputShape);
  let x = input;
  let index = 0;
  for (const entry of layers) {
    if (entry === 'M') {
      x = builder.maxPool2d(x, { name: `features.${index}`, kernelSize: 2, stride: 2 });
      index += 1;
      continue;
    }
    x = builder.conv2d(x, {
      name: `features.${index}`,
      filters: scaleChannels(entry, width),
      kernelSize: 3,
      padding: 1,
      bias: true,
      kernelInit: { kind: 'kaimingNormal', mode: 'fanOut' },
    });
    index += 1;
    if (batchNorm) {
      x = builder.batchNorm(x, `features.${index}`);
      index += 1;
    }
    x = builder.relu(x, `features.${index}`);
    index += 1;
  }
  if (output === 'features') return builder.model(input, [x], name);

  x = builder.adaptiveAveragePool(x, 'avgpool', [poolSize, poolSize]);
  x = builder.flattenChannelsFirst(x, 'flatten');
  const linear = { kernelInit: { kind: 'normal', stddev: 0.01 }, biasInit: 'zeros' } as const;
  x = builder.dense(x, { name: 'classifier.0', units: hiddenUnits, ...linear });
  x = builder.relu(x, 'classifier.1');
  x = builder.dropout(x, 'classifier.2', dropout);
  x = builder.dense(x, { name: 'classifier.3', units: hiddenUnits, ...linear });
  x = builder.relu(x, 'classifier.4');
  x = builder.dropout(x, 'classifier.5', dropout);
  const logits = builder.dense(x, { name: 'classifier.6', units: numClasses, ...linear });
  return builder.model(input, [logits], name);
}
