import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage, preprocessImage } from '@gsa/data';
import { overlayHeatmap } from '@gsa/viz';
import { writeAttentionMap, writePng, writeRunReport } from '@gsa/viz/node';
import type { TrainConfig } from './config.js';
import { CliError, UsageError } from './errors.js';
import { firstChannels, type TrainedRun } from './train-run.js';

/** The run directory's human-facing files: the map as PNG and .npy, and report.html. */
export async function writeRunArtifacts(
  directory: string,
  config: TrainConfig,
  run: TrainedRun,
): Promise<void> {
  const [height, width, channels] = run.shape;
  const map = run.result.map;
  if (map) await writeAttentionMap(join(directory, 'attention-map'), map);
  await writeRunReport(join(directory, 'report.html'), {
    title: `gsa run: ${config.attention} attention, ${config.backbone}`,
    createdAt: new Date().toISOString(),
    configuration: config,
    summary: {
      'test accuracy': run.summary.testAccuracy,
      'best epoch': run.summary.bestEpoch.epoch,
      epochs: run.summary.epochs,
      backend: run.summary.backend,
      'phase 1 seconds': run.summary.timings.phase1Seconds,
      'phase 2 seconds': run.summary.timings.phase2Seconds,
      ...(run.summary.mapRocAuc !== undefined
        ? { 'map ROC-AUC vs true region': run.summary.mapRocAuc }
        : {}),
    },
    classNames: run.classNames,
    history: run.result.history.map((m) => ({
      epoch: m.epoch,
      phase: m.phase,
      loss: m.trainLoss,
      accuracy: m.trainAccuracy,
      ...(m.evaluation
        ? { validationLoss: m.evaluation.loss, validationAccuracy: m.evaluation.accuracy }
        : {}),
    })),
    ...(config.attention !== 'none' ? { cutoffEpoch: config.cutoff } : {}),
    confusionMatrix: run.summary.test.confusionMatrix,
    ...(map ? { attentionMap: map } : {}),
    ...(run.examples ? { examples: run.examples } : {}),
    meanImage: {
      height,
      width,
      channels: channels === 3 ? 3 : 1,
      values: firstChannels(run.meanImage, channels),
    },
  });
}

export function exportModel(runDirectory: string, out: string, force: boolean): void {
  const model = join(runDirectory, 'model');
  if (!existsSync(join(model, 'model.json'))) {
    throw new CliError(
      `${runDirectory} has no trained model (model/model.json).`,
      'Pass the --out directory of a finished `gsa train`.',
    );
  }
  if (existsSync(out)) {
    if (!force)
      throw new UsageError(
        `${out} already exists.`,
        'Pass --force to overwrite it, or choose another --out.',
      );
    rmSync(out, { recursive: true, force: true });
  }
  const temporary = `${out}.tmp-${process.pid}`;
  cpSync(model, temporary, { recursive: true });
  cpSync(temporary, out, { recursive: true });
  rmSync(temporary, { recursive: true, force: true });
}

/** Writes the run's map as attention-map.png/.npy (and an overlay on `overlay`); returns the paths. */
export async function renderRunMap(runDirectory: string, overlay?: string): Promise<string[]> {
  const mapPath = join(runDirectory, 'attention-map.json');
  if (!existsSync(mapPath)) {
    throw new CliError(
      `${runDirectory} has no attention map.`,
      'Vanilla runs (--attention none) learn no map; pass a run trained with global or l1.',
    );
  }
  const map = JSON.parse(readFileSync(mapPath, 'utf8')) as {
    height: number;
    width: number;
    values: number[];
  };
  const written = await writeAttentionMap(join(runDirectory, 'attention-map'), map);
  const paths = [written.png, written.npy];
  if (overlay) {
    let image;
    try {
      image = preprocessImage(
        await decodeImage(overlay),
        { size: [map.height, map.width] },
        false,
        overlay,
      );
    } catch (error) {
      throw new CliError(
        `Cannot read ${overlay}: ${(error as Error).message}`,
        'gsa reads PNG, JPEG, TIFF and PGM images.',
      );
    }
    const path = join(runDirectory, 'attention-overlay.png');
    await writePng(
      path,
      overlayHeatmap(
        {
          height: image.height,
          width: image.width,
          channels: image.channels === 3 ? 3 : 1,
          values: image.data,
        },
        map,
      ),
    );
    paths.push(path);
  }
  return paths;
}
