import type { ImageSet } from '@gsa/data';
import { loadDataset } from '@gsa/data/node';
import { PipelineError } from '../errors.js';

/**
 * Loads a run's data SPEC at `size` (ImageNet-normalised, as 3 channels, for
 * pretrained weights that expect it), with a friendly error for each way it
 * can fail.
 */
export async function loadRunData(
  spec: string,
  size: number | undefined,
  normalize: boolean,
): Promise<ImageSet> {
  try {
    return await loadDataset(spec, {
      ...(size === undefined ? {} : { size }),
      ...(normalize ? { normalize: 'imagenet' as const, channels: 3 as const } : {}),
    });
  } catch (error) {
    const message = (error as Error).message;
    throw new PipelineError(`Cannot load the data '${spec}': ${message}`, hintFor(message), 1, {
      cause: error,
    });
  }
}

/** What to do about a data error, by what went wrong. */
function hintFor(message: string): string {
  if (/differ in size/.test(message)) {
    return 'Pass --size PX to bring every image to PX x PX (INTER_AREA), or give them one size yourself.';
  }
  if (/cannot decode image|not a valid P[GP]M/.test(message)) {
    return 'Replace or remove that file: gsa reads PNG, JPEG, TIFF and PGM/PPM images.';
  }
  if (/listed in .* do not exist/.test(message)) {
    return 'Add the missing files, or remove their rows from the labels file.';
  }
  if (/labels file|no label for|no file name|label column|header/.test(message)) {
    return 'Fix labels.csv: a header `file,label[,split][,group]`, then one row per image, each naming a file beside it.';
  }
  if (/with no images|no images/.test(message)) {
    return 'Add images to that class folder, or remove it.';
  }
  if (/finite number|NaN|Infinity/.test(message)) {
    return 'Clean the array (every pixel a finite number) and save it again.';
  }
  return 'Check the path; `gsa train --help` lists every data SPEC kind (`datasetSources()` of @gsa/data/node).';
}
