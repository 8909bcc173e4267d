import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PipelineError } from '../errors.js';

/** The environment variable naming the folder of named weights (`--pretrained resnet18`). */
export const WEIGHTS_DIRECTORY_VARIABLE = 'GSA_WEIGHTS_DIR';

const isUrl = (value: string) => /^(https?|file):\/\//i.test(value);
/** A bare name: no folder separator and no extension of a weights file. */
const isName = (value: string) =>
  !/[\\/]/.test(value) && !/\.(safetensors|json)$/i.test(value) && !value.startsWith('.');

/** The weights a name stands for in `directory`: NAME.safetensors, NAME/model.json or NAME/NAME.safetensors. */
function namedWeights(directory: string, name: string): string | undefined {
  const candidates = [
    join(directory, `${name}.safetensors`),
    join(directory, name, 'model.json'),
    join(directory, name, `${name}.safetensors`),
  ];
  return candidates.find((candidate) => existsSync(candidate));
}

/** The names a weights folder offers, for the error that lists them. */
function availableNames(directory: string): string[] {
  try {
    return readdirSync(directory)
      .flatMap((entry) => {
        if (entry.endsWith('.safetensors')) return [entry.slice(0, -'.safetensors'.length)];
        const folder = join(directory, entry);
        return statSync(folder).isDirectory() && namedWeights(directory, entry) ? [entry] : [];
      })
      .sort();
  } catch {
    return [];
  }
}

/**
 * Where `--pretrained VALUE` points: an http(s) or file URL as given; an
 * existing path as given; otherwise a name in GSA_WEIGHTS_DIR
 * (`resnet18` -> resnet18.safetensors, resnet18/model.json or
 * resnet18/resnet18.safetensors). A name that is not there is an error that
 * lists the names that are.
 */
export function resolveWeightsSource(
  value: string,
  environment: NodeJS.ProcessEnv = process.env,
): string {
  if (isUrl(value) || existsSync(value)) return value;
  const directory = environment[WEIGHTS_DIRECTORY_VARIABLE];
  if (!isName(value)) {
    throw new PipelineError(
      `--pretrained ${value}: no such file or folder.`,
      'Give a .safetensors file, a tfjs model.json (or its folder), an http(s) URL, or a name in GSA_WEIGHTS_DIR.',
    );
  }
  if (directory === undefined || directory === '') {
    throw new PipelineError(
      `--pretrained ${value} is neither a file nor a URL, and GSA_WEIGHTS_DIR is not set to look the name up in.`,
      'Set GSA_WEIGHTS_DIR to the folder that holds NAME.safetensors or NAME/model.json, or pass a path or URL.',
    );
  }
  const found = namedWeights(directory, value);
  if (found) return resolve(found);
  const names = availableNames(directory);
  throw new PipelineError(
    `--pretrained ${value}: GSA_WEIGHTS_DIR (${directory}) has no ${value}.safetensors, ${value}/model.json or ${value}/${value}.safetensors.`,
    names.length > 0
      ? `Names there: ${names.join(', ')}.`
      : existsSync(directory)
        ? 'That folder holds no weights yet: put NAME.safetensors or NAME/model.json in it.'
        : 'That folder does not exist: check GSA_WEIGHTS_DIR.',
  );
}
