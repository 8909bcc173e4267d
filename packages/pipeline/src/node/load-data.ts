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
    throw new PipelineError(
      `Cannot load the data '${spec}': ${(error as Error).message}`,
      'Check the path; `gsa train --help` lists every data SPEC kind (`datasetSources()` of @gsa/data/node).',
      1,
      { cause: error },
    );
  }
}
