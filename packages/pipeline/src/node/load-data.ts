import { DataError, type DataProblem, type ImageSet } from '@gsa/data';
import { loadDataset } from '@gsa/data/node';
import { PipelineError } from '../errors.js';
import type { PretrainedInput } from '../pretrained.js';

/**
 * Loads a run's data SPEC at `size` (standardised and as 3 channels where
 * pretrained weights expect it: `pretrainedInput`), with a friendly error for
 * each way it can fail.
 */
export async function loadRunData(
  spec: string,
  size: number | undefined,
  input?: Pick<PretrainedInput, 'normalize' | 'channels'>,
): Promise<ImageSet> {
  try {
    return await loadDataset(spec, {
      ...(size === undefined ? {} : { size }),
      ...(input ? { normalize: input.normalize, channels: input.channels } : {}),
    });
  } catch (error) {
    const problem = error instanceof DataError ? error.problem : undefined;
    throw new PipelineError(
      `Cannot load the data '${spec}': ${(error as Error).message}`,
      problem ? DATA_HINTS[problem] : DEFAULT_HINT,
      1,
      { cause: error },
    );
  }
}

/** What to do about each kind of data problem (@gsa/data says which kind it is). */
const DATA_HINTS: Record<DataProblem, string> = {
  'mixed-sizes':
    'Pass --size PX to bring every image to PX x PX (INTER_AREA), or give them one size yourself.',
  undecodable: 'Replace or remove that file: gsa reads PNG, JPEG, TIFF and PGM/PPM images.',
  'missing-files': 'Add the missing files, or remove their rows from the labels file.',
  'labels-file':
    'Fix labels.csv: a header `file,label[,split][,group]`, then one row per image, each naming a file beside it.',
  'empty-class': 'Add images to that class folder, or remove it.',
  'non-finite': 'Clean the array (every pixel a finite number) and save it again.',
};

const DEFAULT_HINT =
  'Check the path; `gsa train --help` lists every data SPEC kind (`datasetSources()` of @gsa/data/node).';
