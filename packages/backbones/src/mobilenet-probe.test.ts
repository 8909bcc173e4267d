// Pretrained tfjs weights carry over: a linear probe on the features of
// Google's ImageNet MobileNet v1 0.25 recognises the 40 people of the ORL
// faces (5 images each to train, 5 to test; chance 2.5%).
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { createBackbone, loadWeights } from './index.js';
import { decodePng } from './test-support/png.fixture.js';
import { describeWithSharedData, sharedData } from './test-support/paths.fixture.js';

/**
 * The input size: 128 by default (MobileNet is fully convolutional and 128 is
 * one of its published sizes; 4x faster than 224), GSA_PROBE_SIZE=224 for the
 * weights' own size.
 */
const SIZE = Number(process.env.GSA_PROBE_SIZE ?? 128);

interface Face {
  file: string;
  subject: number;
  index: number;
}

function readFaces(directory: string): Face[] {
  const [, ...rows] = readFileSync(join(directory, 'labels.csv'), 'utf8').trim().split('\n');
  return rows.map((row) => {
    const [file, , label] = row.split(',');
    return { file: file!, subject: Number(label), index: Number(/_(\d+)\.png$/.exec(file!)![1]) };
  });
}

/** Grey 92x112 faces -> RGB SIZE x SIZE in [-1, 1] (MobileNet's scale). */
function faceBatch(directory: string, faces: Face[]): tf.Tensor4D {
  return tf.tidy(() => {
    const images = faces.map((face) => {
      const png = decodePng(readFileSync(join(directory, 'png', face.file)));
      return tf.tensor3d(png.data, [png.height, png.width, 1], 'float32');
    });
    const grey = tf.image.resizeBilinear(tf.stack(images) as tf.Tensor4D, [SIZE, SIZE]);
    return tf.sub(tf.div(tf.tile(grey, [1, 1, 1, 3]), 127.5), 1) as tf.Tensor4D;
  });
}

/** A 3x5 grey PNG whose rows use filters 0 to 4 on the same bytes (CRCs left at zero: not read). */
function handMadePng(rows: number[][]): Uint8Array {
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length);
    new DataView(out.buffer).setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    return out;
  };
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, rows[0]!.length);
  new DataView(header.buffer).setUint32(4, rows.length);
  header.set([8, 0, 0, 0, 0], 8);
  const raw: number[] = [];
  rows.forEach((row, y) => {
    const filter = y % 5;
    raw.push(filter);
    row.forEach((value, x) => {
      const left = x > 0 ? row[x - 1]! : 0;
      const up = y > 0 ? rows[y - 1]![x]! : 0;
      const upLeft = x > 0 && y > 0 ? rows[y - 1]![x - 1]! : 0;
      const estimate = left + up - upLeft;
      const [a, b, c] = [
        Math.abs(estimate - left),
        Math.abs(estimate - up),
        Math.abs(estimate - upLeft),
      ];
      const paeth = a <= b && a <= c ? left : b <= c ? up : upLeft;
      const predictor = [0, left, up, (left + up) >> 1, paeth][filter]!;
      raw.push((value - predictor) & 0xff);
    });
  });
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Uint8Array.from(raw))),
    chunk('IEND', new Uint8Array()),
  ];
  return Uint8Array.from(parts.flatMap((part) => Array.from(part)));
}

it('decodes PNG rows under each of the five filters', () => {
  const rows = [
    [10, 200, 30],
    [40, 5, 250],
    [0, 255, 128],
    [90, 91, 92],
    [7, 180, 60],
  ];
  const png = decodePng(handMadePng(rows));
  expect([png.width, png.height, png.channels]).toEqual([3, 5, 1]);
  expect(Array.from(png.data)).toEqual(rows.flat());
});

describeWithSharedData('orl', 'a linear probe on MobileNet v1 0.25 features', (orl) => {
  const weights = sharedData('weights/mobilenet_v1_025_224');

  it('decodes the faces as other decoders do', () => {
    const png = decodePng(readFileSync(join(orl, 'png', 's1_01.png')));
    expect([png.width, png.height, png.channels]).toEqual([92, 112, 1]);
    expect(Array.from(png.data.subarray(50 * 92 + 40, 50 * 92 + 46))).toEqual([
      76, 76, 76, 84, 100, 122,
    ]);
    expect(png.data.reduce((sum, value) => sum + value, 0)).toBe(917911);
  });

  (weights ? it : it.skip)(
    `recognises the 40 ORL subjects far above chance (features at ${SIZE}x${SIZE})`,
    async () => {
      await useBackend('wasm', { threads: 1 });
      const model = createBackbone('mobilenet_v1', {
        inputShape: [SIZE, SIZE, 3],
        alpha: 0.25,
        output: 'features',
        weightInit: 'none',
      });
      await loadWeights(model, weights!);
      const faces = readFaces(orl);
      const features: tf.Tensor2D[] = [];
      for (let start = 0; start < faces.length; start += 50) {
        const batch = faceBatch(orl, faces.slice(start, start + 50));
        features.push(
          tf.tidy(() => tf.mean(model.predict(batch) as tf.Tensor4D, [1, 2]) as tf.Tensor2D),
        );
        batch.dispose();
      }
      model.dispose();
      const all = tf.concat(features);
      tf.dispose(features);
      const isTrain = faces.map((face) => face.index <= 5);
      const pick = (train: boolean) =>
        tf.tidy(() => {
          const rows = tf.tensor1d(
            faces.flatMap((_, row) => (isTrain[row] === train ? [row] : [])),
            'int32',
          );
          const labels = faces
            .filter((_, row) => isTrain[row] === train)
            .map((face) => face.subject);
          return { x: tf.gather(all, rows), y: tf.tensor1d(labels, 'int32') };
        });
      const train = pick(true);
      const test = pick(false);
      // Standardise with the training statistics, then softmax regression (seeded, full batch).
      const { mean, variance } = tf.moments(train.x, 0);
      const scale = tf.sqrt(tf.add(variance, 1e-6));
      const standardise = (x: tf.Tensor) => tf.div(tf.sub(x, mean), scale);
      const trainX = standardise(train.x);
      const testX = standardise(test.x);
      const trainY = tf.oneHot(train.y, 40);
      const weightsVariable = tf.variable(
        tf.randomNormal([all.shape[1], 40], 0, 0.01, 'float32', 1),
      );
      const bias = tf.variable(tf.zeros([40]));
      const optimizer = tf.train.adam(0.01);
      for (let step = 0; step < 200; step++) {
        optimizer.minimize(
          () =>
            tf.losses.softmaxCrossEntropy(
              trainY,
              tf.add(tf.matMul(trainX, weightsVariable), bias),
            ) as tf.Scalar,
          false,
          [weightsVariable, bias],
        );
      }
      const accuracy = tf.tidy(
        () =>
          tf
            .mean(
              tf.cast(
                tf.equal(tf.argMax(tf.add(tf.matMul(testX, weightsVariable), bias), 1), test.y),
                'float32',
              ),
            )
            .dataSync()[0]!,
      );
      console.log(
        `ORL linear probe on MobileNet v1 0.25 features (${SIZE}x${SIZE}): test accuracy ${(accuracy * 100).toFixed(1)}% (chance 2.5%)`,
      );
      expect(accuracy).toBeGreaterThan(0.6);
      optimizer.dispose();
      tf.dispose([
        all,
        train.x,
        train.y,
        test.x,
        test.y,
        mean,
        variance,
        scale,
        trainX,
        testX,
        trainY,
        weightsVariable,
        bias,
      ]);
    },
  );
});
