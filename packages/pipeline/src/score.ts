// One scoring path: summary.json (after training), eval.json (`gsa eval`) and
// the docs demo all score a model here, with @gsa/eval's metrics.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { readImages, type ImageSet } from '@gsa/data';
import { classificationReport, rocAucOneVsRest, type ClassMetrics } from '@gsa/eval';

/** How a model did on labelled images. */
export interface ModelScore {
  readonly images: number;
  readonly accuracy: number;
  /** Mean cross-entropy of the softmax probabilities. */
  readonly loss: number;
  readonly balancedAccuracy: number;
  readonly macroF1: number;
  readonly cohenKappa: number;
  readonly quadraticKappa: number;
  /** One-vs-rest ROC-AUC of the probabilities (binary AUC with two classes); null when a class is absent. */
  readonly rocAuc: number | null;
  readonly perClass: readonly (ClassMetrics & { readonly className: string })[];
  /** `confusionMatrix[true][predicted]`. */
  readonly confusionMatrix: readonly (readonly number[])[];
}

/** Images to score: a tensor, or some images of a set (read a batch at a time). */
export type ImagesToScore =
  tf.Tensor4D | { readonly set: ImageSet; readonly indices: readonly number[] };

/** Softmax probabilities of `model` (logits out) for every image, in order. */
export async function predictProbabilities(
  model: LayersModel,
  images: ImagesToScore,
  batchSize = 64,
): Promise<Float32Array[]> {
  const count = images instanceof tf.Tensor ? images.shape[0] : images.indices.length;
  const probabilities: Float32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const batch =
      images instanceof tf.Tensor
        ? tf.slice(images, [start, 0, 0, 0], [end - start, -1, -1, -1])
        : await readImages(images.set, images.indices.slice(start, end));
    try {
      const values = tf.tidy(() =>
        tf.softmax(model.predict(batch) as tf.Tensor2D).dataSync(),
      ) as Float32Array;
      const classes = values.length / (end - start);
      for (let row = 0; row < end - start; row++) {
        probabilities.push(values.slice(row * classes, (row + 1) * classes));
      }
    } finally {
      batch.dispose();
    }
  }
  return probabilities;
}

/** Every metric of predicted probabilities against the true labels (model class indices). */
export function scoreProbabilities(
  trueLabels: ArrayLike<number>,
  probabilities: readonly Float32Array[],
  classNames: readonly string[],
): ModelScore {
  const truth = Array.from(trueLabels);
  const predicted = probabilities.map((row) => row.indexOf(Math.max(...row)));
  const report = classificationReport(truth, predicted, classNames.length);
  // The smallest positive float32, so a confidently wrong image costs a finite loss.
  const loss =
    truth.reduce(
      (sum, label, index) => sum - Math.log(Math.max(probabilities[index]![label]!, 1e-45)),
      0,
    ) / Math.max(1, truth.length);
  // AUC needs a positive and a negative for every class scored.
  const present = new Set(truth).size;
  return {
    images: truth.length,
    accuracy: report.accuracy,
    loss,
    balancedAccuracy: report.balancedAccuracy,
    macroF1: report.macroF1,
    cohenKappa: report.cohenKappa,
    quadraticKappa: report.quadraticKappa,
    rocAuc:
      present === classNames.length && present > 1 ? rocAucOneVsRest(truth, probabilities) : null,
    perClass: report.perClass.map((metrics, index) => ({
      className: classNames[index]!,
      ...metrics,
    })),
    confusionMatrix: report.confusionMatrix.map((row) => [...row]),
  };
}

/** Predicts and scores in one call. */
export async function scoreModel(
  model: LayersModel,
  images: ImagesToScore,
  trueLabels: ArrayLike<number>,
  classNames: readonly string[],
): Promise<ModelScore> {
  return scoreProbabilities(trueLabels, await predictProbabilities(model, images), classNames);
}
