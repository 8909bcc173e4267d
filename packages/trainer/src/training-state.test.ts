import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { PyTorchAdam } from './adam.js';
import { CallbackList } from './callback-list.js';
import { createMapSource } from './map-source.js';
import { SIZE, attentionSetup, tinyBackbone, tinyData } from './test-support.fixture.js';
import { TrainingState, type TrainingParts } from './training-state.js';

beforeAll(async () => {
  await useBackend('cpu');
});

function parts(seed: number, fingerprint = 'run-a'): TrainingParts & { dispose(): void } {
  const backbone = tinyBackbone(seed);
  const data = tinyData(6, 11);
  const setup = attentionSetup('global', data, seed);
  data.images.dispose();
  const mapSource = createMapSource(setup, [SIZE, SIZE, 1]);
  const optimizer = new PyTorchAdam(
    [
      { variables: backbone.trainableWeights.map((w) => w.read() as tf.Variable) },
      { variables: mapSource!.variables },
    ],
    { learningRate: 0.01 },
  );
  return {
    backbone,
    mapSource,
    optimizer,
    seed,
    fingerprint,
    height: SIZE,
    width: SIZE,
    dispose: () => {
      optimizer.dispose();
      backbone.dispose();
      if (setup.mode === 'global') {
        setup.pixelRepresentation.dispose();
        setup.layer.dispose();
      }
    },
  };
}

const values = (variables: readonly { read(): tf.Tensor }[]) =>
  variables.map((variable) => Array.from(variable.read().dataSync()));

describe('TrainingState', () => {
  it('round-trips through a checkpoint: weights, moments, history and maps, exactly', async () => {
    const source = parts(1);
    const state = new TrainingState(source);
    await state.recordInitialMap();
    // One Adam step so that the moments are not zero.
    const data = tinyData(8, 3);
    source.optimizer.minimize(
      () => tf.mean(source.backbone.apply(data.images) as tf.Tensor) as tf.Scalar,
      source.optimizer.variables,
    );
    // Two steps' gradients on the map: the running mean is 0.9 * first + 0.1 * second.
    const first = tf.tensor4d(
      Array.from({ length: SIZE * SIZE }, (_, i) => i / 7),
      [1, SIZE, SIZE, 1],
    );
    state.recordMapGradient(first.clone(), 0.9);
    state.recordMapGradient(tf.onesLike(first), 0.9);
    const expectedGradient = Array.from(first.dataSync(), (v) => Math.fround(0.9 * v + 0.1));
    first.dispose();
    state.freezeMap();
    state.history = [
      { epoch: 1, phase: 1, trainLoss: 1, trainCrossEntropy: 1, trainAccuracy: 0.5, seconds: 1 },
    ];
    const checkpoint = await state.toCheckpoint(1, 2);
    expect(checkpoint).toMatchObject({ epoch: 1, phase: 2, seed: 1, fingerprint: 'run-a' });

    const target = parts(7); // other initial weights
    const restored = new TrainingState(target);
    restored.restore(checkpoint, '/runs/x/checkpoints');
    expect(values(target.backbone.weights)).toEqual(values(source.backbone.weights));
    expect(values(target.mapSource!.layer.weights)).toEqual(
      values(source.mapSource!.layer.weights),
    );
    // The moments, value for value (their names follow each model's layer names).
    const moments = async (optimizer: PyTorchAdam) => {
      const { step, moments: list } = await optimizer.getState();
      return { step, moments: list.map(({ first, second }) => ({ first, second })) };
    };
    expect(await moments(target.optimizer)).toEqual(await moments(source.optimizer));
    expect(restored.nextEpoch).toBe(2);
    expect(restored.history).toEqual(state.history);
    expect(Array.from(restored.frozenMap!.dataSync())).toEqual(
      Array.from(state.frozenMap!.dataSync()),
    );
    expect(target.mapSource!.layer.trainable).toBe(false);
    expect(restored.initialMap!.values).toEqual(state.initialMap!.values);
    Array.from(restored.mapGradient!.dataSync()).forEach((value, i) =>
      expect(value).toBeCloseTo(expectedGradient[i]!, 5),
    );
    expect(Array.from(restored.mapGradient!.dataSync())).toEqual(
      Array.from(state.mapGradient!.dataSync()),
    );

    const otherParts = parts(1, 'run-b');
    const other = new TrainingState(otherParts);
    expect(() => other.restore(checkpoint, '/runs/x/checkpoints')).toThrow(
      /The checkpoint in \/runs\/x\/checkpoints was made by a run with other settings/,
    );
    otherParts.dispose();
    for (const item of [state, restored]) item.dispose();
    data.images.dispose();
    source.dispose();
    target.dispose();
  });
});

describe('CallbackList', () => {
  it('calls every callback in order and waits for each', async () => {
    const calls: string[] = [];
    const slow = (name: string) => ({
      onTrainBegin: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        calls.push(`${name}:begin`);
      },
      onEpochEnd: () => void calls.push(`${name}:epoch`),
      onTrainEnd: () => void calls.push(`${name}:end`),
    });
    const list = new CallbackList([slow('a'), slow('b')]);
    await list.trainBegin({
      mode: 'none',
      epochs: 1,
      cutoffEpoch: 0,
      stepsPerEpoch: 1,
      firstEpoch: 1,
      trainingImages: 1,
      history: [],
    });
    const metrics = {
      epoch: 1,
      phase: 2 as const,
      trainLoss: 0,
      trainCrossEntropy: 0,
      trainAccuracy: 1,
      seconds: 0,
    };
    await list.epochEnd(metrics, { stop: () => {}, map: () => undefined });
    await list.trainEnd([metrics], undefined);
    expect(calls).toEqual(['a:begin', 'b:begin', 'a:epoch', 'b:epoch', 'a:end', 'b:end']);
  });
});
