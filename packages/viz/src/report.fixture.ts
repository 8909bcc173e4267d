// A realistic RunReport built from synthetic arrays: a 32x32 map that found a
// disk, both training phases, three classes, a Grad-CAM example, a sensitivity sweep.
import type { RunReport } from './report.js';
import type { ImageArray, ScalarMap } from './image.js';

const size = 32;

function diskMap(centreY: number, centreX: number, radius: number, floor: number): ScalarMap {
  const values = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const distance = Math.hypot(y - centreY, x - centreX);
      values[y * size + x] = floor + (1 - floor) / (1 + Math.exp(distance - radius));
    }
  }
  return { height: size, width: size, values };
}

function stripedImage(phase: number): ImageArray {
  const values = new Float32Array(size * size * 3);
  for (let pixel = 0; pixel < size * size; pixel++) {
    const y = Math.floor(pixel / size);
    const x = pixel % size;
    const level = 0.5 + 0.4 * Math.sin((x + y + phase) / 3);
    values.set([level, level * 0.8, level * 0.6], pixel * 3);
  }
  return { height: size, width: size, channels: 3, values };
}

export function sampleRunReport(): RunReport {
  const history = Array.from({ length: 12 }, (_, index) => ({
    epoch: index + 1,
    phase: (index < 6 ? 1 : 2) as 1 | 2,
    loss: 1.2 * Math.exp(-index / 5) + 0.1,
    accuracy: 0.4 + 0.5 * (1 - Math.exp(-index / 4)),
    validationLoss: 1.3 * Math.exp(-index / 6) + 0.2,
    validationAccuracy: 0.38 + 0.4 * (1 - Math.exp(-index / 4)),
  }));
  const coarseCam: ScalarMap = {
    height: 4,
    width: 4,
    values: [0, 0, 0, 0, 0, 0.2, 0.1, 0, 0, 1, 0.6, 0, 0, 0.3, 0.1, 0],
  };
  return {
    title: 'smallcnn + global attention on synthetic disks <test>',
    createdAt: '2026-11-26T12:00:00Z',
    configuration: {
      backbone: 'smallcnn',
      attention: { K: 32, lambda: 0.001, E: 6, activation: 'relu' },
      optimizer: { name: 'adam', learningRate: 1e-4, weightDecay: 1e-4 },
      epochs: 12,
      batchSize: 32,
      imageSize: [size, size],
      seed: null,
    },
    summary: { 'test accuracy': 0.7812, 'vanilla accuracy': 0.6125, 'test images': 160 },
    classNames: ['normal', 'mild', 'severe'],
    history,
    cutoffEpoch: 6,
    confusionMatrix: [
      [50, 6, 1],
      [9, 38, 7],
      [2, 10, 37],
    ],
    attentionMapBefore: {
      height: size,
      width: size,
      values: Float32Array.from({ length: size * size }, (_, i) => 0.5 + 0.01 * Math.sin(i)),
    },
    attentionMap: diskMap(18, 12, 6, 0.05),
    meanImage: stripedImage(0),
    examples: [
      {
        caption: 'test image 17',
        image: stripedImage(5),
        gradCam: coarseCam,
        trueClass: 2,
        predictedClass: 2,
      },
      { caption: 'test image 42', image: stripedImage(9), trueClass: 0, predictedClass: 1 },
    ],
    gradCamLayer: 'block4.relu',
    sensitivity: [
      { parameter: 'K', value: 32, accuracy: 0.76, accuracyStd: 0.02 },
      { parameter: 'K', value: 64, accuracy: 0.78, accuracyStd: 0.015 },
      { parameter: 'K', value: 128, accuracy: 0.77, accuracyStd: 0.02 },
      { parameter: 'lambda', value: 0.1, accuracy: 0.7, accuracyStd: 0.03 },
      { parameter: 'lambda', value: 0.001, accuracy: 0.78, accuracyStd: 0.02 },
      { parameter: 'E', value: 3, accuracy: 0.72 },
      { parameter: 'E', value: 6, accuracy: 0.78 },
    ],
    display: { colormap: 'magma' },
  };
}
