import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gsa/backends/testing';
import { entropyPenalty } from './spatial-map.js';

const binaryEntropy = (m: number) => -(m * Math.log(m) + (1 - m) * Math.log(1 - m));

describeWithBackends('entropyPenalty (the decision term)', () => {
  const value = (values: number[], weight: number) =>
    tf.tidy(() => entropyPenalty(tf.tensor2d(values, [1, values.length]), weight).dataSync()[0]!);

  it('is about 0 for a decided map and largest at 0.5', () => {
    expect(value([0, 1, 1, 0, 0, 0], 0.3)).toBeLessThan(1e-4);
    // Every pixel at 0.5 is on the lower side; the empty upper side adds nothing.
    expect(value([0.5, 0.5, 0.5, 0.5], 0.3)).toBeCloseTo((0.3 * Math.log(2)) / 2, 6);
  });

  it('weighs the two sides of 0.5 alike, whatever their sizes', () => {
    // One pixel at 0.7 and 99 at 0.3: a plain mean would be 0.3 * H(0.3) too, but
    // one at 0.9 and 99 at 0.3 shows the balance: (H(0.9) + H(0.3)) / 2.
    const map = [0.9, ...Array.from({ length: 99 }, () => 0.3)];
    expect(value(map, 1)).toBeCloseTo((binaryEntropy(0.9) + binaryEntropy(0.3)) / 2, 5);
    const plainMean = (binaryEntropy(0.9) + 99 * binaryEntropy(0.3)) / 100;
    expect(Math.abs(value(map, 1) - plainMean)).toBeGreaterThan(0.1);
  });

  it('scales with its weight and refuses a bad one', () => {
    const map = [0.2, 0.4, 0.6, 0.8];
    expect(value(map, 0.6)).toBeCloseTo(2 * value(map, 0.3), 6);
    expect(value(map, 0)).toBe(0);
    expect(() => entropyPenalty(tf.zeros([2, 2]), -1)).toThrow(
      'entropy weight must be a non-negative number, got -1',
    );
    expect(() => entropyPenalty(tf.zeros([2, 2]), Number.NaN)).toThrow('got NaN');
  });
});
