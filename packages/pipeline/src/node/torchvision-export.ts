// `gsa export --format torchvision`: a run's model for PyTorch. The backbone's
// state_dict (torchvision names and layouts) as safetensors, the frozen map as
// .npy, and model.py, which rebuilds the model with torchvision and applies
// the map; it needs torch, torchvision and numpy only.
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  backboneDefinition,
  createBackbone,
  encodeTorchvisionWeights,
  type BackboneName,
} from '@gsa/backbones';
import { deployedMap } from '@gsa/trainer';
import { encodeNpy } from '@gsa/data';
import { UsageError } from '../errors.js';
import { nestedBackbone, type ModelInfo } from './model-files.js';

/** Families whose layout torchvision's constructors build (`torchvision.models.<name>`). */
const TORCHVISION_FAMILIES = new Set(['vgg', 'resnet', 'densenet', 'googlenet']);

/**
 * Refuses, before anything is loaded or written, a run whose backbone
 * torchvision's constructors cannot rebuild.
 */
export function checkTorchvisionExport(
  info: ModelInfo,
  config: { backboneOptions?: Record<string, unknown> } | undefined,
): void {
  const name = info.backbone;
  const family = name === undefined ? undefined : backboneDefinition(name).family;
  if (name === undefined || family === undefined || !TORCHVISION_FAMILIES.has(family)) {
    throw new UsageError(
      `--format torchvision rebuilds the model with torchvision, which has no ${name ?? 'such'} backbone.`,
      'Train with a VGG, ResNet, DenseNet or GoogLeNet backbone for PyTorch, or export --format tfjs.',
    );
  }
  const custom = Object.keys(config?.backboneOptions ?? {}).filter(
    (key) => key !== 'transformInput',
  );
  if (custom.length > 0) {
    throw new UsageError(
      `The run built ${name} with backboneOptions (${custom.join(', ')}), a layout torchvision's ${name}() does not build.`,
      'Export --format tfjs, or train with the standard layout for PyTorch.',
    );
  }
}

/**
 * The files of the export, by name: backbone.safetensors, map.npy (where the
 * run has a map), model.py and gsa.json. `checkTorchvisionExport` first.
 */
export function torchvisionExportFiles(
  model: tfl.LayersModel,
  info: ModelInfo,
): Map<string, Uint8Array | string> {
  const backbone = nestedBackbone(model);
  if (!backbone) {
    throw new UsageError(
      `The model ${model.name} holds no backbone model: it is not a deployed gsa model.`,
      'Export the model/ folder of a gsa train run.',
    );
  }
  // GoogLeNet built as torchvision's pretrained one carries its input transform as a layer.
  const transformInput = backbone.layers.some((layer) => layer.name === 'transform_input');
  const files = new Map<string, Uint8Array | string>();
  const layout = torchvisionLayout(backbone, info, transformInput);
  try {
    files.set('backbone.safetensors', encodeTorchvisionWeights(layout));
  } finally {
    layout.dispose();
  }
  const map = deployedMap(model);
  if (map) files.set('map.npy', encodeNpy(map.values, [map.height, map.width]));
  files.set('model.py', modelScript(info.backbone!, info.classNames.length, transformInput));
  files.set('gsa.json', `${JSON.stringify(info, null, 2)}\n`);
  return files;
}

/**
 * The backbone as torchvision lays it out: a fresh gsa backbone of the same
 * name holding `backbone`'s weights, layer by layer. A model saved in tfjs's
 * own layers (`portableModel`) carries constants as weights (adaptive
 * pooling's bin matrices, GoogLeNet's input transform) that are no module of
 * torchvision's; the fresh one asks only for what torchvision has.
 */
function torchvisionLayout(
  backbone: tfl.LayersModel,
  info: ModelInfo,
  transformInput: boolean,
): tfl.LayersModel {
  const layout = createBackbone(
    info.backbone as BackboneName,
    {
      inputShape: info.inputShape,
      numClasses: info.classNames.length,
      ...(transformInput ? { transformInput } : {}),
    } as never,
  );
  for (const layer of layout.layers) {
    if (layer.weights.length > 0) layer.setWeights(backbone.getLayer(layer.name).getWeights());
  }
  return layout;
}

function modelScript(name: string, numClasses: number, transformInput: boolean): string {
  const constructor =
    name === 'googlenet'
      ? `torchvision.models.googlenet(num_classes=${numClasses}, aux_logits=False, transform_input=${transformInput ? 'True' : 'False'}, init_weights=False)`
      : `torchvision.models.${name}(num_classes=${numClasses})`;
  return `"""A gsa model for PyTorch, written by \`gsa export --format torchvision\`.

    model = load()                       # torchvision's ${name} with the run's weights, in eval mode
    logits = model(images)               # images: [N, 3 or C, H, W], preprocessed as gsa.json says

The map (map.npy, H x W in [0, 1]) multiplies every preprocessed image before
the backbone, as in gsa. Run as a script to score an .npy of images:

    python3 model.py images.npy logits.npy   # images NHWC (as gsa stores them) -> logits
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """The tensors of a safetensors file (the format is a JSON header and raw bytes)."""
    with open(path, "rb") as file:
        data = file.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    body = data[8 + length :]
    tensors = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[key] = torch.from_numpy(array.copy())
    return tensors


class GlobalSpatialAttentionModel(torch.nn.Module):
    """backbone(images * map): the deployed form of a gsa model."""

    def __init__(self, backbone, attention_map=None):
        super().__init__()
        self.backbone = backbone
        self.register_buffer("map", None if attention_map is None else torch.as_tensor(attention_map))

    def forward(self, images):
        if self.map is not None:
            images = images * self.map
        return self.backbone(images)


def load(directory=HERE):
    backbone = ${constructor}
    state = read_safetensors(os.path.join(directory, "backbone.safetensors"))
    backbone.load_state_dict(state, strict=True)
    map_path = os.path.join(directory, "map.npy")
    attention_map = np.load(map_path).astype(np.float32) if os.path.exists(map_path) else None
    return GlobalSpatialAttentionModel(backbone, attention_map).eval()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 model.py images.npy logits.npy  (images NHWC, preprocessed as gsa.json says)")
    images = torch.from_numpy(np.load(sys.argv[1]).astype(np.float32)).permute(0, 3, 1, 2)
    with torch.no_grad():
        logits = load()(images)
    np.save(sys.argv[2], logits.numpy())
`;
}
