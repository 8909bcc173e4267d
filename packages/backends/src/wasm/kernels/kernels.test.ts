// Conformance of the kernels gsa adds to wasm: each one against the cpu
// backend on seeded random inputs of several shapes, strides and paddings.
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../index.js';

type Pad =
  'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  input: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pad;
}

const convCases: ConvCase[] = [
  { input: [2, 9, 9, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { input: [2, 9, 9, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { input: [1, 10, 7, 5], filter: [3, 3, 5, 2], stride: 1, pad: 'valid' },
  { input: [2, 11, 11, 4], filter: [3, 3, 4, 6], stride: 2, pad: 'valid' },
  { input: [1, 12, 12, 3], filter: [7, 7, 3, 8], stride: 2, pad: 'same' },
  { input: [2, 8, 8, 6], filter: [1, 1, 6, 5], stride: 1, pad: 'same' },
  { input: [2, 8, 8, 6], filter: [1, 1, 6, 5], stride: 2, pad: 'valid' },
  { input: [1, 9, 9, 2], filter: [5, 5, 2, 3], stride: 3, pad: 'same' },
  {
    input: [1, 6, 6, 2],
    filter: [3, 3, 2, 2],
    stride: 1,
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
  },
  // Forward padding wider than the filter (the input gradient crops).
  {
    input: [1, 6, 6, 2],
    filter: [3, 3, 2, 2],
    stride: 1,
    pad: [
      [0, 0],
      [4, 4],
      [4, 4],
      [0, 0],
    ],
  },
  {
    input: [2, 7, 8, 3],
    filter: [3, 3, 3, 2],
    stride: 2,
    pad: [
      [0, 0],
      [3, 0],
      [0, 4],
      [0, 0],
    ],
  },
];

interface DepthwiseCase {
  input: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  dilation: number;
  pad: 'same' | 'valid';
}

const depthwiseCases: DepthwiseCase[] = [
  { input: [2, 9, 9, 3], filter: [3, 3, 3, 1], stride: 1, dilation: 1, pad: 'same' },
  { input: [2, 9, 9, 3], filter: [3, 3, 3, 1], stride: 2, dilation: 1, pad: 'same' },
  { input: [1, 10, 8, 4], filter: [3, 3, 4, 2], stride: 1, dilation: 1, pad: 'valid' },
  { input: [2, 11, 11, 2], filter: [5, 5, 2, 3], stride: 2, dilation: 1, pad: 'valid' },
];

// cpu's depthwise gradients ignore dilation (and tfjs-core's gradient refuses
// dilation > 1), so dilated cases are checked by the adjoint identity instead:
// <depthwise(x, W), dy> = <x, dX> = <W, dW>.
const dilatedDepthwiseCases: DepthwiseCase[] = [
  { input: [2, 11, 11, 3], filter: [3, 3, 3, 2], stride: 1, dilation: 2, pad: 'same' },
  { input: [1, 12, 10, 2], filter: [3, 3, 2, 1], stride: 1, dilation: 3, pad: 'valid' },
];

interface PoolCase {
  input: [number, number, number, number];
  filter: number;
  stride: number;
  pad: 'same' | 'valid';
}

const maxPoolCases: PoolCase[] = [
  { input: [2, 12, 12, 4], filter: 2, stride: 2, pad: 'valid' },
  { input: [2, 11, 9, 3], filter: 2, stride: 2, pad: 'valid' }, // odd: a row and a column no window covers
  { input: [1, 7, 7, 2], filter: 2, stride: 2, pad: 'same' }, // padded: the general loop
  { input: [3, 11, 9, 3], filter: 3, stride: 2, pad: 'same' },
  { input: [1, 9, 9, 5], filter: 3, stride: 1, pad: 'same' },
  { input: [2, 13, 13, 2], filter: 3, stride: 2, pad: 'valid' },
];

interface ResizeCase {
  input: [number, number, number, number];
  size: [number, number];
}

const resizeCases: ResizeCase[] = [
  { input: [3, 5, 4, 2], size: [10, 8] },
  { input: [2, 7, 7, 3], size: [12, 9] },
  { input: [1, 9, 6, 1], size: [4, 5] },
];

async function onBackend<T>(name: 'cpu' | 'wasm', body: () => T): Promise<T> {
  await useBackend(name, { threads: 1 });
  return body();
}

function values(tensor: tf.Tensor): Float32Array {
  const data = tensor.dataSync() as Float32Array;
  tensor.dispose();
  return data;
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let maxDifference = 0;
  let maxMagnitude = 1e-12;
  for (let index = 0; index < expected.length; index++) {
    maxDifference = Math.max(maxDifference, Math.abs(actual[index]! - expected[index]!));
    maxMagnitude = Math.max(maxMagnitude, Math.abs(expected[index]!));
  }
  return maxDifference / maxMagnitude;
}

async function compare(body: () => tf.Tensor): Promise<number> {
  const expected = await onBackend('cpu', () => values(body()));
  const actual = await onBackend('wasm', () => values(body()));
  return relativeError(actual, expected);
}

const describeCase = (c: ConvCase | DepthwiseCase) =>
  `x ${c.input.join('x')}, filter ${c.filter.join('x')}, stride ${c.stride}, ` +
  `${'dilation' in c ? `dilation ${c.dilation}, ` : ''}pad ${JSON.stringify(c.pad)}`;

describe('wasm training kernels match cpu', () => {
  let seed = 100;
  const random = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);

  describe.each(convCases)('Conv2D gradients: %#', (c) => {
    const inputSeed = seed++;
    const filterSeed = seed++;
    const gradientSeed = seed++;
    const makeInputs = () => {
      const outShape = tf.conv2d(
        tf.zeros(c.input) as tf.Tensor4D,
        tf.zeros(c.filter) as tf.Tensor4D,
        c.stride,
        c.pad,
      ).shape;
      return {
        x: tf.randomNormal(c.input, 0, 1, 'float32', inputSeed),
        filter: tf.randomNormal(c.filter, 0, 1, 'float32', filterSeed),
        dy: tf.randomNormal(outShape, 0, 1, 'float32', gradientSeed),
      };
    };

    it(`Conv2DBackpropFilter (${describeCase(c)})`, async () => {
      const error = await compare(() =>
        tf.tidy(() => {
          const { x, dy } = makeInputs();
          return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
            strides: [c.stride, c.stride],
            pad: c.pad,
            dataFormat: 'NHWC',
            dimRoundingMode: undefined,
            filterShape: c.filter,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
        }),
      );
      expect(error).toBeLessThan(1e-4);
    });

    it(`Conv2DBackpropInput (${describeCase(c)})`, async () => {
      const error = await compare(() =>
        tf.tidy(() => {
          const { filter, dy } = makeInputs();
          return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
            strides: [c.stride, c.stride],
            pad: c.pad,
            dataFormat: 'NHWC',
            dimRoundingMode: undefined,
            inputShape: c.input,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
        }),
      );
      expect(error).toBeLessThan(1e-4);
    });
  });

  describe.each(depthwiseCases)('DepthwiseConv2dNative gradients: %#', (c) => {
    const inputSeed = seed++;
    const filterSeed = seed++;
    const gradientSeed = seed++;
    const makeInputs = () => {
      const outShape = tf.depthwiseConv2d(
        tf.zeros(c.input) as tf.Tensor4D,
        tf.zeros(c.filter) as tf.Tensor4D,
        c.stride,
        c.pad,
        'NHWC',
        c.dilation,
      ).shape;
      return {
        x: tf.randomNormal(c.input, 0, 1, 'float32', inputSeed),
        filter: tf.randomNormal(c.filter, 0, 1, 'float32', filterSeed),
        dy: tf.randomNormal(outShape, 0, 1, 'float32', gradientSeed),
      };
    };
    const attrs = {
      strides: [c.stride, c.stride],
      dilations: [c.dilation, c.dilation],
      pad: c.pad,
      dimRoundingMode: undefined,
    };

    it(`DepthwiseConv2dNativeBackpropFilter (${describeCase(c)})`, async () => {
      const error = await compare(() =>
        tf.tidy(() => {
          const { x, dy } = makeInputs();
          return tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, {
            ...attrs,
            filterShape: c.filter,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
        }),
      );
      expect(error).toBeLessThan(1e-4);
    });

    it(`DepthwiseConv2dNativeBackpropInput (${describeCase(c)})`, async () => {
      const error = await compare(() =>
        tf.tidy(() => {
          const { filter, dy } = makeInputs();
          return tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, {
            ...attrs,
            inputShape: c.input,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
        }),
      );
      expect(error).toBeLessThan(1e-4);
    });
  });

  it.each(dilatedDepthwiseCases)(
    'dilated depthwise gradients are adjoint to the forward (%j)',
    async (c) => {
      await useBackend('wasm', { threads: 1 });
      const x = tf.randomNormal(c.input, 0, 1, 'float32', seed++) as tf.Tensor4D;
      const filter = tf.randomNormal(c.filter, 0, 1, 'float32', seed++) as tf.Tensor4D;
      const forward = tf.depthwiseConv2d(x, filter, c.stride, c.pad, 'NHWC', c.dilation);
      const dy = tf.randomNormal(forward.shape, 0, 1, 'float32', seed++);
      const attrs = {
        strides: [c.stride, c.stride],
        dilations: [c.dilation, c.dilation],
        pad: c.pad,
        dimRoundingMode: undefined,
      };
      const dFilter = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, {
        ...attrs,
        filterShape: c.filter,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const dInput = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, {
        ...attrs,
        inputShape: c.input,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const inner = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b)).dataSync()[0]!;
      const reference = inner(forward, dy);
      expect(Math.abs(inner(filter, dFilter) - reference)).toBeLessThan(1e-4 * Math.abs(reference));
      expect(Math.abs(inner(x, dInput) - reference)).toBeLessThan(1e-4 * Math.abs(reference));
      tf.dispose([x, filter, forward, dy, dFilter, dInput]);
    },
  );

  it.each([
    { shape: [4, 6, 5, 3], axis: [0, 1, 2], keepDims: false },
    { shape: [4, 6, 5, 3], axis: [2, 0, 1], keepDims: true },
    { shape: [7, 9], axis: 0, keepDims: false },
    { shape: [3, 4, 5], axis: [0, 1], keepDims: false },
    { shape: [16, 32, 32, 4], axis: [0, 1, 2], keepDims: false }, // 16,384 values per channel
    // Not leading axes: the stock kernels run.
    { shape: [4, 6, 5, 3], axis: [1, 2], keepDims: false },
    { shape: [4, 6, 5, 3], axis: -1, keepDims: true },
    { shape: [4, 6, 5, 3], axis: [0, 1, 2, 3], keepDims: false },
  ])('Sum and Mean over %j', async (c) => {
    const inputSeed = seed++;
    for (const reduce of [tf.sum, tf.mean]) {
      const error = await compare(() =>
        tf.tidy(() =>
          reduce(tf.randomNormal(c.shape, 0.5, 2, 'float32', inputSeed), c.axis, c.keepDims),
        ),
      );
      expect(error).toBeLessThan(1e-5);
    }
  });

  it.each([
    { a: [37, 19], b: [37, 23], transposeA: true, transposeB: false },
    { a: [23, 19], b: [31, 19], transposeA: false, transposeB: true },
    { a: [19, 23], b: [31, 19], transposeA: true, transposeB: true },
    { a: [3, 17, 5], b: [3, 17, 7], transposeA: true, transposeB: false },
    { a: [2, 5, 9], b: [9, 4], transposeA: false, transposeB: false },
  ])('BatchMatMul %j', async (c) => {
    const seeds = [seed++, seed++];
    const error = await compare(() =>
      tf.tidy(() =>
        tf.matMul(
          tf.randomNormal(c.a, 0, 1, 'float32', seeds[0]),
          tf.randomNormal(c.b, 0, 1, 'float32', seeds[1]),
          c.transposeA,
          c.transposeB,
        ),
      ),
    );
    expect(error).toBeLessThan(1e-5);
  });

  // Slices copy bits: wasm must equal cpu exactly, in every dtype it copies (and strings fall back).
  const inDtype = (x: tf.Tensor, dtype: 'float32' | 'int32' | 'bool') =>
    dtype === 'float32'
      ? x
      : dtype === 'int32'
        ? tf.cast(tf.mul(x, 100), 'int32')
        : tf.greater(x, 0);
  /** `copy` of one seeded input of `shape` in float32, int32 and bool: wasm equals cpu exactly. */
  const copiesExactly = async (shape: number[], copy: (x: tf.Tensor) => tf.Tensor[]) => {
    const inputSeed = seed++;
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const body = () =>
        tf.tidy(() => copy(inDtype(tf.randomNormal(shape, 0, 1, 'float32', inputSeed), dtype)));
      const expected = await onBackend('cpu', () => body().map((t) => Array.from(values(t))));
      const actual = await onBackend('wasm', () => body().map((t) => Array.from(values(t))));
      expect(actual).toEqual(expected);
    }
  };

  it.each([
    { shape: [2, 5, 4, 6], begin: [0, 1, 0, 2], size: [2, 3, 4, 3] },
    { shape: [2, 5, 4, 6], begin: [1, 0, 0, 0], size: [1, 5, 4, 6] }, // one contiguous run
    { shape: [3, 4, 5, 70], begin: [0, 1, 2, 3], size: [-1, 2, 2, 64] }, // runs for copyWithin
    { shape: [3, 4, 5, 70], begin: [1, 1, 0, 0], size: [2, 2, 5, 70] }, // whole trailing axes merge
    { shape: [7], begin: [2], size: [3] },
    { shape: [2, 3, 2, 3, 2], begin: [0, 1, 0, 1, 0], size: [2, 2, 2, 2, 2] },
    { shape: [4, 6], begin: [0, 2], size: [4, 0] }, // empty
  ])('Slice %j', async (c) => {
    await copiesExactly(c.shape, (x) => [tf.slice(x, c.begin, c.size)]);
  });

  it('Slice of strings is the stock kernel', async () => {
    await useBackend('wasm', { threads: 1 });
    const words = tf.tensor2d(['a', 'b', 'c', 'd', 'e', 'f'], [2, 3]);
    const part = tf.slice(words, [0, 1], [2, 2]);
    expect(part.arraySync()).toEqual([
      ['b', 'c'],
      ['e', 'f'],
    ]);
    tf.dispose([words, part]);
  });

  it.each([
    { shape: [2, 4, 4, 96], sizes: [64, 32], axis: 3 }, // a DenseNet concatenation's gradient
    { shape: [2, 3, 3, 10], sizes: [1, 2, 3, 4], axis: -1 },
    { shape: [4, 3, 5, 2], sizes: [2, 0, 1, 2], axis: 2 }, // an empty piece
    { shape: [6, 80], sizes: [1, 5], axis: 0 },
    { shape: [5, 9], sizes: [3, 3, 3], axis: 1 },
  ])('SplitV %j', async (c) => {
    await copiesExactly(c.shape, (x) => tf.split(x, c.sizes, c.axis));
  });

  it('Sum over leading axes keeps int32 sums exact (the stock kernel)', async () => {
    await useBackend('wasm', { threads: 1 });
    const counts = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    const sum = tf.sum(counts, 0);
    expect(sum.dtype).toBe('int32');
    expect(Array.from(sum.dataSync())).toEqual([9, 12]);
    tf.dispose([counts, sum]);
  });

  it.each(maxPoolCases)('MaxPoolGrad (%j)', async (c) => {
    const inputSeed = seed++;
    const gradientSeed = seed++;
    const error = await compare(() =>
      tf.tidy(() => {
        // Negative values too: the stock kernel was wrong for windows of negatives.
        const input = tf.randomNormal(c.input, -0.5, 1, 'float32', inputSeed);
        const output = tf.maxPool(input as tf.Tensor4D, c.filter, c.stride, c.pad);
        const dy = tf.randomNormal(output.shape, 0, 1, 'float32', gradientSeed);
        return tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, {
          filterSize: c.filter,
          strides: c.stride,
          pad: c.pad,
          dimRoundingMode: undefined,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      }),
    );
    expect(error).toBeLessThan(1e-4);
  });

  it("MaxPoolGrad sends a tied window's gradient to its first maximum, as cpu (2x2, stride 2)", async () => {
    const error = await compare(() =>
      tf.tidy(() => {
        // ReLU before the pool: many windows of equal zeros.
        const input = tf.relu(tf.randomNormal([2, 8, 8, 3], -0.5, 1, 'float32', seed));
        const output = tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid');
        const dy = tf.randomNormal(output.shape, 0, 1, 'float32', seed + 1);
        return tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, {
          filterSize: 2,
          strides: 2,
          pad: 'valid',
          dimRoundingMode: undefined,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      }),
    );
    seed += 2;
    expect(error).toBe(0);
  });

  // The cpu kernel shares gsa's backprop code, so these check the adjoint
  // identity <resize(x), dy> = <x, gradient(dy)> on wasm itself, every flag setting.
  describe.each(resizeCases)('ResizeNearestNeighborGrad (%j)', (c) => {
    const flagSettings = [
      { alignCorners: false, halfPixelCenters: false },
      { alignCorners: true, halfPixelCenters: false },
      { alignCorners: false, halfPixelCenters: true },
    ];
    it.each(flagSettings)('is the adjoint of the resize with %j', async (flags) => {
      await useBackend('wasm', { threads: 1 });
      const x = tf.randomNormal(c.input, 0, 1, 'float32', seed++);
      const dy = tf.randomNormal([c.input[0], ...c.size, c.input[3]], 0, 1, 'float32', seed++);
      const forward = tf.sum(
        tf.mul(
          tf.image.resizeNearestNeighbor(
            x as tf.Tensor4D,
            c.size,
            flags.alignCorners,
            flags.halfPixelCenters,
          ),
          dy,
        ),
      );
      const gradient = tf.engine().runKernel('ResizeNearestNeighborGrad', { images: x, dy }, {
        ...flags,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const backward = tf.sum(tf.mul(x, gradient));
      const [lhs, rhs] = [forward.dataSync()[0]!, backward.dataSync()[0]!];
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
      // Every dy value lands somewhere: the gradient sums to dy's sum.
      expect(tf.sum(gradient).dataSync()[0]).toBeCloseTo(tf.sum(dy).dataSync()[0]!, 3);
      tf.dispose([x, dy, forward, gradient, backward]);
    });
  });

  it('the composite kernels free every intermediate', async () => {
    await useBackend('wasm', { threads: 1 });
    const x = random([2, 9, 9, 3]);
    const filter = random([3, 3, 3, 4]);
    const dw = random([3, 3, 3, 2]);
    const gradient = (f: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor4D, b as tf.Tensor4D));
    const run = () => {
      tf.dispose([tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1], true)]);
      tf.dispose(tf.tidy(() => tf.matMul(tf.reshape(x, [18, 27]), tf.reshape(x, [18, 27]), true)));
      for (const stride of [1, 2]) {
        tf.dispose(
          gradient((a, b) => tf.sum(tf.square(tf.conv2d(a, b, stride, 'same'))))([x, filter]),
        );
        tf.dispose(
          gradient((a, b) => tf.sum(tf.square(tf.depthwiseConv2d(a, b, stride, 'valid'))))([x, dw]),
        );
      }
    };
    run();
    const before = { tensors: tf.memory().numTensors, bytes: tf.memory().numBytes };
    run();
    run();
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(tf.memory().numBytes).toBe(before.bytes);
    // The backend's own registry too: a leaked intermediate stays there.
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const dataIds = backend.numDataIds();
    run();
    expect(backend.numDataIds()).toBe(dataIds);
    tf.dispose([x, filter, dw]);
  });
});
