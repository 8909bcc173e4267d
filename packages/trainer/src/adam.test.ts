import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { describeWithBackends } from '@gsa/backends/testing';
import { PyTorchAdam } from './adam.js';

/** PyTorch's Adam (torch.optim.Adam / AdamW) written out in plain numbers. */
function referenceAdam(
  weights: number[],
  gradientOf: (w: number[]) => number[],
  steps: number,
  options: { lr: number; wd: number; decoupled: boolean },
): number[] {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let w = [...weights];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    let g = gradientOf(w);
    if (!options.decoupled) g = g.map((gi, i) => gi + options.wd * w[i]!);
    else w = w.map((wi) => wi * (1 - options.lr * options.wd));
    w = w.map((wi, i) => {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      const mHat = m[i]! / (1 - b1 ** t);
      const vHat = v[i]! / (1 - b2 ** t);
      return wi - (options.lr * mHat) / (Math.sqrt(vHat) + eps);
    });
  }
  return w;
}

describeWithBackends('PyTorchAdam', () => {
  const start = [0.5, -1.5, 2.0, 0.25];
  const target = [1, 2, -1, 0];
  // loss = sum((w - target)^2 * k) with per-coordinate scales k.
  const scales = [1, 0.1, 3, 10];
  const gradientOf = (w: number[]) => w.map((wi, i) => 2 * scales[i]! * (wi - target[i]!));

  it.each([
    { wd: 0, decoupled: false },
    { wd: 0.01, decoupled: false },
    { wd: 0.01, decoupled: true },
  ])('matches PyTorch Adam step for step (weight decay %j)', ({ wd, decoupled }) => {
    const w = tf.variable(tf.tensor1d(start));
    const optimizer = new PyTorchAdam([{ variables: [w] }], {
      learningRate: 0.05,
      weightDecay: wd,
      decoupled,
    });
    const t = tf.tensor1d(target);
    const k = tf.tensor1d(scales);
    for (let step = 0; step < 25; step++) {
      tf.dispose(optimizer.minimize(() => tf.sum(tf.mul(tf.square(tf.sub(w, t)), k)) as tf.Scalar));
    }
    const expected = referenceAdam(start, gradientOf, 25, { lr: 0.05, wd, decoupled });
    const actual = Array.from(w.dataSync());
    actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 5));
    expect(optimizer.step).toBe(25);
    optimizer.dispose();
    tf.dispose([w, t, k]);
  });

  it('gives each parameter group its own learning rate', () => {
    const fast = tf.variable(tf.scalar(0));
    const slow = tf.variable(tf.scalar(0));
    const optimizer = new PyTorchAdam(
      [{ variables: [slow] }, { variables: [fast], learningRate: 0.1 }],
      {
        learningRate: 0.001,
      },
    );
    tf.dispose(optimizer.minimize(() => tf.add(tf.neg(fast), tf.neg(slow)) as tf.Scalar));
    // Adam's first step moves each weight by its learning rate.
    expect(fast.dataSync()[0]).toBeCloseTo(0.1, 6);
    expect(slow.dataSync()[0]).toBeCloseTo(0.001, 6);
    optimizer.dispose();
    tf.dispose([fast, slow]);
  });

  it('continues exactly from a saved state, and leaks nothing', async () => {
    const makeRun = () => tf.variable(tf.tensor1d(start));
    const loss = (w: tf.Variable) => () => tf.sum(tf.square(tf.sub(tf.mul(w, w), 1))) as tf.Scalar;
    const uninterrupted = makeRun();
    const a = new PyTorchAdam([{ variables: [uninterrupted] }], {
      learningRate: 0.01,
      weightDecay: 1e-3,
    });
    for (let i = 0; i < 10; i++) tf.dispose(a.minimize(loss(uninterrupted)));

    const first = makeRun();
    const b = new PyTorchAdam([{ variables: [first] }], { learningRate: 0.01, weightDecay: 1e-3 });
    for (let i = 0; i < 4; i++) tf.dispose(b.minimize(loss(first)));
    const state = await b.getState();
    const weights = first.dataSync().slice();
    b.dispose();

    const resumed = tf.variable(tf.tensor1d(weights));
    const c = new PyTorchAdam([{ variables: [resumed] }], {
      learningRate: 0.01,
      weightDecay: 1e-3,
    });
    c.setState(state);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 6; i++) tf.dispose(c.minimize(loss(resumed)));
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(resumed.dataSync())).toEqual(Array.from(uninterrupted.dataSync()));
    a.dispose();
    c.dispose();
    tf.dispose([uninterrupted, first, resumed]);
  });

  it('warms a group up linearly: step t moves by rate x min(1, t / warmupSteps)', () => {
    // A constant gradient: Adam's bias-corrected step is exactly the rate.
    const warm = tf.variable(tf.zeros([2]));
    const plain = tf.variable(tf.zeros([2]));
    const optimizer = new PyTorchAdam(
      [{ variables: [warm], warmupSteps: 4 }, { variables: [plain] }],
      { learningRate: 0.1 },
    );
    const moves: number[][] = [];
    for (let step = 0; step < 6; step++) {
      const before = [warm.dataSync()[0]!, plain.dataSync()[0]!];
      tf.dispose(optimizer.minimize(() => tf.sum(tf.add(warm, plain))));
      moves.push([before[0]! - warm.dataSync()[0]!, before[1]! - plain.dataSync()[0]!]);
    }
    const expected = [0.025, 0.05, 0.075, 0.1, 0.1, 0.1];
    moves.forEach(([warmMove, plainMove], step) => {
      expect(warmMove).toBeCloseTo(expected[step]!, 6);
      expect(plainMove).toBeCloseTo(0.1, 6);
    });
    expect(
      () => new PyTorchAdam([{ variables: [warm], warmupSteps: 1.5 }], { learningRate: 0.1 }),
    ).toThrow('warmupSteps must be a whole number >= 0, got 1.5');
    optimizer.dispose();
    tf.dispose([warm, plain]);
  });

  it('leaves no tensor behind once disposed', () => {
    const w = tf.variable(tf.ones([3, 2]));
    const b = tf.variable(tf.zeros([2]));
    const before = tf.memory().numTensors;
    const optimizer = new PyTorchAdam([{ variables: [w, b] }], { learningRate: 0.1 });
    tf.dispose(optimizer.minimize(() => tf.sum(tf.add(tf.matMul(tf.ones([1, 3]), w), b))));
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, b]);
  });

  it('refuses a state saved for another model', async () => {
    const w = tf.variable(tf.zeros([2, 2]));
    const optimizer = new PyTorchAdam([{ variables: [w] }], { learningRate: 0.1 });
    const other = new PyTorchAdam([{ variables: [tf.variable(tf.zeros([3]))] }], {
      learningRate: 0.1,
    });
    expect(() => optimizer.setState({ step: 1, moments: [] })).toThrow(
      /holds 0 parameters, this model 1/,
    );
    expect(() =>
      optimizer.setState({
        step: 1,
        moments: [
          { name: 'x', shape: [3], first: new Float32Array(3), second: new Float32Array(3) },
        ],
      }),
    ).toThrow(/has shape \[3\]/);
    optimizer.dispose();
    other.dispose();
    w.dispose();
  });
});
