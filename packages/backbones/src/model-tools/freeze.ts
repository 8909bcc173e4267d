import type * as tfl from '@tensorflow/tfjs-layers';
import { layersNamed, withAncestors } from './graph.js';
import { classifierLayers } from './head.js';

/**
 * Freezes `layerName` (a layer, or a torchvision module such as `layer3` or
 * `features.denseblock2`) and everything it depends on, and makes every other
 * layer trainable: the whole boundary is set in one call, so moving it to an
 * earlier layer unfreezes the layers in between. Frozen batch-norm layers
 * normalise with their running statistics and stop updating them, also in
 * training calls. Returns the names of the frozen layers.
 */
export function freezeUpTo(model: tfl.LayersModel, layerName: string): string[] {
  const frozen = withAncestors(model, layersNamed(model, layerName));
  model.trainable = true; // a frozen container hides every weight; the layers decide
  for (const layer of model.layers) layer.trainable = !frozen.has(layer);
  return model.layers.filter((layer) => frozen.has(layer)).map((layer) => layer.name);
}

/** Makes every layer of the model trainable again. */
export function unfreezeAll(model: tfl.LayersModel): void {
  model.trainable = true;
  for (const layer of model.layers) layer.trainable = true;
}

/** Names of the layers with weights that are frozen. */
export function frozenLayerNames(model: tfl.LayersModel): string[] {
  return model.layers
    .filter((layer) => layer.weights.length > 0 && (!model.trainable || !layer.trainable))
    .map((layer) => layer.name);
}

/**
 * Freezes every layer but the classifiers (`classifierLayers`): a linear
 * probe of pretrained features. Frozen batch-norm layers keep their running
 * statistics. Returns the names of the frozen layers.
 */
export function freezeAllButHead(model: tfl.LayersModel): string[] {
  const head = new Set(classifierLayers(model));
  model.trainable = true;
  for (const layer of model.layers) layer.trainable = head.has(layer);
  return model.layers.filter((layer) => !head.has(layer)).map((layer) => layer.name);
}
