import * as tf from '@tensorflow/tfjs-core';
import type { FeatureMatrix } from './features.js';
import { minimiseLbfgs } from './lbfgs.js';
import { checkTrainingInput, scoreColumns, type LinearClassifier } from './linear-classifier.js';

export interface LogisticRegressionOptions {
  readonly numClasses: number;
  /** Inverse regularisation strength, as scikit-learn's `C`. */
  readonly c: number;
  readonly maxIterations?: number;
  readonly gradientTolerance?: number;
}

/**
 * L2-regularised logistic regression fitted by full-batch L-BFGS, minimising
 * scikit-learn's objective `0.5 |W|^2 + C * sum_i CE_i` (bias unpenalised),
 * divided by `C * n` for conditioning. Multinomial (softmax) for three or more
 * classes; with two classes a single sigmoid, as scikit-learn does for binary
 * problems. The loss and gradient run as tfjs-core ops on the active backend;
 * the solver state stays in float64.
 */
export function trainLogisticRegression(
  x: FeatureMatrix,
  labels: readonly number[],
  options: LogisticRegressionOptions,
): LinearClassifier {
  const { numClasses, c, maxIterations = 500, gradientTolerance = 1e-5 } = options;
  checkTrainingInput(x, labels, numClasses);
  if (!(c > 0)) throw new RangeError(`C must be positive, got ${c}`);
  const k = scoreColumns(numClasses);
  const features = x.columns;
  const weightCount = features * k;
  const penalty = 1 / (c * x.rows);

  const inputs = tf.tensor2d(x.values, [x.rows, features]);
  const targets =
    k === 1
      ? tf.tensor2d(Float32Array.from(labels), [x.rows, 1])
      : tf.tidy(() =>
          tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), k), 'float32'),
        );
  try {
    const result = minimiseLbfgs(
      (point) => {
        const weightValues = point.subarray(0, weightCount);
        const [lossValue, weightGradient, biasGradient] = tf.tidy(() => {
          const weights = tf.tensor2d(Float32Array.from(weightValues), [features, k]);
          const bias = tf.tensor1d(Float32Array.from(point.subarray(weightCount)));
          const logits = tf.add(tf.matMul(inputs, weights), bias);
          const probabilities = k === 1 ? tf.sigmoid(logits) : tf.softmax(logits);
          // Cross-entropy from logits, numerically stable in both forms.
          const crossEntropy =
            k === 1
              ? tf.sub(tf.softplus(logits), tf.mul(targets, logits))
              : tf.sub(tf.logSumExp(logits, 1, true), tf.sum(tf.mul(targets, logits), 1, true));
          const residual = tf.div(tf.sub(probabilities, targets), x.rows);
          return [
            tf.mean(crossEntropy).dataSync()[0]!,
            tf.matMul(inputs, residual, true, false).dataSync(),
            tf.sum(residual, 0).dataSync(),
          ] as const;
        });
        const gradient = new Float64Array(point.length);
        let squaredNorm = 0;
        for (let i = 0; i < weightCount; i++) {
          squaredNorm += weightValues[i]! ** 2;
          gradient[i] = weightGradient[i]! + penalty * weightValues[i]!;
        }
        gradient.set(biasGradient, weightCount);
        return { value: lossValue + 0.5 * penalty * squaredNorm, gradient };
      },
      new Float64Array(weightCount + k),
      { maxIterations, gradientTolerance },
    );
    return {
      numClasses,
      weights: Float32Array.from(result.point.subarray(0, weightCount)),
      bias: Float32Array.from(result.point.subarray(weightCount)),
      iterations: result.iterations,
      converged: result.converged,
    };
  } finally {
    inputs.dispose();
    targets.dispose();
  }
}
