// Registers every gsa layer with tfjs serialization, so that
// `tf.loadLayersModel` can rebuild a saved model once '@gsa/attention' is imported.
import { serialization } from '@tensorflow/tfjs-core';
import { FixedSpatialMap } from './fixed-spatial-map.js';
import { GlobalSpatialAttentionGate } from './global-spatial-attention-gate.js';
import { GlobalSpatialAttention } from './global-spatial-attention.js';
import { PixelWeightMap } from './pixel-weight-map.js';

serialization.registerClass(GlobalSpatialAttention);
serialization.registerClass(GlobalSpatialAttentionGate);
serialization.registerClass(PixelWeightMap);
serialization.registerClass(FixedSpatialMap);
