import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gsa/backends/testing';
import { boundaryLevel, boundaryPenalty, entropyPenalty } from './spatial-map.js';

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

describeWithBackends('boundaryLevel (where the loss puts the boundary)', () => {
  const level = (map: number[], gradient: number[], lambda = 0) =>
    tf.tidy(
      () =>
        boundaryLevel(
          tf.tensor4d(map, [1, 1, map.length, 1]),
          tf.tensor4d(gradient, [1, 1, gradient.length, 1]),
          lambda,
        ).dataSync()[0]!,
    );

  it('keeps the top-ranked pixels whose gradient asks for more, not the 0.5 contour', () => {
    // Ranked by the map: 0.95, 0.9 want brighter (negative gradient); 0.8 and
    // 0.6 (a ring above 0.5) want darker; so do the rest.
    const map = [0.6, 0.95, 0.2, 0.8, 0.9, 0.1];
    const gradient = [3, -4, 1, 2, -3, 0.5];
    expect(level(map, gradient)).toBeCloseTo(0.9, 6);
  });

  it('sums the gradient over the ranked set, so one noisy pixel inside does not cut it', () => {
    // 0.8 wants darker on its own, but keeping 0.95..0.7 gains -(-4 + 1 - 5) = 8 > 4.
    const map = [0.95, 0.8, 0.7, 0.3, 0.2];
    const gradient = [-4, 1, -5, 2, 2];
    expect(level(map, gradient)).toBeCloseTo(0.7, 6);
  });

  it('adds lambda / pixels to every pixel: a large lambda shrinks the set', () => {
    const map = [0.9, 0.7, 0.5, 0.3];
    const gradient = [-1, -0.5, -0.2, 0.1];
    expect(level(map, gradient)).toBeCloseTo(0.5, 6);
    // lambda / 4 = 0.6 per pixel: only the first pixel still gains (-(-1 + 0.6) > 0).
    expect(level(map, gradient, 2.4)).toBeCloseTo(0.9, 6);
  });

  it('refuses a gradient of another size and a bad lambda', () => {
    expect(() => level([0.1, 0.2], [1, 2, 3])).toThrow(
      'The map has 2 pixels but the gradient has 3',
    );
    expect(() => level([0.1, 0.2], [1, 2], -1)).toThrow('lambda must be a non-negative number');
  });
});

describeWithBackends('boundaryPenalty (the boundary term)', () => {
  const map = [0.6, 0.95, 0.2, 0.8, 0.9, 0.1];
  const gradient = [3, -4, 1, 2, -3, 0.5];
  const value = (values: number[], weight: number) =>
    tf.tidy(
      () =>
        boundaryPenalty(
          tf.tensor4d(values, [1, 2, 3, 1]),
          tf.tensor4d(gradient, [1, 2, 3, 1]),
          0,
          weight,
        ).dataSync()[0]!,
    );

  it('is the cross-entropy against the set at the level, each side weighing 1/2', () => {
    // The set is {0.95, 0.9}; the rest, 0.6 and 0.8 included, is pulled to 0.
    const inside = (-Math.log(0.95) - Math.log(0.9)) / 2;
    const outside = (-Math.log(0.4) - Math.log(0.8) - Math.log(0.2) - Math.log(0.9)) / 4;
    expect(value(map, 0.3)).toBeCloseTo((0.3 * (inside + outside)) / 2, 5);
  });

  it('pulls a bright pixel outside the set down, where entropy pushes it up', () => {
    // Ranked: 0.9999 and 0.9995 want brighter, the ring pixel at 0.999 darker.
    const ring = [0.999, 0.9999, 0.2, 0.8, 0.9995, 0.1];
    const mapVariable = tf.variable(tf.tensor4d(ring, [1, 2, 3, 1]));
    const g = tf.tensor4d(gradient, [1, 2, 3, 1]);
    const gradientOf = (loss: () => tf.Scalar) => {
      const { grads } = tf.variableGrads(loss, [mapVariable]);
      const first = grads[mapVariable.name]!.dataSync()[0]!;
      tf.dispose(Object.values(grads));
      return first;
    };
    // d/dm of 1/2 * -log(1 - m) / 4 (four pixels outside) at 0.999 = 1 / (8 * 0.001) = 125.
    expect(gradientOf(() => boundaryPenalty(mapVariable, g, 0, 1))).toBeCloseTo(125, 0);
    expect(gradientOf(() => entropyPenalty(mapVariable, 1))).toBeLessThan(0);
    tf.dispose([mapVariable, g]);
  });

  it('scales with its weight and refuses a bad one', () => {
    expect(value(map, 0.6)).toBeCloseTo(2 * value(map, 0.3), 6);
    expect(value(map, 0)).toBe(0);
    expect(() => value(map, -1)).toThrow('boundary weight must be a non-negative number, got -1');
  });
});
