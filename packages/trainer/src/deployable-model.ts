import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FixedSpatialMap } from '@gsa/attention';

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
      attended = new FixedSpatialMap({ map: values, name: 'spatial_map' }).apply(
        input,
      ) as tfl.SymbolicTensor;
    } finally {
      values.dispose();
    }
  }
  const logits = backbone.apply(attended) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name });
}
