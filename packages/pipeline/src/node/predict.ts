import * as tf from '@tensorflow/tfjs-core';
import '@gsa/attention'; // registers FixedSpatialMap for loading
import { existsSync } from 'node:fs';
import {
  alignImage,
  preprocessImage,
  type PreprocessOptions,
  type ProcessedImage,
} from '@gsa/data';
import { decodeImage } from '@gsa/data/node';
import { PipelineError } from '../errors.js';
import { loadModelFromDirectory, readModelInfo, type ModelInfo } from './model-files.js';

export interface Prediction {
  image: string;
  className: string;
  probabilities: Record<string, number>;
}

/** Classifies image files with a deployed model (map baked in): no training images needed. */
export async function predictImages(
  modelDirectory: string,
  images: string[],
): Promise<Prediction[]> {
  const info = readModelInfo(modelDirectory);
  const model = await loadModelFromDirectory(modelDirectory);
  const [height, width, channels] = info.inputShape;
  const predictions: Prediction[] = [];
  for (const image of images) {
    const processed = await readImageForModel(info, image);
    const probabilities = tf.tidy(() =>
      tf
        .softmax(
          model.predict(tf.tensor4d(processed.data, [1, height, width, channels])) as tf.Tensor2D,
        )
        .dataSync(),
    );
    let best = 0;
    probabilities.forEach((value, index) => {
      if (value > probabilities[best]!) best = index;
    });
    predictions.push({
      image,
      className: info.classNames[best]!,
      probabilities: Object.fromEntries(
        info.classNames.map((name, index) => [name, probabilities[index]!]),
      ),
    });
  }
  model.dispose();
  return predictions;
}

/**
 * An image file preprocessed as the model's training images were (gsa.json),
 * and moved onto the run's alignment reference when it trained aligned
 * (`--align`); names the file on failure.
 */
export async function readImageForModel(info: ModelInfo, image: string): Promise<ProcessedImage> {
  const [height, width, channels] = info.inputShape;
  const options: PreprocessOptions = {
    size: [height, width],
    scale: info.preprocessing?.scaled ?? true,
    ...(info.preprocessing?.normalize ? { normalize: info.preprocessing.normalize } : {}),
    channels: channels === 3 || channels === 1 ? channels : 'keep',
  };
  if (!existsSync(image)) throw new PipelineError(`No such image: ${image}`, 'Check the path.');
  let processed: ProcessedImage;
  try {
    processed = preprocessImage(await decodeImage(image), options, false, image);
  } catch (error) {
    throw new PipelineError(
      `Cannot read ${image}: ${(error as Error).message}`,
      'gsa reads PNG, JPEG, TIFF and PGM images.',
    );
  }
  if (!info.alignment) return processed;
  const { values } = alignImage(processed.data, info.alignment, channels);
  return { ...processed, data: values };
}
