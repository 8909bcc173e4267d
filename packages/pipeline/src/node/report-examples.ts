// The test images report.html shows: Grad-CAM of the deployed model's
// prediction, and for backbones with attention of their own, their maps.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { featureLayerName, localAttentionMaps } from '@gsa/backbones';
import type { TwoPhaseResult } from '@gsa/trainer';
import { gradCam, localAttentionLevelsForImage, type ReportExample } from '@gsa/viz';

/** Test images shown with Grad-CAM in report.html. */
const GRAD_CAM_EXAMPLES = 3;

/** report.html's examples and the layer their Grad-CAM explains. */
export async function reportExamples(options: {
  deployed: LayersModel;
  backbone: LayersModel;
  images: tf.Tensor4D;
  labels: Int32Array;
  map: TwoPhaseResult['map'];
  hasLocalAttention: boolean;
  log: (message: string) => void;
}): Promise<{ examples?: ReportExample[]; gradCamLayer?: string }> {
  const local = options.hasLocalAttention
    ? await localAttentionExamples(options.backbone, options.images, options.labels, options.map)
    : undefined;
  const explained = await gradCamExamples(
    options.deployed,
    options.backbone,
    options.images,
    options.labels,
    options.log,
  );
  const examples = mergeExamples(local, explained?.examples);
  return {
    ...(examples ? { examples } : {}),
    ...(explained ? { gradCamLayer: explained.layerName } : {}),
  };
}

/**
 * Grad-CAM of the deployed model (map baked in) for the first test images, at
 * the backbone's last feature map. A model Grad-CAM cannot replay costs the
 * report its Grad-CAM panels, never the run: it is noted and left out.
 */
async function gradCamExamples(
  deployed: LayersModel,
  backbone: LayersModel,
  images: tf.Tensor4D,
  labels: Int32Array,
  log: (message: string) => void,
  count = GRAD_CAM_EXAMPLES,
): Promise<{ layerName: string; examples: ReportExample[] } | undefined> {
  const [total, height, width, channels] = images.shape;
  const examples: ReportExample[] = [];
  let layerName = '';
  try {
    layerName = featureLayerName(backbone);
    for (let index = 0; index < Math.min(count, total); index++) {
      const image = tf.slice(images, [index, 0, 0, 0], [1, height, width, channels]);
      try {
        const cam = gradCam(deployed, image, { layerName });
        const pixels = (await image.data()) as Float32Array;
        examples.push({
          caption: `test image ${index + 1}`,
          image: {
            height,
            width,
            channels: channels === 3 ? 3 : 1,
            values: firstChannels(pixels, channels),
          },
          gradCam: cam.map,
          trueClass: labels[index]!,
          predictedClass: cam.classIndex,
        });
      } finally {
        image.dispose();
      }
    }
  } catch (error) {
    log(`gsa: report.html has no Grad-CAM (layer '${layerName}'): ${(error as Error).message}`);
    return undefined;
  }
  return { layerName, examples };
}

/** Grad-CAM joins the local-attention examples of the same test images. */
function mergeExamples(
  local: ReportExample[] | undefined,
  explained: ReportExample[] | undefined,
): ReportExample[] | undefined {
  if (!local) return explained;
  if (!explained) return local;
  return local.map((example, index) =>
    explained[index]?.gradCam ? { ...example, gradCam: explained[index].gradCam } : example,
  );
}

/**
 * For backbones with their own per-image attention (VGG-att3, ResAttNet):
 * the first few test images with the maps the backbone computed for each,
 * for the report's "beside the global map" section.
 */
async function localAttentionExamples(
  backbone: LayersModel,
  images: tf.Tensor4D,
  labels: Int32Array,
  map: TwoPhaseResult['map'],
  count = 4,
): Promise<ReportExample[]> {
  const [, height, width, channels] = images.shape;
  const shown = Math.min(count, images.shape[0]);
  const originals = tf.slice(images, [0, 0, 0, 0], [shown, height, width, channels]);
  // The backbone sees the attended images, as in training.
  const attended = tf.tidy(() =>
    map
      ? (tf.mul(originals, tf.tensor4d(map.values, [1, height, width, 1])) as tf.Tensor4D)
      : originals.clone(),
  );
  const levels = localAttentionMaps(backbone, attended);
  try {
    const predicted = tf.tidy(() =>
      tf.argMax(backbone.predict(attended) as tf.Tensor2D, 1).dataSync(),
    );
    const pixels = (await originals.data()) as Float32Array;
    const size = height * width * channels;
    return await Promise.all(
      Array.from({ length: shown }, async (_, index) => ({
        caption: `test image ${index + 1}`,
        image: {
          height,
          width,
          channels: channels === 3 ? 3 : 1,
          values: firstChannels(pixels.subarray(index * size, (index + 1) * size), channels),
        },
        trueClass: labels[index]!,
        predictedClass: predicted[index]!,
        localMaps: await localAttentionLevelsForImage(levels, index),
      })),
    );
  } finally {
    tf.dispose([originals, attended, ...levels.map((level) => level.maps)]);
  }
}

/** Grey images keep one channel, RGB three; anything else is shown by its first channel. */
export function firstChannels(values: Float32Array, channels: number): Float32Array {
  if (channels === 1 || channels === 3) return values;
  const pixels = values.length / channels;
  return Float32Array.from({ length: pixels }, (_, i) => values[i * channels]!);
}
