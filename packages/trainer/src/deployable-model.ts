import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FixedSpatialMap } from '@gsa/attention';

/** The name of the map's layer in a deployed model. */
export const SPATIAL_MAP_LAYER = 'spatial_map';

/**
 * The deployed form of a trained model: `image -> image * map -> backbone ->
 * logits`, with the map baked in as a `FixedSpatialMap` weight. It needs no
 * training images and no pixel CNN; save it with `model.save()` and load it
 * with `tf.loadLayersModel` after importing `@gsa/attention`.
 */
export function deployableModel(
  backbone: tfl.LayersModel,
  map: { height: number; width: number; values: Float32Array } | undefined,
  name = 'gsa_deployed',
): tfl.LayersModel {
  const [, height, width, channels] = backbone.inputs[0]!.shape;
  if (height == null || width == null || channels == null) {
    throw new RangeError('The backbone needs a fixed input shape [H, W, C] to be deployed.');
  }
  if (map && (map.height !== height || map.width !== width)) {
    throw new RangeError(
      `The map is ${map.height}x${map.width} but the backbone takes ${height}x${width} images.`,
    );
  }
  const input = tfl.input({ shape: [height, width, channels], name: 'image' });
  let attended: tfl.SymbolicTensor = input;
  if (map) {
    const values = tf.tensor2d(map.values, [height, width]);
    try {
      attended = new FixedSpatialMap({ map: values, name: SPATIAL_MAP_LAYER }).apply(
        input,
      ) as tfl.SymbolicTensor;
    } finally {
      values.dispose();
    }
  }
  const logits = backbone.apply(attended) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name });
}

/**
 * The map a deployed model applies, read from its `spatial_map` layer in
 * either form: a `FixedSpatialMap`, or its stock form (a BatchNormalization
 * whose scale is the map repeated over the C channels). Undefined for a model
 * without one (vanilla runs).
 */
export function deployedMap(
  model: tfl.LayersModel,
): { height: number; width: number; values: Float32Array } | undefined {
  const layer = model.layers.find((candidate) => candidate.name === SPATIAL_MAP_LAYER);
  if (layer === undefined) return undefined;
  const [, height, width, channels] = model.inputs[0]!.shape;
  if (height == null || width == null || channels == null) {
    throw new RangeError(`${model.name}: a deployed model has a fixed input shape [H, W, C].`);
  }
  const [scale] = layer.getWeights();
  const repeated = scale?.dataSync() as Float32Array | undefined;
  if (layer instanceof FixedSpatialMap)
    return { height, width, values: Float32Array.from(repeated!) };
  if (
    layer.getClassName() !== 'BatchNormalization' ||
    repeated?.length !== height * width * channels
  ) {
    throw new TypeError(
      `${model.name}'s ${SPATIAL_MAP_LAYER} layer (${layer.getClassName()}) is not a gsa map.`,
    );
  }
  return {
    height,
    width,
    values: Float32Array.from(
      { length: height * width },
      (_, pixel) => repeated[pixel * channels]!,
    ),
  };
}
