// gsa's cpu Conv2DBackpropFilter against the stock kernel it replaces.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../index.js';
import { stockKernel } from '../../shared/replace-kernels.js';

const cases: {
  input: number[];
  filter: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
}[] = [
  { input: [2, 9, 9, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { input: [2, 11, 11, 4], filter: [3, 3, 4, 6], stride: 2, pad: 'valid' },
  { input: [1, 12, 12, 3], filter: [7, 7, 3, 8], stride: 2, pad: 'same' },
  { input: [2, 8, 8, 6], filter: [1, 1, 6, 5], stride: 2, pad: 'same' },
];

describe('cpu Conv2DBackpropFilter', () => {
  it.each(cases)('equals the stock kernel: x %j', async (c) => {
    await useBackend('cpu');
    const stock = stockKernel('Conv2DBackpropFilter', 'cpu');
    expect(stock).toBeDefined();
    const x = tf.randomNormal(c.input, 0, 1, 'float32', 1);
    const outShape = tf.conv2d(
      x as tf.Tensor4D,
      tf.zeros(c.filter) as tf.Tensor4D,
      c.stride,
      c.pad,
    ).shape;
    // Some zeros, as after a ReLU, exercise the skip in the inner loop.
    const dy = tf.relu(tf.randomNormal(outShape, 0, 1, 'float32', 2));
    const attrs = {
      strides: [c.stride, c.stride],
      pad: c.pad,
      dataFormat: 'NHWC',
      filterShape: c.filter,
    };
    const ours = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
    const reference = stock!.kernelFunc({
      inputs: { x, dy },
      backend: tf.backend(),
      attrs,
    } as never) as tf.TensorInfo;
    const expected = tf.engine().makeTensorFromTensorInfo(reference);
    const difference = tf.max(tf.abs(tf.sub(ours, expected))).dataSync()[0]!;
    const scale = tf.max(tf.abs(expected)).dataSync()[0]!;
    expect(difference / scale).toBeLessThan(1e-5);
    tf.dispose([x, dy, ours, expected]);
  });
});
