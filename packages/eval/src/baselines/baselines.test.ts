import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import {
  featureMatrix,
  fitStandardiser,
  selectRows,
  standardise,
  type FeatureMatrix,
} from './features.js';
import { minimiseLbfgs } from './lbfgs.js';
import { decisionScores, predictClasses, type LinearClassifier } from './linear-classifier.js';
import { trainLinearSvm } from './linear-svm.js';
import { trainLogisticRegression } from './logistic-regression.js';
import { evaluateBaseline, selectRegularisation } from './select-regularisation.js';
import { accuracy } from '../metrics.js';
import { Random } from '@gsa/data';
import { fixtureExists, readFixture, sharedDataDir } from '../fixtures.fixture.js';
import { parseNpz } from '@gsa/data';

beforeAll(async () => {
  await useBackend('wasm');
});

/** Three Gaussian blobs in 5 dimensions, well separated along the first two. */
function blobs(count: number, seed: number): { x: FeatureMatrix; labels: number[] } {
  const random = new Random(seed);
  const gaussian = (): number => random.normal();
  const centres = [
    [3, 0],
    [-3, 0],
    [0, 3],
  ];
  const labels = Array.from({ length: count }, (_, i) => i % 3);
  const values = new Float32Array(count * 5);
  labels.forEach((label, r) => {
    for (let c = 0; c < 5; c++) values[r * 5 + c] = (centres[label]![c] ?? 0) + gaussian();
  });
  return { x: featureMatrix(values, count, 5), labels };
}

describe('building blocks', () => {
  it('standardises with training statistics (population std, constant features kept)', () => {
    const x = featureMatrix(new Float32Array([1, 5, 3, 5, 5, 5]), 3, 2);
    const standardiser = fitStandardiser(x);
    expect(Array.from(standardiser.mean)).toEqual([3, 5]);
    expect(standardiser.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(standardiser.scale[1]).toBe(1);
    const z = standardise(x, standardiser);
    expect(z.values[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(z.values[1]).toBe(0);
    expect(Array.from(selectRows(x, [2, 0]).values)).toEqual([5, 5, 1, 5]);
  });

  it('L-BFGS finds the minimum of an ill-conditioned quadratic', () => {
    const scales = [1, 10, 100, 1000];
    const result = minimiseLbfgs(
      (p) => ({
        value: scales.reduce((s, a, i) => s + 0.5 * a * (p[i]! - i) ** 2, 0),
        gradient: Float64Array.from(scales, (a, i) => a * (p[i]! - i)),
      }),
      new Float64Array(4),
      { gradientTolerance: 1e-8 },
    );
    expect(result.converged).toBe(true);
    Array.from(result.point).forEach((v, i) => expect(v).toBeCloseTo(i, 6));
  });
});

describe('logistic regression and linear SVM on separable blobs', () => {
  const train = blobs(150, 1);
  const test = blobs(90, 2);

  it.each(['logistic', 'svm'] as const)(
    '%s classifies held-out blobs and is deterministic',
    (kind) => {
      const fit = () =>
        kind === 'logistic'
          ? trainLogisticRegression(train.x, train.labels, { numClasses: 3, c: 1 })
          : trainLinearSvm(train.x, train.labels, { numClasses: 3, c: 1 });
      const model = fit();
      expect(model.converged).toBe(true);
      expect(accuracy(test.labels, predictClasses(model, test.x))).toBeGreaterThan(0.95);
      expect(Array.from(fit().weights)).toEqual(Array.from(model.weights));
      expect(decisionScores(model, test.x)).toHaveLength(90 * 3);
    },
  );

  it('binary problems get one score column, as in scikit-learn', () => {
    const twoClass = train.labels.map((l) => (l === 0 ? 0 : 1));
    const model = trainLogisticRegression(train.x, twoClass, { numClasses: 2, c: 1 });
    expect(model.bias).toHaveLength(1);
    expect(accuracy(twoClass, predictClasses(model, train.x))).toBeGreaterThan(0.95);
  });

  it('regularises harder for smaller C, and CV prefers a working C', () => {
    const norm = (c: number) =>
      Math.hypot(...trainLogisticRegression(train.x, train.labels, { numClasses: 3, c }).weights);
    expect(norm(0.001)).toBeLessThan(norm(1));
    const search = selectRegularisation('linear-svm', train.x, train.labels, {
      numClasses: 3,
      grid: [1e-6, 1],
      folds: 3,
    });
    expect(search.validationAccuracyByC.map((entry) => entry.c)).toEqual([1e-6, 1]);
    const best = Math.max(...search.validationAccuracyByC.map((entry) => entry.accuracy));
    expect(search.validationAccuracyByC.find((entry) => entry.c === search.c)?.accuracy).toBe(best);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    trainLogisticRegression(train.x, train.labels, { numClasses: 3, c: 1 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

interface ModelReference {
  coef: number[][];
  intercept: number[];
  trainAccuracy: number;
}

describe('multiclass models against scikit-learn coefficients', () => {
  const fixture = readFixture<{
    x: number[][];
    y: number[];
    numClasses: number;
    c: number;
    logistic: ModelReference;
    svm: ModelReference;
  }>('multiclass.sklearn.json');
  const x = featureMatrix(
    Float32Array.from(fixture.x.flat()),
    fixture.x.length,
    fixture.x[0]!.length,
  );

  function largestDifference(model: LinearClassifier, reference: ModelReference): number {
    const k = fixture.numClasses;
    let largest = 0;
    reference.coef.forEach((row, j) => {
      row.forEach((w, f) => (largest = Math.max(largest, Math.abs(model.weights[f * k + j]! - w))));
      largest = Math.max(largest, Math.abs(model.bias[j]! - reference.intercept[j]!));
    });
    return largest;
  }

  it('multinomial logistic regression finds the same weights (float32 tolerance)', () => {
    const model = trainLogisticRegression(x, fixture.y, {
      numClasses: fixture.numClasses,
      c: fixture.c,
      gradientTolerance: 1e-6,
    });
    const difference = largestDifference(model, fixture.logistic);
    console.info(
      `multinomial LR: largest coefficient difference from scikit-learn ${difference.toExponential(2)}`,
    );
    // The loss and gradient are float32 tfjs ops: ~1e-3 is their resolution here.
    expect(difference).toBeLessThan(5e-3);
    expect(accuracy(fixture.y, predictClasses(model, x))).toBeCloseTo(
      fixture.logistic.trainAccuracy,
      12,
    );
  });

  it('one-vs-rest hinge SVM finds the same weights', () => {
    const model = trainLinearSvm(x, fixture.y, {
      numClasses: fixture.numClasses,
      c: fixture.c,
      tolerance: 1e-6,
      maxIterations: 20000,
    });
    const difference = largestDifference(model, fixture.svm);
    console.info(
      `one-vs-rest SVM: largest coefficient difference from scikit-learn ${difference.toExponential(2)}`,
    );
    // float64 coordinate descent like liblinear's: 1.2e-6 measured, the README says "about 1e-6".
    expect(difference).toBeLessThan(5e-6);
    expect(accuracy(fixture.y, predictClasses(model, x))).toBeCloseTo(
      fixture.svm.trainAccuracy,
      12,
    );
  });
});

interface BaselineReference {
  testAccuracyByC: number[];
  cvMeanAccuracyByC: number[];
  cvChosenC: number;
  cvChosenTestAccuracy: number;
}

interface BaselineFixture {
  trainCount: number;
  trainStride: number;
  testCount: number;
  testStride: number;
  cGrid: number[];
  cvValidationFolds: number[][];
  logistic: BaselineReference;
  svm: BaselineReference;
}

const npzPath = join(sharedDataDir(), 'pneumoniamnist.npz');
const haveData = existsSync(npzPath) && fixtureExists('baselines.sklearn.json');
if (!haveData) {
  console.warn(`skipping the scikit-learn comparison: ${npzPath} not found (set GSA_DATA_DIR)`);
}

(haveData ? describe : describe.skip)('baselines match scikit-learn on PneumoniaMNIST', () => {
  const fixture = haveData ? readFixture<BaselineFixture>('baselines.sklearn.json') : undefined;

  /** Every `stride`-th image, `count` of them, flattened and scaled to [0, 1], as the fixture script does. */
  function take(split: 'train' | 'test', count: number, stride: number) {
    const arrays = parseNpz(readFileSync(npzPath), npzPath);
    const images = arrays.get(`${split}_images`)!;
    const labels = arrays.get(`${split}_labels`)!;
    const pixels = images.shape.slice(1).reduce((a, b) => a * b, 1);
    const values = new Float32Array(count * pixels);
    const picked: number[] = [];
    for (let i = 0; i < count; i++) {
      const row = i * stride;
      for (let p = 0; p < pixels; p++)
        values[i * pixels + p] = images.data[row * pixels + p]! / 255;
      picked.push(labels.data[row]!);
    }
    return { x: featureMatrix(values, count, pixels), labels: picked };
  }

  const data = haveData
    ? {
        train: take('train', fixture!.trainCount, fixture!.trainStride),
        test: take('test', fixture!.testCount, fixture!.testStride),
      }
    : undefined;

  it.each([
    ['logistic-regression', 'logistic'],
    ['linear-svm', 'svm'],
  ] as const)('%s: same C gives the same test accuracy within 2 points', (kind, key) => {
    const { train, test } = data!;
    const standardiser = fitStandardiser(train.x);
    const trainX = standardise(train.x, standardiser);
    const testX = standardise(test.x, standardiser);
    for (const [i, c] of fixture!.cGrid.entries()) {
      const model =
        kind === 'logistic-regression'
          ? trainLogisticRegression(trainX, train.labels, { numClasses: 2, c })
          : trainLinearSvm(trainX, train.labels, { numClasses: 2, c });
      const ours = accuracy(test.labels, predictClasses(model, testX));
      const theirs = fixture![key].testAccuracyByC[i]!;
      console.info(`${kind} C=${c}: ours ${ours.toFixed(3)}, scikit-learn ${theirs.toFixed(3)}`);
      expect(Math.abs(ours - theirs)).toBeLessThanOrEqual(0.02);
    }
  });

  it.each([
    ['logistic-regression', 'logistic'],
    ['linear-svm', 'svm'],
  ] as const)(
    "%s: CV on scikit-learn's folds chooses its C and reaches its accuracy within 2 points",
    (kind, key) => {
      const all = data!.train.labels.map((_, i) => i);
      const folds = fixture!.cvValidationFolds.map((validation) => ({
        validation,
        train: all.filter((i) => !validation.includes(i)),
      }));
      const result = evaluateBaseline(kind, data!.train, data!.test, {
        numClasses: 2,
        grid: fixture!.cGrid,
        folds,
      });
      const reference = fixture![key];
      console.info(
        `${kind}: CV chose C=${result.c}, test ${result.testAccuracy.toFixed(3)}; ` +
          `scikit-learn chose C=${reference.cvChosenC}, test ${reference.cvChosenTestAccuracy.toFixed(3)}`,
      );
      result.search.validationAccuracyByC.forEach((entry, i) =>
        expect(Math.abs(entry.accuracy - reference.cvMeanAccuracyByC[i]!)).toBeLessThanOrEqual(
          0.02,
        ),
      );
      expect(result.c).toBe(reference.cvChosenC);
      expect(Math.abs(result.testAccuracy - reference.cvChosenTestAccuracy)).toBeLessThanOrEqual(
        0.02,
      );
    },
  );
});
