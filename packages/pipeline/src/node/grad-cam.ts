// `gsa map --gradcam IMAGE`: what drove the run's model on one image, beside
// where it looks for every image. Loads the deployed model (map baked in), so
// Grad-CAM explains exactly what `gsa predict` computes.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { basename, extname, join } from 'node:path';
import { featureLayerName } from '@gsa/backbones';
import {
  gradCam,
  imageToRgba,
  layerNames,
  overlayHeatmap,
  renderMapAndGradCam,
  sideBySide,
  type ColormapName,
  type ImageArray,
  type ScalarMap,
} from '@gsa/viz';
import { writePng } from '@gsa/viz/node';
import { UsageError } from '../errors.js';
import { loadModelFromDirectory, nestedBackbone, readModelInfo } from './model-files.js';
import { readImageForModel } from './predict.js';
import { firstChannels } from './report-examples.js';

/** How maps are drawn: `--colormap` and `--darker-is-important` of `gsa train` and `gsa map`. */
export interface MapDisplay {
  colormap?: ColormapName;
  /** The paper's figures: darker = more important. Default: brighter = more important. */
  darkerIsMoreImportant?: boolean;
}

/** `gradcam-<image name>.png` in the run directory. */
export function gradCamPanelPath(runDirectory: string, image: string): string {
  const name = basename(image, extname(image)).replace(/[^A-Za-z0-9._-]+/g, '_');
  return join(runDirectory, `gradcam-${name}.png`);
}

/** Panels are drawn at least this many pixels across, so 16x16 runs stay visible. */
const MIN_PANEL_SIZE = 128;

/**
 * The layer Grad-CAM explains by default: the last feature map of the
 * backbone nested in the deployed model (the input of its global pooling).
 */
export function defaultGradCamLayer(model: tfl.LayersModel): string {
  return featureLayerName(nestedBackbone(model) ?? model);
}

/**
 * Writes `gradcam-<image>.png` in the run directory: image | global map on it
 * | Grad-CAM on it (image | Grad-CAM for a vanilla run). Returns its path.
 */
export async function renderGradCamPanel(
  runDirectory: string,
  imagePath: string,
  options: {
    globalMap?: ScalarMap;
    layer?: string;
    display?: MapDisplay;
    log?: (message: string) => void;
  } = {},
): Promise<string> {
  const modelDirectory = join(runDirectory, 'model');
  const info = readModelInfo(modelDirectory);
  const processed = await readImageForModel(info, imagePath);
  const [height, width, channels] = info.inputShape;
  const model = await loadModelFromDirectory(modelDirectory);
  const input = tf.tensor4d(processed.data, [1, height, width, channels]);
  try {
    const fallback = defaultGradCamLayer(model);
    const layerName = options.layer ?? fallback;
    if (!layerNames(model).includes(layerName)) {
      throw new UsageError(
        `The run's model has no layer '${layerName}'. Its layers: ${layerNames(model).join(', ')}.`,
        `Pass --layer with one of them; without --layer Grad-CAM explains the backbone's last feature map, '${fallback}'.`,
      );
    }
    const cam = gradCam(model, input, { layerName });
    options.log?.(
      `gsa: Grad-CAM of '${info.classNames[cam.classIndex] ?? cam.classIndex}' (output ${cam.score.toPrecision(3)}) at layer '${layerName}'`,
    );
    const image: ImageArray = {
      height,
      width,
      channels: channels === 3 ? 3 : 1,
      values: firstChannels(processed.data, channels),
    };
    const display = {
      ...options.display,
      scale: Math.max(1, Math.ceil(MIN_PANEL_SIZE / Math.max(height, width))),
    };
    const panel = options.globalMap
      ? renderMapAndGradCam(image, options.globalMap, cam.map, display)
      : sideBySide(
          [
            imageToRgba(image, { scale: display.scale }),
            overlayHeatmap(image, cam.map, { ...display, domain: [0, 1] }),
          ],
          { gap: 4 },
        );
    const path = gradCamPanelPath(runDirectory, imagePath);
    await writePng(path, panel);
    return path;
  } finally {
    input.dispose();
    model.dispose();
  }
}
