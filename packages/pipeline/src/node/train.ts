// `train(config)`: one run, end to end, through the one path every caller
// takes: load -> split (split.json) -> pixel representation -> attention ->
// two-phase training (checkpoints, metrics.jsonl) -> scoring (summary.json) ->
// the model, the map and report.html.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { regionDecision } from '@gsa/attention';
import { backboneDefinition } from '@gsa/backbones';
import { checkStructure, imageCount, quantile, type AlignmentReference } from '@gsa/data';
import { binaryRocAuc } from '@gsa/eval';
import { deployableModel } from '@gsa/trainer';
import { fileCheckpointStore, metricsJsonlWriter, progressCallback } from '@gsa/trainer/node';
import type { RunConfig } from '../config.js';
import { PipelineError } from '../errors.js';
import { alignRun } from '../align.js';
import { scoreModel } from '../score.js';
import { describeStructure, summarizeStructure } from '../structure.js';
import { splitRecord, splitRun } from '../split.js';
import { summarizeRun, type FailedRunSummary, type RunSummary } from '../summary.js';
import { trainOnSplit, type SplitTraining } from '../train-on-split.js';
import { writeRunArtifacts, type MapDisplay } from './artifacts.js';
import { errorCodes, prepareRunDirectory, writeError, writeJsonAtomic } from './files.js';
import { lockRunDirectory, type RunLock } from './run-lock.js';
import { readRunMap, siblingRuns } from './map-compare.js';
import { describeMapAgreement, mapAgreement } from './protocol/map-agreement.js';
import { loadRunData } from './load-data.js';
import { resolveWeightsSource } from './weights-source.js';
import { pretrainedInput } from '../pretrained.js';
import { saveDeployedModel } from './model-files.js';
import { reportExamples } from './report-examples.js';
import type { TrainedRun } from './trained-run.js';
import { PIPELINE_VERSION } from './version.js';

export interface TrainOptions {
  /** Empty an existing, non-empty run directory first. */
  force?: boolean;
  /** Continue the run in the directory from its last checkpoint. */
  resume?: boolean;
  signal?: AbortSignal;
  /** The true evidence region [H*W] (1 inside) when known, for the map's ROC-AUC. */
  mask?: Float32Array;
  /** Notes for a person (stderr in the CLI). */
  log?: (message: string) => void;
  /** A live progress line on stderr while training. Default false. */
  progress?: boolean;
  /** What computes, for summary.json (e.g. @gsa/backends' describeBackend). */
  backend?: string;
  /** How report.html and the map images draw the map. */
  display?: MapDisplay;
}

/**
 * Trains one run of `config` into `config.out`: config.json, split.json,
 * checkpoints/, metrics.jsonl, model/ (the map baked in), attention-map.*,
 * summary.json and report.html. The backend is the caller's choice, made
 * before (@gsa/backends' useBackend).
 */
export async function train(config: RunConfig, options: TrainOptions = {}): Promise<TrainedRun> {
  const log = options.log ?? (() => {});
  const definition = lookupBackbone(config.backbone);
  let lock: RunLock;
  try {
    lock = lockRunDirectory(config.out, options.resume ? 'gsa train --resume' : 'gsa train', log);
  } catch (error) {
    throw error instanceof PipelineError ? error : writeError(config.out, error);
  }
  try {
    if (options.resume) refuseFinishedRun(config);
    return await trainLocked(config, options, definition, log);
  } catch (error) {
    throw diskFull(error, config.out) ?? error;
  } finally {
    lock.release();
  }
}

/** A full disk (or quota), anywhere in the error's causes, as an error that says what to do. */
function diskFull(error: unknown, out: string): PipelineError | undefined {
  if (!errorCodes(error).some((code) => code === 'ENOSPC' || code === 'EDQUOT')) return undefined;
  return new PipelineError(
    (error as Error).message,
    `The disk holding ${out} is full: free some space (or choose another --out), then continue with --resume; the last finished checkpoint is intact.`,
    1,
    { cause: error },
  );
}

/**
 * `--resume` of a run that already finished changes nothing: it is an
 * error with exit code 0 that says so.
 */
function refuseFinishedRun(config: RunConfig): void {
  const path = join(config.out, 'summary.json');
  if (!existsSync(path)) return;
  let summary: Partial<RunSummary> & { status?: string };
  try {
    summary = JSON.parse(readFileSync(path, 'utf8')) as typeof summary;
  } catch {
    return; // unreadable: the resume rewrites it
  }
  // Summaries from before `status` were written only at the end of a run.
  const finished =
    summary.status === 'completed' ||
    (summary.status === undefined && (summary.epochs ?? 0) >= config.epochs);
  if (finished) {
    throw new PipelineError(
      `The run in ${config.out} is already finished (${summary.epochs ?? config.epochs} of ${config.epochs} epochs); nothing was changed.`,
      'To train it again from the start pass --force; to train a new one choose another --out.',
      0,
    );
  }
}

async function trainLocked(
  config: RunConfig,
  options: TrainOptions,
  definition: ReturnType<typeof backboneDefinition>,
  log: (message: string) => void,
): Promise<TrainedRun> {
  const started = performance.now();
  // An empty directory now (so an unwritable --out fails at once); files only once the inputs are known good.
  // A weights name that is not there fails before the run directory is touched.
  const pretrained =
    config.pretrained === undefined ? undefined : resolveWeightsSource(config.pretrained);
  prepareRunDirectory(config.out, { force: options.force, resume: options.resume });
  const input = pretrained === undefined ? undefined : pretrainedInput(config.backbone);
  let set = await loadRunData(config.data, config.size, input);
  const { height, width, channels } = set.metadata;
  const splitSettings = {
    testFraction: config.testFraction,
    seed: config.seed,
    groupSplit: config.groupSplit,
  };
  const split = splitRun(set, splitSettings);
  log(
    `gsa: ${imageCount(set)} images ${height}x${width}x${channels}, ${set.classNames.length} classes; ${split.train.length} train / ${split.test.length} test`,
  );
  // Does one map fit? Measured on the training images only (nothing from the test split).
  const measureLayout = async (when: string) => {
    if (split.train.length < 2) return undefined;
    const check = await checkStructure(set, { indices: split.train });
    log(
      `gsa: layout of the training images${when}: ${describeStructure(summarizeStructure(check))}`,
    );
    return check;
  };
  const rawLayout = await measureLayout('');
  let alignment:
    { reference: AlignmentReference; shifts: Record<string, [number, number]> } | undefined;
  if (config.align === 'translate') {
    const aligned = await alignRun(set, split);
    const { reference, indices: every } = aligned;
    if (set.images instanceof tf.Tensor) set.images.dispose();
    set = aligned.set;
    const lengths = every.map((_, i) =>
      Math.hypot(aligned.shifts[2 * i]!, aligned.shifts[2 * i + 1]!),
    );
    log(
      `gsa: --align translate: ${every.length} images moved onto the training images' registered mean (median shift ${quantile(lengths, 0.5).toFixed(1)} px, largest ${Math.max(...lengths).toFixed(1)} px)`,
    );
    alignment = {
      reference,
      shifts: Object.fromEntries(
        every.map((index, i) => [
          set.ids[index]!,
          [round3(aligned.shifts[2 * i]!), round3(aligned.shifts[2 * i + 1]!)],
        ]),
      ),
    };
  }
  const structureCheck = alignment ? await measureLayout(' after alignment') : rawLayout;
  const structure = structureCheck ? summarizeStructure(structureCheck) : undefined;
  if (structure && structure.verdict !== 'aligned')
    log(`gsa: ${structure.verdict === 'not aligned' ? 'warning: ' : ''}${structure.advice}`);
  let training: SplitTraining;
  let trainingStarted = false;
  let epochsDone = 0;
  try {
    const settings = pretrained === undefined ? config : { ...config, pretrained };
    training = await trainOnSplit(set, { train: split.train, evaluation: split.test }, settings, {
      checkpoints: {
        store: fileCheckpointStore(join(config.out, 'checkpoints')),
        keep: 2,
        resume: options.resume ?? false,
      },
      callbacks: [
        {
          // After a resume's checkpoint was accepted, before the first epoch: only now
          // may the run's files change (a refused resume leaves them as they were).
          onTrainBegin: () => {
            trainingStarted = true;
            writeJsonAtomic(join(config.out, 'config.json'), {
              ...config,
              gsaVersion: PIPELINE_VERSION,
            });
            writeJsonAtomic(join(config.out, 'split.json'), splitRecord(set, split, splitSettings));
            if (alignment)
              writeJsonAtomic(join(config.out, 'alignment.json'), {
                format: 'gsa-alignment-1',
                ...alignment,
              });
          },
          onEpochEnd: (metrics) => void (epochsDone = metrics.epoch),
        },
        ...(options.progress ? [progressCallback()] : []),
        metricsJsonlWriter(join(config.out, 'metrics.jsonl')),
      ],
      ...(options.signal ? { signal: options.signal } : {}),
      log,
    });
  } catch (error) {
    if (set.images instanceof tf.Tensor) set.images.dispose();
    // A run that started and then failed (NaN, a full disk, bad data) says so.
    if (trainingStarted) writeFailedSummary(config, error, epochsDone);
    throw error;
  }
  const { result, backbone, representation } = training;
  // trainTwoPhase returns the backbone with settled batch-norm statistics.
  const deployed = deployableModel(backbone, result.map);
  try {
    const { portable } = await saveDeployedModel(deployed, join(config.out, 'model'));
    if (!portable) {
      log(
        `gsa: ${config.backbone} has layers of its own (no form in tfjs's layers): model/ loads in tfjs with @gsa/backbones imported.`,
      );
    }
    writeJsonAtomic(join(config.out, 'model', 'gsa.json'), {
      classNames: set.classNames,
      inputShape: [height, width, channels],
      preprocessing: set.metadata.preprocessing ?? null,
      attention: config.attention,
      ...(alignment ? { alignment: alignment.reference } : {}),
      backbone: config.backbone,
      gsaVersion: PIPELINE_VERSION,
    });
    const score = await scoreModel(
      deployed,
      training.evaluationImages,
      training.evaluationLabels,
      set.classNames,
    );
    if (result.map) {
      writeJsonAtomic(join(config.out, 'attention-map.json'), {
        height,
        width,
        values: Array.from(result.map.values),
      });
    }
    // Runs beside this one with the same data and settings but other seeds: is the map reproducible?
    const siblings = result.map ? siblingRuns(config.out) : [];
    let siblingAgreement: ReturnType<typeof mapAgreement> = null;
    try {
      siblingAgreement =
        siblings.length > 0
          ? mapAgreement([result.map!.values, ...siblings.map((run) => readRunMap(run).values)])
          : null;
    } catch (error) {
      // A broken sibling never fails this run: it is only compared with.
      log(`gsa: note: the maps of the sibling runs were not compared: ${(error as Error).message}`);
    }
    if (siblingAgreement)
      log(
        `gsa: map stability with ${siblings.length} sibling run(s) (other seeds, same settings): ${describeMapAgreement(siblingAgreement)}`,
      );
    const meanImage = (await tf
      .tidy(() => tf.mean(training.trainImages, 0))
      .data()) as Float32Array;
    const examples = await reportExamples({
      deployed,
      backbone,
      images: training.evaluationImages,
      labels: training.evaluationLabels,
      map: result.map,
      hasLocalAttention: definition.hasLocalAttention === true,
      log,
    });
    const interrupted = result.stopReason === 'interrupted';
    const summary: RunSummary = {
      status: interrupted ? 'interrupted' : 'completed',
      epochsPlanned: config.epochs,
      ...(result.stopReason && !interrupted ? { stopReason: result.stopReason } : {}),
      ...summarizeRun(config.attention, result, score, representation),
      ...(structure ? { structure } : {}),
      ...(siblingAgreement
        ? {
            mapStability: {
              siblings: siblings.map((run) => basename(run)),
              ...siblingAgreement,
            },
          }
        : {}),
      ...(alignment && rawLayout
        ? { structureBeforeAlignment: summarizeStructure(rawLayout) }
        : {}),
      timings: {
        phase1Seconds: round(result.phaseSeconds.phase1),
        phase2Seconds: round(result.phaseSeconds.phase2),
        totalSeconds: round((performance.now() - started) / 1000),
      },
      backend: options.backend ?? tf.getBackend(),
      gsaVersion: PIPELINE_VERSION,
      ...(options.mask && result.map ? regionMeasures(result.map.values, options.mask) : {}),
    };
    writeJsonAtomic(join(config.out, 'summary.json'), summary);
    const run: TrainedRun = {
      summary,
      result,
      classNames: set.classNames,
      meanImage,
      shape: [height, width, channels],
      ...(structureCheck ? { structure: structureCheck } : {}),
      ...examples,
    };
    await writeRunArtifacts(config.out, config, run, options.display ?? {});
    return run;
  } catch (error) {
    writeFailedSummary(config, error, epochsDone);
    throw error;
  } finally {
    training.dispose();
    if (set.images instanceof tf.Tensor) set.images.dispose();
    deployed.dispose();
  }
}

function lookupBackbone(name: string): ReturnType<typeof backboneDefinition> {
  try {
    return backboneDefinition(name);
  } catch (error) {
    throw new PipelineError(
      (error as Error).message,
      'List the backbones with `gsa train --help`.',
    );
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** summary.json of a run that failed: the error and how far it got (nothing else is trustworthy). */
function writeFailedSummary(config: RunConfig, error: unknown, epochs: number): void {
  const summary: FailedRunSummary = {
    status: 'failed',
    error: error instanceof Error ? error.message : String(error),
    epochs,
    epochsPlanned: config.epochs,
    gsaVersion: PIPELINE_VERSION,
  };
  try {
    writeJsonAtomic(join(config.out, 'summary.json'), summary);
  } catch {
    // The disk may be what failed: the error itself is what the user sees.
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** The map against the true region, where one is known (the demo's synthetic data). */
function regionMeasures(
  values: Float32Array,
  mask: ArrayLike<number>,
): Pick<RunSummary, 'mapRocAuc' | 'mapRegionDecision'> {
  const region = Array.from(mask, (value) => value > 0.5);
  return {
    mapRocAuc: binaryRocAuc(values, region),
    mapRegionDecision: regionDecision(values, region),
  };
}
