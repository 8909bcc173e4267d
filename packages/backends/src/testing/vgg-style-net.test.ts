import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../index.js';
import { VggStyleNet, describeWithBackends, randomBatch, testBackends } from './index.js';

const STEPS = 20;

/** 20 seeded Adam steps of the reference net: the loss before each step and the tensor count after it. */
async function lossCurve(): Promise<{ losses: number[]; tensors: number[] }> {
  // The benchmark's architecture at a test-sized batch and resolution.
  const net = new VggStyleNet({ inputSize: 32, classes: 3, seed: 11 });
  const optimizer = tf.train.adam(1e-3);
  const { images, labels } = randomBatch(8, 32, 3, 5);
  const losses: number[] = [];
  const tensors: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    losses.push(await net.trainStep(optimizer, images, labels));
    tensors.push(tf.memory().numTensors);
  }
  net.dispose();
  optimizer.dispose();
  tf.dispose([images, labels]);
  return { losses, tensors };
}

let reference: { losses: number[]; tensors: number[] };

beforeAll(async () => {
  await useBackend('cpu');
  reference = await lossCurve();
}, 300_000);

describe('the VGG-style reference net on cpu', () => {
  it('learns (the batch is memorised) without leaking tensors', () => {
    expect(reference.losses[STEPS - 1]!).toBeLessThan(reference.losses[0]! * 0.5);
    // Adam creates its moment variables on the first step; flat from then on.
    expect(new Set(reference.tensors.slice(1)).size).toBe(1);
  });
});

describeWithBackends(
  'the VGG-style reference net',
  () => {
    it('follows the cpu loss curve over 20 steps, without leaking tensors', async () => {
      const curve = await lossCurve();
      for (let step = 0; step < STEPS; step++) {
        expect(Math.abs(curve.losses[step]! - reference.losses[step]!)).toBeLessThan(1e-3);
      }
      expect(new Set(curve.tensors.slice(1)).size).toBe(1);
    });
  },
  { backends: testBackends().filter((backend) => backend !== 'cpu') },
);
