import type * as tfl from '@tensorflow/tfjs-layers';
import { AlignedBilinearResize } from '../layers/local-attention-layers.js';
import type { ResidualAttentionOptions } from '../types.js';
import { requirePositiveWidth, resolveOptions } from './common.js';
import type { NetworkBuilder } from './network-builder.js';

type SymbolicTensor = tfl.SymbolicTensor;

const TORCH_DEFAULT = { kind: 'torchDefault' } as const;

/** Attention modules per stage of the paper's two ImageNet networks. */
export const RESIDUAL_ATTENTION_MODULES = {
  resattnet56: [1, 1, 1],
  resattnet92: [1, 2, 3],
} satisfies Record<string, [number, number, number]>;

interface Layout {
  /** Channels of the stem conv and of the four residual stages. */
  channels: [number, number, number, number, number];
  /** Max pools of each stage's mask branch (its depth). */
  maskDepths: [number, number, number];
}

const LAYOUTS: Record<'imagenet' | 'cifar', Layout> = {
  imagenet: { channels: [64, 256, 512, 1024, 2048], maskDepths: [3, 2, 1] },
  cifar: { channels: [32, 128, 256, 512, 1024], maskDepths: [2, 1, 0] },
};

/** Channels scaled by `width`, kept a multiple of 4 (a bottleneck is a quarter wide). */
function scaleToFour(channels: number, width: number): number {
  return Math.max(4, 4 * Math.round((channels * width) / 4));
}

/**
 * The pre-activation bottleneck residual unit of the Residual Attention
 * Network: bn - relu - conv 1x1 (out/4) - bn - relu - conv 3x3 (stride) - bn
 * - relu - conv 1x1 (out), plus the input, or a 1x1 conv (with the stride) of
 * the pre-activated input when the shape changes. Output layer: `prefix`.
 */
export function preActivationUnit(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  prefix: string,
  outChannels: number,
  stride = 1,
): SymbolicTensor {
  const inner = outChannels / 4;
  const preActivated = builder.relu(builder.batchNorm(x, `${prefix}.bn1`), `${prefix}.relu1`);
  let out = builder.conv2d(preActivated, {
    name: `${prefix}.conv1`,
    filters: inner,
    kernelSize: 1,
    kernelInit: TORCH_DEFAULT,
  });
  out = builder.relu(builder.batchNorm(out, `${prefix}.bn2`), `${prefix}.relu2`);
  out = builder.conv2d(out, {
    name: `${prefix}.conv2`,
    filters: inner,
    kernelSize: 3,
    stride,
    padding: 1,
    kernelInit: TORCH_DEFAULT,
  });
  out = builder.relu(builder.batchNorm(out, `${prefix}.bn3`), `${prefix}.relu3`);
  out = builder.conv2d(out, {
    name: `${prefix}.conv3`,
    filters: outChannels,
    kernelSize: 1,
    kernelInit: TORCH_DEFAULT,
  });
  let shortcut = x;
  if (stride !== 1 || x.shape[3] !== outChannels) {
    shortcut = builder.conv2d(preActivated, {
      name: `${prefix}.conv4`,
      filters: outChannels,
      kernelSize: 1,
      stride,
      kernelInit: TORCH_DEFAULT,
    });
  }
  return builder.add([out, shortcut], prefix);
}

function units(
  builder: NetworkBuilder,
  x: SymbolicTensor,
  prefix: string,
  channels: number,
  count: number,
): SymbolicTensor {
  for (let index = 0; index < count; index++) {
    x = preActivationUnit(builder, x, `${prefix}.${index}`, channels);
  }
  return x;
}

function resizeTo(x: SymbolicTensor, like: SymbolicTensor, name: string): SymbolicTensor {
  const size: [number, number] = [like.shape[1]!, like.shape[2]!];
  return new AlignedBilinearResize({ name, outputSize: size }).apply(x) as SymbolicTensor;
}

/**
 * An attention module (p = 1, t = 2, r = 1): a residual unit, then a trunk
 * branch T (two units) and a soft mask branch M: bottom-up (`depth` 3x3/2
 * max pools, one unit after each, two after the last, and a skip unit at
 * every level but the innermost) and top-down (bilinear upsampling, adding
 * the level's features and its skip, one unit), upsampled to T's size and
 * added to T, then bn - relu - conv 1x1 - bn - relu - conv 1x1 - sigmoid.
 * Attention residual learning: `(1 + M) * T`, then a last residual unit.
 * `depth` 0 (the CIFAR layout's last stage) keeps the mask at full size:
 * two units and the sigmoid head. The mask is the layer `<prefix>.mask`.
 */
export function attentionModule(
  builder: NetworkBuilder,
  input: SymbolicTensor,
  prefix: string,
  channels: number,
  depth: number,
): SymbolicTensor {
  const x = preActivationUnit(builder, input, `${prefix}.first_residual_blocks`, channels);
  const trunk = units(builder, x, `${prefix}.trunk_branches`, channels, 2);

  let mask: SymbolicTensor;
  if (depth === 0) {
    mask = units(builder, x, `${prefix}.middle_2r_blocks`, channels, 2);
  } else {
    const levels: { features: SymbolicTensor; skip: SymbolicTensor }[] = [];
    let down = x;
    for (let level = 1; level <= depth; level++) {
      down = builder.maxPool2d(down, {
        name: `${prefix}.mpool${level}`,
        kernelSize: 3,
        stride: 2,
        padding: 1,
        padWithLowest: true,
      });
      const innermost = level === depth;
      down = units(builder, down, `${prefix}.softmax${level}_blocks`, channels, innermost ? 2 : 1);
      if (!innermost) {
        levels.push({
          features: down,
          skip: preActivationUnit(
            builder,
            down,
            `${prefix}.skip${level}_connection_residual_block`,
            channels,
          ),
        });
      }
    }
    let up = down;
    for (let level = depth - 1; level >= 1; level--) {
      const { features, skip } = levels[level - 1]!;
      const upsampled = resizeTo(up, features, `${prefix}.interpolation${level + 1}`);
      up = builder.add([upsampled, features, skip], `${prefix}.merge${level + 1}`);
      up = units(builder, up, `${prefix}.softmax${2 * depth - level}_blocks`, channels, 1);
    }
    mask = builder.add(
      [resizeTo(up, trunk, `${prefix}.interpolation1`), trunk],
      `${prefix}.merge1`,
    );
  }
  const head = `${prefix}.mask_head`;
  mask = builder.relu(builder.batchNorm(mask, `${head}.0`), `${head}.1`);
  mask = builder.conv2d(mask, {
    name: `${head}.2`,
    filters: channels,
    kernelSize: 1,
    kernelInit: TORCH_DEFAULT,
  });
  mask = builder.relu(builder.batchNorm(mask, `${head}.3`), `${head}.4`);
  mask = builder.conv2d(mask, {
    name: `${head}.5`,
    filters: channels,
    kernelSize: 1,
    kernelInit: TORCH_DEFAULT,
  });
  mask = builder.sigmoid(mask, `${prefix}.mask`);
  // (1 + M) * T = T + M * T.
  const attended = builder.add(
    [builder.multiply([mask, trunk], `${prefix}.masked_trunk`), trunk],
    `${prefix}.attention_residual`,
  );
  return preActivationUnit(builder, attended, `${prefix}.last_blocks`, channels);
}

/**
 * The Residual Attention Network (Wang et al., CVPR 2017), Attention-56 /
 * Attention-92, in the layout of the common PyTorch reimplementation
 * (tengshaofeng/ResidualAttentionNetwork-pytorch, itself after the authors'
 * Caffe files): stem, residual unit, stage 1 attention modules, residual unit
 * /2, stage 2, residual unit /2, stage 3, residual unit /2 (ImageNet layout;
 * stride 1 in the CIFAR layout) and two more, bn - relu - global average
 * pool - fc. Output: logits; `localAttentionMaps` reads each module's mask
 * (averaged over channels). Initial weights: PyTorch's defaults.
 */
export function residualAttentionNetwork(options: ResidualAttentionOptions): tfl.LayersModel {
  const { builder, inputShape, numClasses, output, name } = resolveOptions(options, 'resattnet92');
  const layoutName = options.layout ?? 'imagenet';
  const layout = LAYOUTS[layoutName];
  if (layout === undefined) {
    throw new Error(
      `resattnet: layout must be 'imagenet' or 'cifar'; got '${String(layoutName)}'.`,
    );
  }
  const modules = options.modules ?? RESIDUAL_ATTENTION_MODULES.resattnet92;
  if (modules.length !== 3 || modules.some((count) => !Number.isInteger(count) || count < 0)) {
    throw new Error(
      `resattnet: modules must be three non-negative integers (attention modules per stage); got ${JSON.stringify(modules)}.`,
    );
  }
  const width = requirePositiveWidth(options.width ?? 1, 'resattnet width');
  const [stem, ...stages] = layout.channels.map((count) => scaleToFour(count, width)) as [
    number,
    number,
    number,
    number,
    number,
  ];

  const input = builder.input(inputShape);
  let x: SymbolicTensor;
  if (layoutName === 'imagenet') {
    x = builder.conv2d(input, {
      name: 'conv1.0',
      filters: stem,
      kernelSize: 7,
      stride: 2,
      padding: 3,
      kernelInit: TORCH_DEFAULT,
    });
    x = builder.relu(builder.batchNorm(x, 'conv1.1'), 'conv1.2');
    x = builder.maxPool2d(x, {
      name: 'mpool1',
      kernelSize: 3,
      stride: 2,
      padding: 1,
      inputIsNonNegative: true,
    });
  } else {
    x = builder.conv2d(input, {
      name: 'conv1.0',
      filters: stem,
      kernelSize: 3,
      padding: 1,
      kernelInit: TORCH_DEFAULT,
    });
    x = builder.relu(builder.batchNorm(x, 'conv1.1'), 'conv1.2');
  }
  for (let stage = 0; stage < 3; stage++) {
    const stride = stage === 0 ? 1 : 2;
    x = preActivationUnit(builder, x, `residual_block${stage + 1}`, stages[stage]!, stride);
    for (let index = 0; index < modules[stage]!; index++) {
      const prefix = `attention_module${stage + 1}${index === 0 ? '' : `_${index + 1}`}`;
      x = attentionModule(builder, x, prefix, stages[stage]!, layout.maskDepths[stage]!);
    }
  }
  x = preActivationUnit(
    builder,
    x,
    'residual_block4',
    stages[3]!,
    layoutName === 'imagenet' ? 2 : 1,
  );
  x = preActivationUnit(builder, x, 'residual_block5', stages[3]!);
  x = preActivationUnit(builder, x, 'residual_block6', stages[3]!);
  x = builder.relu(builder.batchNorm(x, 'mpool2.0'), 'mpool2.1');
  if (output === 'features') return builder.model(input, [x], name);
  x = builder.globalAveragePool(x, 'mpool2.2');
  const logits = builder.dense(x, {
    name: 'fc',
    units: numClasses,
    kernelInit: TORCH_DEFAULT,
    biasInit: 'torchDefault',
  });
  return builder.model(input, [logits], name);
}
