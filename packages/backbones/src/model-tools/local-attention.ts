import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SpatialAttentionNormalization } from '../layers/local-attention-layers.js';

/** One level's attention maps for a batch of images. */
export interface LocalAttentionMap {
  /** The layer they come from (`attn1.map`, `attention_module2_2.mask`). */
  layerName: string;
  /**
   * `'softmax'`: VGG-att3's maps, each sums to 1 over its positions;
   * `'sigmoid'`: VGG-att3 built with sigmoid maps; `'channel-mean'`: a
   * Residual Attention Network's soft mask (one per channel, in (0, 1)),
   * averaged over its channels.
   */
  kind: 'softmax' | 'sigmoid' | 'channel-mean';
  /** `[N, h, w]`, at the level's own resolution. */
  maps: tf.Tensor3D;
}

function isResidualAttentionMask(layer: tfl.layers.Layer): boolean {
  return layer.getClassName() === 'Activation' && /^attention_module[^.]*\.mask$/.test(layer.name);
}

/**
 * The names of the layers whose outputs are local attention maps, in
 * network order: VGG-att3's `attn1.map` .. `attn3.map`, a Residual Attention
 * Network's `attention_module1.mask`, ...; empty for other backbones.
 */
export function localAttentionLayerNames(model: tfl.LayersModel): string[] {
  return model.layers
    .filter(
      (layer) => layer instanceof SpatialAttentionNormalization || isResidualAttentionMask(layer),
    )
    .map((layer) => layer.name);
}

// One map model per backbone, sharing its layers and weights.
const mapModels = new WeakMap<tfl.LayersModel, tfl.LayersModel>();

function mapModelOf(model: tfl.LayersModel): tfl.LayersModel {
  const cached = mapModels.get(model);
  if (cached !== undefined) return cached;
  const names = localAttentionLayerNames(model);
  if (names.length === 0) {
    throw new Error(
      `${model.name} has no local attention maps: localAttentionMaps takes a vgg_att3 or resattnet backbone (the model createBackbone returned, not one that wraps it).`,
    );
  }
  const mapModel = tfl.model({
    inputs: model.inputs,
    outputs: names.map((name) => model.getLayer(name).output as tfl.SymbolicTensor),
    name: `${model.name}_local_maps`,
  });
  mapModels.set(model, mapModel);
  return mapModel;
}

/**
 * The per-image local attention maps of a VGG-att3 or Residual Attention
 * Network backbone (as `createBackbone('vgg_att3' | 'resattnet92', ...)`
 * built it) for `images` `[N, H, W, C]` (the backbone's own input, e.g. the
 * attended images), in inference mode: one `[N, h, w]` tensor per attention
 * level, finest first. The backbone itself keeps a single logits output for
 * training; this runs the same layers and weights up to the maps. The
 * caller disposes the returned tensors.
 *
 * ```ts
 * const [level1, level2, level3] = localAttentionMaps(model, images); // vgg_att3
 * level3.maps; // [N, 8, 8] at 32x32 input; each image's map sums to 1
 * ```
 */
export function localAttentionMaps(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
): LocalAttentionMap[] {
  const mapModel = mapModelOf(model);
  const names = localAttentionLayerNames(model);
  const outputs = tf.tidy(() => {
    const predicted = mapModel.predict(images) as tf.Tensor4D | tf.Tensor4D[];
    const list = Array.isArray(predicted) ? predicted : [predicted];
    return list.map((output, index) =>
      model.getLayer(names[index]!) instanceof SpatialAttentionNormalization
        ? (tf.squeeze(output, [3]) as tf.Tensor3D)
        : (tf.mean(output, 3) as tf.Tensor3D),
    );
  });
  return outputs.map((maps, index): LocalAttentionMap => {
    const layer = model.getLayer(names[index]!);
    return {
      layerName: layer.name,
      kind: layer instanceof SpatialAttentionNormalization ? layer.normalization : 'channel-mean',
      maps,
    };
  });
}
