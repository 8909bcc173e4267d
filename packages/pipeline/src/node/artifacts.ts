import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DECIDED_MARGIN } from '@gsa/attention';
import { preprocessImage } from '@gsa/data';
import { decodeImage } from '@gsa/data/node';
import type { ImageArray, ScalarMap } from '@gsa/viz';
import { overlayHeatmap } from '@gsa/viz';
import { writeAttentionMap, writePng, writeRunReport } from '@gsa/viz/node';
import type { ExportFormat, RunConfig } from '../config.js';
import { PipelineError, UsageError } from '../errors.js';
import { describeStructure } from '../structure.js';
import { describeMapAgreement } from './protocol/map-agreement.js';
import { renderGradCamPanel, type MapDisplay } from './grad-cam.js';
import { firstChannels } from './report-examples.js';
import { runDirectoryHolder } from './run-lock.js';
import {
  isPortableModelDirectory,
  loadModelFromDirectory,
  portableForm,
  readModelInfo,
  saveModelToDirectory,
} from './model-files.js';
import { checkTorchvisionExport, torchvisionExportFiles } from './torchvision-export.js';
import { readJson, replaceDirectoryAtomically } from './files.js';
import type { TrainedRun } from './trained-run.js';

/**
 * The run directory's human-facing files: the map as PNG, SVG (colour bar
 * with its values) and .npy, and report.html.
 */
export async function writeRunArtifacts(
  directory: string,
  config: RunConfig,
  run: TrainedRun,
  display: MapDisplay = {},
): Promise<void> {
  const [height, width, channels] = run.shape;
  const map = run.result.map;
  const before = run.result.initialMap;
  if (map) await writeAttentionMap(join(directory, 'attention-map'), map, display);
  await writeRunReport(join(directory, 'report.html'), {
    title: `gsa run: ${config.attention} attention, ${config.backbone}`,
    createdAt: new Date().toISOString(),
    configuration: config,
    summary: {
      status:
        run.summary.status === 'interrupted'
          ? `interrupted after epoch ${run.summary.epochs} of ${run.summary.epochsPlanned} (continue with gsa train --resume)`
          : run.summary.status,
      'test accuracy': run.summary.testAccuracy,
      'best epoch': run.summary.bestEpoch.epoch,
      epochs: run.summary.epochs,
      backend: run.summary.backend,
      'phase 1 seconds': run.summary.timings.phase1Seconds,
      'phase 2 seconds': run.summary.timings.phase2Seconds,
      ...(run.summary.mapRocAuc !== undefined
        ? { 'map ROC-AUC vs true region': run.summary.mapRocAuc }
        : {}),
      ...(run.summary.mapRegionDecision
        ? {
            [`true region above ${1 - DECIDED_MARGIN}`]: run.summary.mapRegionDecision.regionAbove,
            [`rest below ${DECIDED_MARGIN}`]: run.summary.mapRegionDecision.restBelow,
            [`rest above ${1 - DECIDED_MARGIN}`]: run.summary.mapRegionDecision.restAbove,
          }
        : {}),
      ...(run.summary.map ? { 'map spread (p95 - p5)': run.summary.map.spread } : {}),
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
    ...(config.attention !== 'none' ? { cutoffEpoch: config.cutoffEpoch } : {}),
    confusionMatrix: run.summary.test.confusionMatrix,
    ...(map ? { attentionMap: map } : {}),
    // "before learning" beside it, on one scale (the paper's Fig. 4).
    ...(map && before ? { attentionMapBefore: before } : {}),
    ...(run.summary.map ? { attentionMapDecision: run.summary.map } : {}),
    ...(run.examples ? { examples: run.examples } : {}),
    ...(run.gradCamLayer ? { gradCamLayer: run.gradCamLayer } : {}),
    display,
    meanImage: {
      height,
      width,
      channels: channels === 3 ? 3 : 1,
      values: firstChannels(run.meanImage, channels),
    },
    ...(run.summary.mapStability
      ? {
          mapStability: {
            runs: run.summary.mapStability.siblings,
            text: describeMapAgreement(run.summary.mapStability),
          },
        }
      : {}),
    ...(run.structure && run.summary.structure
      ? {
          layout: {
            verdict: run.summary.structure.verdict,
            text: describeStructure(run.summary.structure),
            advice: run.summary.structure.advice,
            meanImage: { height, width, channels: 1, values: run.structure.meanImage },
            stdImage: { height, width, channels: 1, values: run.structure.stdImage },
          },
        }
      : {}),
  });
}

/**
 * Copies a run's deployable model to `out`: `tfjs` (default) a tfjs layers
 * model of tfjs's own layers only, which plain `@tensorflow/tfjs` loads (runs
 * trained before gsa saved that form are rewritten; a backbone with layers
 * of its own is refused), `gsa` the model/ folder as it is, `torchvision`
 * the backbone's state_dict as safetensors, the map as .npy and a model.py
 * that rebuilds it with torchvision. Each with gsa.json. Written into a
 * temporary folder beside `out` and renamed into place whole: an interrupted
 * or failed export leaves no half model, and a forced one keeps the old
 * export until the new one is complete.
 */
export async function exportModel(
  runDirectory: string,
  out: string,
  options: { force?: boolean; format?: ExportFormat } = {},
): Promise<void> {
  const model = join(runDirectory, 'model');
  if (!existsSync(join(model, 'model.json'))) {
    throw new PipelineError(
      `${runDirectory} has no trained model (model/model.json).`,
      'Pass the --out directory of a finished `gsa train`.',
    );
  }
  const holder = runDirectoryHolder(runDirectory);
  if (holder) {
    throw new PipelineError(
      `The run in ${runDirectory} is in use: process ${holder.pid} on ${holder.host} has held it since ${holder.started} (${holder.purpose}).`,
      'Export it when that process has finished: its model is not final before then.',
    );
  }
  if (existsSync(out) && !options.force) {
    throw new UsageError(
      `${out} already exists.`,
      'Pass --force to overwrite it, or choose another --out.',
    );
  }
  const format = options.format ?? 'tfjs';
  const copyAsItIs = () =>
    replaceDirectoryAtomically(out, (temporary) =>
      cpSync(model, temporary, { recursive: true, force: false }),
    );
  if (format === 'gsa') return copyAsItIs();
  if (format === 'tfjs') {
    // What gsa saves now is portable already: copied without loading a weight.
    if (isPortableModelDirectory(model)) return copyAsItIs();
    const deployed = await loadModelFromDirectory(model);
    try {
      const portable = await portableForm(deployed);
      if (!portable) {
        throw new UsageError(
          `${runDirectory}'s backbone has layers of its own, which tfjs's layers cannot express.`,
          'Export --format gsa (it loads in tfjs with @gsa/backbones imported).',
        );
      }
      try {
        const info = `${JSON.stringify(readModelInfo(model), null, 2)}\n`;
        await saveModelToDirectory(portable, out, { 'gsa.json': info });
      } finally {
        portable.dispose();
      }
    } finally {
      deployed.dispose();
    }
    return;
  }
  // Everything that can refuse or fail to read comes before the first write.
  const configPath = join(runDirectory, 'config.json');
  const config = existsSync(configPath)
    ? readJson<Partial<RunConfig>>(configPath, 'The run configuration', 'Pass a gsa run directory.')
    : undefined;
  const info = readModelInfo(model);
  checkTorchvisionExport(info, config);
  const deployed = await loadModelFromDirectory(model);
  let files: Map<string, Uint8Array | string>;
  try {
    files = torchvisionExportFiles(deployed, info);
  } finally {
    deployed.dispose();
  }
  await replaceDirectoryAtomically(out, (temporary) => {
    for (const [name, contents] of files) writeFileSync(join(temporary, name), contents);
  });
}

export interface RunMapOptions {
  /** Also draw the map over this image (attention-overlay.png). */
  overlay?: string;
  /** Also write image | global map | Grad-CAM for this image (gradcam-<name>.png). */
  gradcam?: string;
  /** The layer Grad-CAM explains; default the backbone's last feature map. */
  layer?: string;
  display?: MapDisplay;
  log?: (message: string) => void;
}

/**
 * Writes the run's map as attention-map.png/.svg/.npy, and on request an
 * overlay and a Grad-CAM panel; returns the paths written.
 */
export async function renderRunMap(
  runDirectory: string,
  options: RunMapOptions = {},
): Promise<string[]> {
  const display = options.display ?? {};
  const mapPath = join(runDirectory, 'attention-map.json');
  const map = existsSync(mapPath)
    ? (JSON.parse(readFileSync(mapPath, 'utf8')) as ScalarMap & { values: number[] })
    : undefined;
  if (!map && (options.overlay || !options.gradcam)) {
    throw new PipelineError(
      `${runDirectory} has no attention map.`,
      'Vanilla runs (--attention none) learn no map; pass a run trained with global or l1 (or ask for --gradcam IMAGE).',
    );
  }
  const paths: string[] = [];
  if (map) {
    const written = await writeAttentionMap(join(runDirectory, 'attention-map'), map, display);
    paths.push(written.png, written.svg, written.npy);
  }
  if (map && options.overlay) {
    const image = await readImage(options.overlay, map.height, map.width);
    const path = join(runDirectory, 'attention-overlay.png');
    await writePng(path, overlayHeatmap(image, map, display));
    paths.push(path);
  }
  if (options.gradcam) {
    paths.push(
      await renderGradCamPanel(runDirectory, options.gradcam, {
        globalMap: map,
        display,
        ...(options.layer ? { layer: options.layer } : {}),
        ...(options.log ? { log: options.log } : {}),
      }),
    );
  }
  return paths;
}

/** An image file as the renderers take it, resized to the map (no normalisation). */
async function readImage(path: string, height: number, width: number): Promise<ImageArray> {
  let image;
  try {
    image = preprocessImage(await decodeImage(path), { size: [height, width] }, false, path);
  } catch (error) {
    throw new PipelineError(
      `Cannot read ${path}: ${(error as Error).message}`,
      'gsa reads PNG, JPEG, TIFF and PGM images.',
    );
  }
  return {
    height: image.height,
    width: image.width,
    channels: image.channels === 3 ? 3 : 1,
    values: image.data,
  };
}

export type { MapDisplay };
