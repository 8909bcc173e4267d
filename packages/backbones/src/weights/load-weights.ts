import type * as tfl from '@tensorflow/tfjs-layers';
import type { LoadWeightsOptions, WeightsReport } from './report.js';
import { readSourceBytes, type WeightsSource } from './sources.js';
import { loadLayersWeights } from './tfjs-layers.js';
import { encodeTorchvisionWeights, loadTorchvisionWeightsFromBytes } from './torchvision.js';

export type WeightsFormat = 'safetensors' | 'tfjs-layers';

export interface LoadWeightsFromOptions extends LoadWeightsOptions {
  /** Default: `safetensors` for bytes and `*.safetensors`, `tfjs-layers` otherwise (a `model.json` or its directory). */
  format?: WeightsFormat;
}

function detectFormat(source: WeightsSource): WeightsFormat {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return 'safetensors';
  const text = source instanceof URL ? source.pathname : source.split(/[?#]/)[0]!;
  return text.toLowerCase().endsWith('.safetensors') ? 'safetensors' : 'tfjs-layers';
}

/**
 * Loads pretrained weights into a backbone and says what it loaded:
 * - a torchvision `state_dict` saved as `.safetensors` (path, URL or bytes),
 *   mapped by module name and transposed to tfjs' layouts;
 * - a tfjs layers model (`model.json` + shards; path, directory or URL),
 *   matched by weight name.
 *
 * Strict by default: every weight of the model must be found with its shape
 * (entries the model lacks, e.g. a classifier you left out, are only
 * reported). To fine-tune on other classes, build with your `numClasses` and
 * pass `{ strict: false }` (the head is reported as mismatched and keeps its
 * fresh weights), or load at 1000 classes and call `replaceHead`.
 */
export async function loadWeights(
  model: tfl.LayersModel,
  source: WeightsSource,
  options: LoadWeightsFromOptions = {},
): Promise<WeightsReport> {
  const format = options.format ?? detectFormat(source);
  if (format === 'safetensors') {
    return loadTorchvisionWeightsFromBytes(model, await readSourceBytes(source), options);
  }
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    throw new Error('tfjs layers weights come as a model.json path, directory or URL, not bytes.');
  }
  return loadLayersWeights(model, source, options);
}

/** Writes the model's weights as a torchvision-style state_dict in safetensors (Node). */
export async function saveTorchvisionWeights(model: tfl.LayersModel, path: string): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, encodeTorchvisionWeights(model));
}
