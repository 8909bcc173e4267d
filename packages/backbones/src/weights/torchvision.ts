import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { weightShortName } from '../model-tools/parameters.js';
import {
  applyAssignments,
  type LoadWeightsOptions,
  type WeightAssignment,
  type WeightsReport,
} from './report.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  toFloat32Array,
  type SafetensorsEntry,
  type SafetensorsInput,
} from './safetensors.js';

/**
 * How a tfjs weight relates to a PyTorch state_dict entry: the entry's name
 * suffix and the permutation between PyTorch's layout and tfjs'.
 */
interface TorchCounterpart {
  suffix: string;
  /** The entry's shape in tfjs' layout (`modelShape` settles the depthwise multiplier). */
  tfjsShape: (torchShape: number[], modelShape: number[]) => number[];
  /** PyTorch layout -> tfjs layout. */
  toTfjs: (value: tf.Tensor, modelShape: number[]) => tf.Tensor;
  /** tfjs layout -> PyTorch layout. */
  toTorch: (value: tf.Tensor) => tf.Tensor;
}

type Layout = Omit<TorchCounterpart, 'suffix'>;

const AS_IS: Layout = {
  tfjsShape: (shape) => shape,
  toTfjs: (value) => tf.clone(value),
  toTorch: (value) => tf.clone(value),
};

/** nn.Conv2d weight [out, in, kh, kw] <-> tfjs Conv2D kernel [kh, kw, in, out]. */
const CONV_KERNEL: Layout = {
  tfjsShape: (shape) => (shape.length === 4 ? [shape[2]!, shape[3]!, shape[1]!, shape[0]!] : shape),
  toTfjs: (value) => tf.transpose(value, [2, 3, 1, 0]),
  toTorch: (value) => tf.transpose(value, [3, 2, 0, 1]),
};

/** nn.Linear weight [out, in] <-> tfjs Dense kernel [in, out]. */
const LINEAR_KERNEL: Layout = {
  tfjsShape: (shape) => (shape.length === 2 ? [shape[1]!, shape[0]!] : shape),
  toTfjs: (value) => tf.transpose(value),
  toTorch: (value) => tf.transpose(value),
};

/**
 * Depthwise nn.Conv2d (groups = in channels) weight [in * m, 1, kh, kw] <->
 * tfjs DepthwiseConv2D kernel [kh, kw, in, m]; output channel c * m + j reads
 * input channel c.
 */
const DEPTHWISE_KERNEL: Layout = {
  tfjsShape: (shape, modelShape) => {
    const multiplier = modelShape[3] ?? 1;
    if (shape.length !== 4 || shape[1] !== 1 || shape[0]! % multiplier !== 0) return shape;
    return [shape[2]!, shape[3]!, shape[0]! / multiplier, multiplier];
  },
  toTfjs: (value, modelShape) => {
    const [outChannels, , height, width] = value.shape as [number, number, number, number];
    const multiplier = modelShape[3] ?? 1;
    return tf.tidy(() =>
      tf.transpose(
        tf.reshape(value, [outChannels / multiplier, multiplier, height, width]),
        [2, 3, 0, 1],
      ),
    );
  },
  toTorch: (value) => {
    const [height, width, channels, multiplier] = value.shape as [number, number, number, number];
    return tf.tidy(() =>
      tf.reshape(tf.transpose(value, [2, 3, 0, 1]), [channels * multiplier, 1, height, width]),
    );
  },
};

function counterpart(layer: tfl.layers.Layer, weightName: string): TorchCounterpart | undefined {
  const className = layer.getClassName();
  if (className === 'Conv2D') {
    if (weightName === 'kernel') return { suffix: 'weight', ...CONV_KERNEL };
    if (weightName === 'bias') return { suffix: 'bias', ...AS_IS };
  }
  if (className === 'Dense') {
    if (weightName === 'kernel') return { suffix: 'weight', ...LINEAR_KERNEL };
    if (weightName === 'bias') return { suffix: 'bias', ...AS_IS };
  }
  if (className === 'DepthwiseConv2D' && weightName === 'depthwise_kernel') {
    return { suffix: 'weight', ...DEPTHWISE_KERNEL };
  }
  if (className === 'TorchBatchNorm' || className === 'BatchNormalization') {
    const suffix = {
      gamma: 'weight',
      beta: 'bias',
      moving_mean: 'running_mean',
      moving_variance: 'running_var',
    }[weightName];
    if (suffix !== undefined) return { suffix, ...AS_IS };
  }
  return undefined;
}

/** Every model weight with its state_dict name (`layer1.0.conv1.weight`) and layout conversion. */
export function torchvisionNames(
  model: tfl.LayersModel,
): { weight: tfl.LayerVariable; torchName: string; convert: TorchCounterpart }[] {
  const names: { weight: tfl.LayerVariable; torchName: string; convert: TorchCounterpart }[] = [];
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      const shortName = weightShortName(weight);
      const convert = counterpart(layer, shortName) ?? { suffix: shortName, ...AS_IS };
      names.push({ weight, torchName: `${layer.name}.${convert.suffix}`, convert });
    }
  }
  return names;
}

/**
 * state_dict names of old torchvision DenseNet checkpoints (`norm.1`,
 * `conv.2`) as today's modules name them (`norm1`, `conv2`); torchvision
 * renames them the same way when it loads them.
 */
function modernName(name: string): string {
  return name.replace(/(denselayer\d+\.(?:norm|relu|conv))\.([12])\./, '$1$2.');
}

/** Entries that are PyTorch bookkeeping, not weights. */
function isBookkeeping(name: string): boolean {
  return name.endsWith('.num_batches_tracked');
}

/**
 * Loads a torchvision `state_dict` saved as safetensors into a gsa backbone:
 * entries map to layers by module name (`layer1.0.conv1.weight` -> layer
 * `layer1.0.conv1`, its kernel), conv kernels go from OIHW to HWIO, linear
 * weights from [out, in] to [in, out], batch-norm `weight/bias/running_mean/
 * running_var` to `gamma/beta/moving_mean/moving_variance`.
 */
export function loadTorchvisionWeightsFromBytes(
  model: tfl.LayersModel,
  bytes: Uint8Array,
  options: LoadWeightsOptions = {},
): WeightsReport {
  const file = decodeSafetensors(bytes);
  const entries = new Map<string, { fileName: string; entry: SafetensorsEntry }>();
  for (const [fileName, entry] of file.tensors) {
    if (!isBookkeeping(fileName)) entries.set(modernName(fileName), { fileName, entry });
  }
  const assignments = new Map<tfl.LayerVariable, WeightAssignment>();
  for (const { weight, torchName, convert } of torchvisionNames(model)) {
    const found = entries.get(torchName);
    if (found === undefined) continue;
    const { entry, fileName } = found;
    const modelShape = weight.shape.map((size) => size ?? -1);
    const value = () =>
      tf.tidy(() =>
        convert.toTfjs(tf.tensor(toFloat32Array(entry), entry.shape, 'float32'), modelShape),
      );
    const shape = convert.tfjsShape(entry.shape, modelShape);
    assignments.set(weight, { weight, source: fileName, value, shape });
  }
  const fileEntries = [...entries.values()].map(({ fileName }) => fileName);
  return applyAssignments('safetensors', model, assignments, fileEntries, options);
}

/**
 * The model's weights as a torchvision-style `state_dict` in safetensors:
 * `model.load_state_dict(safetensors.torch.load_file(path))` in PyTorch
 * (for a gsa backbone that mirrors a torchvision model) takes it as is.
 */
export function encodeTorchvisionWeights(model: tfl.LayersModel): Uint8Array {
  const tensors: Record<string, SafetensorsInput> = {};
  for (const { weight, torchName, convert } of torchvisionNames(model)) {
    const value = tf.tidy(() => convert.toTorch(weight.read()));
    tensors[torchName] = {
      dtype: 'F32',
      shape: value.shape,
      data: value.dataSync() as Float32Array,
    };
    value.dispose();
    if (torchName.endsWith('.running_var')) {
      const prefix = torchName.slice(0, -'.running_var'.length);
      tensors[`${prefix}.num_batches_tracked`] = {
        dtype: 'I64',
        shape: [],
        data: new BigInt64Array(1),
      };
    }
  }
  return encodeSafetensors(tensors, { format: 'pt', producer: '@gsa/backbones' });
}
