import type * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomically } from './atomic-write.js';
import { WeightsMismatchError, type LoadWeightsOptions, type WeightsReport } from './report.js';
import { SafetensorsError } from './safetensors.js';
import {
  causeOf,
  describeSource,
  errorMessage,
  isHttpUrl,
  readSourceBytes,
  type WeightsSource,
} from './sources.js';
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
 * pass `{ head: 'auto' }`: the body loads strictly and every classifier that
 * does not fit keeps its fresh weights (reported as `replaced`).
 */
export async function loadWeights(
  model: tfl.LayersModel,
  source: WeightsSource,
  options: LoadWeightsFromOptions = {},
): Promise<WeightsReport> {
  const format = options.format ?? detectFormat(source);
  try {
    if (format === 'safetensors') {
      return loadTorchvisionWeightsFromBytes(model, await readSourceBytes(source), options);
    }
    if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
      throw new Error(
        'tfjs layers weights come as a model.json path, directory or URL, not bytes.',
      );
    }
    return await loadLayersWeights(model, source, options);
  } catch (error) {
    throw loadingError(source, format, error);
  }
}

/**
 * `Could not load weights from <source>: <cause>` plus what to do, the
 * original error as `cause`. Keeps the class of the errors callers tell
 * apart (a mismatch carries its report).
 */
function loadingError(source: WeightsSource, format: WeightsFormat, cause: unknown): Error {
  const message = `Could not load weights from ${describeSource(source)}: ${errorMessage(cause)}`;
  if (cause instanceof WeightsMismatchError) {
    // Its message already says what to do ({ head: 'auto' } or { strict: false }).
    return new WeightsMismatchError(message, cause.report, { cause });
  }
  const full = `${message} ${loadingHint(source, format, cause)}`;
  if (cause instanceof SafetensorsError) return new SafetensorsError(full, { cause });
  return new Error(full, { cause });
}

/** The first Node error code (`ENOENT`) along the chain of causes. */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current != null && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = causeOf(current);
  }
  return undefined;
}

function loadingHint(source: WeightsSource, format: WeightsFormat, cause: unknown): string {
  const code = errorCode(cause);
  const isLocal = typeof source === 'string' || source instanceof URL ? !isHttpUrl(source) : false;
  if (isLocal && (code === 'ENOENT' || code === 'ENOTDIR')) {
    return 'Check the path: give a .safetensors file, a tfjs model.json, or the directory that holds model.json.';
  }
  if (typeof source !== 'string' && !(source instanceof URL)) {
    return format === 'safetensors'
      ? 'The bytes must be a safetensors file (safetensors.torch.save_file of a state_dict; see the README).'
      : 'Give tfjs layers weights as a model.json path, directory or URL.';
  }
  if (
    isHttpUrl(source) &&
    !(cause instanceof SafetensorsError) &&
    !(cause instanceof SyntaxError)
  ) {
    return 'Check the URL and that its server answers from here, or download the file and pass its local path.';
  }
  return format === 'safetensors'
    ? 'It must be a torchvision state_dict saved with safetensors.torch.save_file (see the README); export it again if it is truncated or corrupt.'
    : "It must be a tfjs layers model: model.json (from model.save or tensorflowjs_converter) with the weight shards its manifest lists beside it; pass { format: 'safetensors' } if it is a safetensors file under another name.";
}

/**
 * Writes the model's weights as a torchvision-style state_dict in safetensors
 * (Node), atomically: a failed save leaves any previous file at `path` as it was.
 */
export async function saveTorchvisionWeights(model: tfl.LayersModel, path: string): Promise<void> {
  const bytes = encodeTorchvisionWeights(model);
  try {
    await writeFileAtomically(path, bytes);
  } catch (error) {
    throw new Error(
      `Could not save the weights of ${model.name} to ${path}: ${errorMessage(error)} Check that its folder exists and is writable.`,
      { cause: error },
    );
  }
}
