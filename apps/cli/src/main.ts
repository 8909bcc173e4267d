import { Command, CommanderError, Option } from 'commander';
import {
  ALIGN_METHODS,
  EXPORT_FORMATS,
  PipelineError,
  TRAIN_MODES,
  UsageError,
  type ExportFormat,
} from '@gsa/pipeline';
import type { MapDisplay } from '@gsa/pipeline/node';
import type { BackendChoice } from '@gsa/backends';
import { createOutput, type Output } from './output.js';
import { VERSION } from './version.js';
import {
  BACKEND_CHOICES,
  FLAG_ALIASES,
  MAP_INITIALIZATIONS,
  MAP_RULES,
  mapRateFlag,
  numberFlag,
  rankFlag,
  resolveTrainConfig,
  takeFlagAliases,
} from './config.js';
import type { DemoFlags } from './demo.js';
import type { ColormapName } from '@gsa/viz';

const BACKENDS = [...BACKEND_CHOICES];
/** The commands that load a data SPEC (`inspect` is `datasets inspect`). */
const DATA_COMMANDS = new Set(['train', 'eval', 'inspect', 'experiment', 'worker']);
/** Every colormap of @gsa/viz (the object makes the typecheck catch a missing one). */
const COLORMAPS = Object.keys({ viridis: 0, magma: 0, gray: 0 } satisfies Record<ColormapName, 0>);

/** `--colormap` and `--darker-is-important`, shared by `train` and `map`. */
function addDisplayOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--colormap <name>', 'colours of the map PNG/SVG and report.html').choices(
        COLORMAPS,
      ),
    )
    .option(
      '--darker-is-important',
      "draw important pixels dark, as the paper's figures do (default: brighter = more important)",
    );
}

function displayFrom(options: { colormap?: string; darkerIsImportant?: boolean }): MapDisplay {
  return {
    ...(options.colormap ? { colormap: options.colormap as ColormapName } : {}),
    ...(options.darkerIsImportant ? { darkerIsMoreImportant: true } : {}),
  };
}

/** Runs the CLI on `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  let output: Output = createOutput();
  /** Set by a command that ends in a state other than done (an interrupted run: 130 or 143). */
  let exitCode = 0;
  program
    .name('gsa')
    .description(
      'Global spatial attention for CNNs on TensorFlow.js: train, evaluate, map, export, predict.',
    )
    .version(VERSION, '-V, --version')
    .option('--verbose', 'print stack traces with errors')
    .option('-q, --quiet', 'print only results (no progress)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 failed, 2 usage error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).\nA run directory has one owner at a time (its .gsa-lock names the process).\n',
    )
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .hook('preAction', async (command, action) => {
      const options = command.opts<{ verbose?: boolean; quiet?: boolean }>();
      output = createOutput({ verbose: options.verbose, quiet: options.quiet });
      // The dicom: and nifti: sources (their decoders are the CLI's dependencies),
      // for the commands that read a data SPEC only.
      if (DATA_COMMANDS.has(action.name())) await import('@gsa/data/medical');
    });

  program
    .command('demo')
    .description(
      'generate a synthetic structured dataset, train vanilla and global attention with the same backbone, and compare them',
    )
    .option('--out <dir>', 'where the two runs and the data go', 'gsa-demo')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('auto'))
    .option('--epochs <n>', 'epochs per run', numberFlag('epochs'))
    .option('--size <px>', 'image side', numberFlag('size'))
    .option('--count <n>', 'images to generate', numberFlag('count'))
    .option('--force', 'overwrite an existing --out')
    .option('--json', 'print the comparison as JSON')
    .addHelpText('after', '\nExample:\n  gsa demo --out /tmp/gsa-demo\n')
    .action(async (options: DemoFlags) => {
      const { runDemoCommand } = await import('./demo.js');
      await runDemoCommand(options, output);
    });

  const train = program
    .command('train')
    .description(
      'train a backbone with global attention, the L1 baseline, or none (vanilla) on your data',
    )
    .option('--data <spec>', 'the dataset: KIND:PATH[settings] or a path (SPEC kinds below)')
    .option('--backbone <name>', 'a backbone of @gsa/backbones (the list below); default smallcnn')
    .addOption(
      new Option('--attention <mode>', 'global | l1 | none').choices(['global', 'l1', 'none']),
    )
    .option('--size <px>', 'resize images to PX x PX (INTER_AREA)', numberFlag('size'))
    .option('--epochs <n>', 'training epochs (default 30)', numberFlag('epochs'))
    .option(
      '--cutoff-epoch <e>',
      'E: the map is frozen after this epoch (default 24% of the epochs, as the paper; alias --cutoff)',
      numberFlag('cutoff-epoch'),
    )
    .option('--channels <k>', 'K, the pixel CNN width (default 32)', numberFlag('channels'))
    .option(
      '--lambda <l>',
      'weight of mean(|map|) in the loss (default 0.01)',
      numberFlag('lambda'),
    )
    .option(
      '--weight-decay <w>',
      'Adam L2 weight decay, PyTorch semantics (default 1e-4)',
      numberFlag('weight-decay'),
    )
    .option(
      '--learning-rate <lr>',
      'Adam learning rate (default 1e-3; the paper used 1e-4 for 250 epochs; alias --lr)',
      numberFlag('learning-rate'),
    )
    .option(
      '--map-learning-rate <lr|rule>',
      `the map's own learning rate (alias --map-lr): one rate (the L1 map's, default --learning-rate), or a per-weight rule of the pixel CNN: ${MAP_RULES} (default inputFanIn: the first kernel at --learning-rate x min(1, 32/D), D = pixel-representation channels, the rest at --learning-rate)`,
      mapRateFlag,
    )
    .option(
      '--map-warmup-steps <n>',
      "linear warm-up of the pixel CNN's rates (default: a third of phase 1; 0: none)",
      numberFlag('map-warmup-steps'),
    )
    .option(
      '--map-entropy-weight <w>',
      "weight of the decision term, the map's binary entropy, ramped in over phase 1: it drives pixels to 0 or 1 (default 0.3; 0 with --map-boundary-weight 0: the paper's loss alone)",
      numberFlag('map-entropy-weight'),
    )
    .option(
      '--map-boundary-weight <w>',
      "weight of the boundary term, ramped in over phase 1: it pulls the map towards the pixels the backbone's cross-entropy gradient asks for, so that it decides at the evidence rather than at its own 0.5 contour (default 0.15; 0: off)",
      numberFlag('map-boundary-weight'),
    )
    .addOption(
      new Option(
        '--map-initialization <how>',
        "the pixel CNN's initial weights (default pytorch)",
      ).choices(MAP_INITIALIZATIONS),
    )
    .option('--batch-size <b>', 'batch size (default 32; alias --batch)', numberFlag('batch-size'))
    .option(
      '--seed <s>',
      'fixes initialisation, shuffling and the split (default 0)',
      numberFlag('seed'),
    )
    .option(
      '--pixel-rank <r>',
      "'exact' (default) or r eigen-images (low-rank, memory independent of N)",
      rankFlag,
    )
    .addOption(
      new Option(
        '--align <how>',
        "register the images first: 'translate' moves each onto the training images' registered mean (the model keeps the reference, so eval and predict align new images alike); default none",
      ).choices([...ALIGN_METHODS]),
    )
    .option(
      '--no-standardize-pixels',
      'build the pixel representation from the raw intensities (default: each image standardised over its pixels)',
    )
    .option(
      '--test-fraction <f>',
      'held-out fraction when the data has no split column (default 0.2)',
      numberFlag('test-fraction'),
    )
    .option(
      '--no-group-split',
      'let one group (patient, subject) be on both sides of the split (default: groups stay on one side)',
    )
    .option(
      '--pretrained <source>',
      "fine-tune from pretrained weights: a torchvision .safetensors, a tfjs model.json (or its folder), an http(s) URL, or a name in $GSA_WEIGHTS_DIR (e.g. resnet18). The body is loaded; a classifier for other classes is replaced by a fresh one; the weights' normalisation is applied for you",
    )
    .addOption(
      new Option(
        '--train <what>',
        'with --pretrained: all layers, or the new classifier only',
      ).choices([...TRAIN_MODES]),
    )
    .option(
      '--freeze-until <layer>',
      'with --pretrained: freeze this layer (a torchvision module: layer2, features.denseblock2, ...) and all before it',
    )
    .option(
      '--head-learning-rate <rate>',
      "the classifier's own learning rate (default: --learning-rate)",
      numberFlag('head-learning-rate'),
    )
    .addOption(new Option('--backend <name>', 'tfjs backend (default auto)').choices(BACKENDS))
    .option('--out <dir>', 'the run directory (default runs/<attention>-<backbone>-seed<s>)')
    .option('--config <file>', 'YAML or JSON settings; flags override them')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--force', 'overwrite a non-empty --out')
    .option('--json', "print summary.json's contents (and the run directory) as JSON at the end");
  for (const [alias, key] of Object.entries(FLAG_ALIASES))
    train.addOption(
      new Option(`--${alias} <value>`)
        .hideHelp()
        .argParser(key === 'mapLearningRate' ? mapRateFlag : numberFlag(alias)),
    );
  addDisplayOptions(train)
    .addHelpText(
      'after',
      '\nExamples:\n  gsa train --data medmnist:pneumoniamnist.npz --backbone smallcnn --epochs 20 --out runs/pneumonia\n  gsa train --config train.yaml --seed 3 --resume\n  gsa train --data folder:fundus --size 224 --backbone resnet18 --pretrained resnet18 --head-learning-rate 1e-3   # GSA_WEIGHTS_DIR/resnet18.safetensors\n  gsa train --data folder:data/synth --colormap gray --darker-is-important   # the paper\'s figures\n\nThe run directory gets attention-map.png/.svg/.npy (the SVG\'s colour bar is labelled with the map\'s\nmin and max) and report.html: the map before and after learning, and Grad-CAM of the first test images.\n\nThe run directory has one owner: .gsa-lock names the process training it, and a second gsa train\non it is refused. summary.json\'s "status" is "completed", "interrupted" (Ctrl-C or SIGTERM: exit 130\nor 143; continue with --resume) or "failed" (with the error). split.json lists the held-out images.\n',
    )
    .action(async (options: TrainFlags, command: Command) => {
      const {
        config: configFile,
        resume,
        force,
        colormap,
        darkerIsImportant,
        json,
        ...flags
      } = options;
      // Commander fills in the --no-* flags' defaults; only a flag given by the user overrides the config file.
      for (const key of ['groupSplit', 'standardizePixels'])
        if (command.getOptionValueSource(key) === 'default') delete flags[key];
      takeFlagAliases(flags);
      const config = await resolveTrainConfig(flags, configFile);
      const { train } = await import('@gsa/pipeline/node');
      const { useBackend, describeBackend } = await import('@gsa/backends');
      const { describeMapStatistics } = await import('@gsa/attention');
      const backend = await useBackend(config.backend, { log: output.note });
      if (config.backend !== 'auto') output.note(`gsa: backend ${describeBackend(backend)}`);
      const { value: run, signal: stoppedBy } = await withInterrupt(output, (signal) =>
        train(config, {
          resume: resume ?? false,
          force: force ?? false,
          signal,
          log: output.note,
          progress: !output.quiet,
          backend: describeBackend(backend),
          display: displayFrom({
            ...(typeof colormap === 'string' ? { colormap } : {}),
            darkerIsImportant: darkerIsImportant === true,
          }),
        }),
      );
      if (run.summary.status === 'interrupted') {
        output.note(
          `gsa: interrupted after epoch ${run.summary.epochs} of ${run.summary.epochsPlanned}; summary.json says "interrupted". Continue with the same command and --resume (--out ${config.out}).`,
        );
        exitCode = stoppedBy === 'SIGTERM' ? 143 : 130;
      }
      if (json) {
        output.result(JSON.stringify({ run: config.out, ...run.summary }, null, 2));
        return;
      }
      output.result(
        `${run.summary.status === 'interrupted' ? 'interrupted: ' : ''}test accuracy ${(run.summary.testAccuracy * 100).toFixed(2)}% (${config.attention}, ${config.backbone})` +
          (run.summary.map ? `; map ${describeMapStatistics(run.summary.map)}` : '') +
          `; run directory ${config.out}`,
      );
    });

  program
    .command('eval')
    .description(
      "score a run's deployed model: accuracy, balanced accuracy, macro-F1, kappas, ROC-AUC, per-class table, confusion matrix",
    )
    .requiredOption('--run <dir>', 'a run directory of gsa train')
    .option(
      '--data <spec>',
      "another dataset with the same classes (its test split if it has one, else every image); default: the run's own held-out test split",
    )
    .option('--json', 'print JSON instead of text')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('auto'))
    .addHelpText(
      'after',
      '\nExamples:\n  gsa eval --run runs/pneumonia\n  gsa eval --run runs/pneumonia --data folder:/data/external-xrays --json\n\nWrites eval.json (or eval-<name>.json for --data) into the run directory.\n',
    )
    .action(async (options: { run: string; data?: string; json?: boolean; backend: string }) => {
      const { useBackend } = await import('@gsa/backends');
      await useBackend(options.backend as BackendChoice, {
        log: output.verbose ? output.note : undefined,
      });
      const { evaluateRun } = await import('@gsa/pipeline/node');
      const { formatEvaluation } = await import('./format.js');
      const report = await evaluateRun(options.run, {
        ...(options.data === undefined ? {} : { data: options.data }),
        log: output.note,
      });
      output.result(options.json ? JSON.stringify(report, null, 2) : formatEvaluation(report));
    });

  program
    .command('predict')
    .description(
      'classify images with a trained model (the map is baked in: no training images needed)',
    )
    .requiredOption('--model <dir>', 'a model/ folder of a run, or one made by gsa export')
    .option('--json', 'print JSON instead of a table')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('auto'))
    .argument('<images...>', 'image files (PNG, JPEG, TIFF, PGM)')
    .addHelpText(
      'after',
      '\nExample:\n  gsa predict --model runs/pneumonia/model xray1.png xray2.png\n',
    )
    .action(
      async (images: string[], options: { model: string; json?: boolean; backend: string }) => {
        const { useBackend } = await import('@gsa/backends');
        await useBackend(options.backend as BackendChoice, {
          log: output.verbose ? output.note : undefined,
        });
        const { predictImages } = await import('@gsa/pipeline/node');
        const { formatPredictions } = await import('./format.js');
        const predictions = await predictImages(options.model, images);
        output.result(
          options.json ? JSON.stringify(predictions, null, 2) : formatPredictions(predictions),
        );
      },
    );

  program
    .command('export')
    .description(
      "copy a run's deployable model (map baked in) to a folder: for plain tfjs, or for PyTorch (torchvision)",
    )
    .requiredOption('--run <dir>', 'a run directory')
    .requiredOption('--out <dir>', 'where the model goes')
    .addOption(
      new Option(
        '--format <format>',
        "tfjs: a tfjs layers model of tfjs's own layers, which plain @tensorflow/tfjs loads (no gsa package), with gsa.json; gsa: model/ as the run saved it; torchvision: backbone.safetensors (the state_dict), map.npy and model.py, which rebuilds it with torchvision",
      )
        .choices([...EXPORT_FORMATS])
        .default('tfjs'),
    )
    .option('--force', 'overwrite --out (the old export stays until the new one is complete)')
    .option('--json', 'print JSON instead of a sentence')
    .addHelpText(
      'after',
      '\nExamples:\n  gsa export --run runs/pneumonia --out models/pneumonia\n  gsa export --run runs/fundus --out models/fundus-torch --format torchvision\n  python3 models/fundus-torch/model.py images.npy logits.npy\n',
    )
    .action(
      async (options: {
        run: string;
        out: string;
        format: ExportFormat;
        force?: boolean;
        json?: boolean;
      }) => {
        const { exportModel } = await import('@gsa/pipeline/node');
        const { useBackend } = await import('@gsa/backends');
        await useBackend('cpu');
        await exportModel(options.run, options.out, {
          force: options.force ?? false,
          format: options.format,
        });
        if (options.json) {
          output.result(
            JSON.stringify(
              { run: options.run, model: options.out, format: options.format },
              null,
              2,
            ),
          );
          return;
        }
        output.result(
          options.format === 'torchvision'
            ? `model exported to ${options.out} for PyTorch: load it with model.py's load() (torch, torchvision, numpy)`
            : options.format === 'gsa'
              ? `model exported to ${options.out} as the run saved it (tf.loadLayersModel; for a backbone with layers of its own, import @gsa/backbones first)`
              : `model exported to ${options.out}: tf.loadLayersModel loads it in plain @tensorflow/tfjs, no gsa package needed`,
        );
      },
    );

  const map = program
    .command('map')
    .description(
      "render a run's attention map (PNG, SVG with a labelled colour bar, .npy), optionally over an image, and Grad-CAM for an image",
    )
    .requiredOption('--run <dir>', 'a run directory')
    .option('--overlay <image>', 'also draw the map over this image (attention-overlay.png)')
    .option(
      '--gradcam <image>',
      "also write image | global map | Grad-CAM of the run's model for this image (gradcam-<image>.png)",
    )
    .option(
      '--layer <name>',
      "the layer Grad-CAM explains (default: the backbone's last feature map, e.g. block4.relu for smallcnn)",
    )
    .addOption(
      new Option('--backend <name>', 'tfjs backend for --gradcam')
        .choices(BACKENDS)
        .default('auto'),
    )
    .option('--json', 'print the files written as JSON');
  addDisplayOptions(map)
    .addHelpText(
      'after',
      '\nExamples:\n  gsa map --run runs/synth --overlay data/synth/img-0000.png\n  gsa map --run runs/synth --colormap gray --darker-is-important\n  gsa map --run runs/synth --gradcam data/synth/img-0003.png [--layer block3.relu]\n',
    )
    .action(async (options: MapFlags) => {
      if (options.layer !== undefined && options.gradcam === undefined)
        throw new UsageError('--layer chooses the Grad-CAM layer: pass --gradcam IMAGE with it.');
      if (options.gradcam !== undefined) {
        const { useBackend } = await import('@gsa/backends');
        await useBackend(options.backend as BackendChoice, {
          log: output.verbose ? output.note : undefined,
        });
      }
      const { renderRunMap } = await import('@gsa/pipeline/node');
      const written = await renderRunMap(options.run, {
        ...(options.overlay ? { overlay: options.overlay } : {}),
        ...(options.gradcam ? { gradcam: options.gradcam } : {}),
        ...(options.layer ? { layer: options.layer } : {}),
        display: displayFrom(options),
        log: output.note,
      });
      output.result(
        options.json ? JSON.stringify({ run: options.run, written }, null, 2) : written.join('\n'),
      );
    });

  program
    .command('experiment')
    .description(
      'run a grid (datasets x backbones x attention modes x hyperparameters x seeds) under the paper protocol; resumable',
    )
    .requiredOption('--config <file>', 'the grid file (YAML or JSON)')
    .option('--out <dir>', 'the experiment directory (default experiments/<grid file name>)')
    .option('--workers <n>', 'local worker processes (default 1)', numberFlag('workers'), 1)
    .option(
      '--queue <url>',
      'put the cells on a BullMQ queue at redis://[user:password@]HOST:PORT (rediss:// for TLS) for `gsa worker`s anywhere',
    )
    .option(
      '--attempts <n>',
      'tries per cell before it is marked failed (default 2)',
      numberFlag('attempts'),
      2,
    )
    .addOption(
      new Option('--backend <name>', 'tfjs backend of the local workers')
        .choices(BACKENDS)
        .default('auto'),
    )
    .option('--json', 'print the outcome (directory, cells done and failed, files written) as JSON')
    .addHelpText(
      'after',
      `
A grid file holds the train settings in camelCase; a list means one cell per value:
  data: jaffe:/data/jaffe        # or a list of SPECs
  backbones: [smallcnn, resnet18]
  attention: [none, l1, global]
  size: 64
  epochs: 100
  cutoffEpoch: 25
  channels: [32, 64]
  lambda: [0.01, 0.001]
  seeds: [0, 1, 2]
  folds: 5                       # the protocol: k-fold CV on the training part,
  topEpochs: 30                  # then test accuracy over the best 30 epochs

Every cell is recorded in <out>/ledger.sqlite; running the same command again
skips finished cells. Writes results.md and results.csv (Table 2 of the paper,
with significance marks), results.json, and sensitivity.svg when K, lambda or
E vary. Query them with: gsa results <out>

Examples:
  gsa experiment --config grid.yaml --workers 2
  GSA_REDIS_PASSWORD=secret gsa experiment --config grid.yaml --queue redis://10.0.0.5:6379

Redis: the password can come from GSA_REDIS_PASSWORD (a password in --queue is
visible to other users in ps); rediss:// is TLS, GSA_REDIS_CA names a PEM file
for a private CA. Logs and the ledger show the URL with the password redacted.
`,
    )
    .action(async (options: ExperimentFlags) => {
      if (!Number.isInteger(options.workers) || options.workers < 1)
        throw new UsageError(
          `--workers expects a positive integer, got ${options.workers}.`,
          'Give how many local worker processes to start, e.g. --workers 2.',
        );
      if (!Number.isInteger(options.attempts) || options.attempts < 1)
        throw new UsageError(
          `--attempts expects a positive integer, got ${options.attempts}.`,
          'Give how often a cell may be tried, e.g. --attempts 2.',
        );
      if (options.queue && options.workers !== 1)
        throw new UsageError(
          '--workers runs local processes; with --queue, start `gsa worker --queue URL` on each machine instead.',
        );
      const { runExperiment } = await import('./experiment/run.js');
      const { readFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const result = await runExperiment(
        {
          config: options.config,
          workers: options.workers,
          backend: options.backend,
          attempts: options.attempts,
          ...(options.out ? { out: options.out } : {}),
          ...(options.queue ? { queue: options.queue } : {}),
        },
        output,
      );
      if (options.json) output.result(JSON.stringify(result, null, 2));
      else {
        output.result(readFileSync(join(result.directory, 'results.md'), 'utf8').trimEnd());
        output.result(`\nresults in ${result.directory}`);
      }
      if (result.failed > 0)
        throw new PipelineError(
          `${result.failed} cell(s) failed; their errors are in results.md.`,
          'Fix the cause and run the same command again: finished cells are kept.',
        );
    });

  program
    .command('worker')
    .description('run cells of an experiment: from a BullMQ queue (any machine) or a local ledger')
    .option('--queue <url>', 'redis://[user:password@]HOST:PORT of `gsa experiment --queue`')
    .option(
      '--ledger <file>',
      "a local experiment's ledger.sqlite (gsa experiment starts these itself)",
    )
    .option('--out <dir>', "where cells' files go (with --ledger)")
    .option(
      '--concurrency <n>',
      'cells at once in this process (with --queue; default 1)',
      numberFlag('concurrency'),
      1,
    )
    .option(
      '--attempts <n>',
      'tries per cell (with --ledger; default 2)',
      numberFlag('attempts'),
      2,
    )
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('auto'))
    .addHelpText(
      'after',
      '\nExamples:\n  gsa worker --queue redis://10.0.0.5:6379 --backend tensorflow\n  GSA_REDIS_PASSWORD=secret gsa worker --queue rediss://redis.example.org:6380 --concurrency 2\n\nThe password can come from GSA_REDIS_PASSWORD; GSA_REDIS_CA names a PEM file for a private CA.\n',
    )
    .action(async (options: WorkerFlags) => {
      if ((options.queue === undefined) === (options.ledger === undefined))
        throw new UsageError('Pass exactly one of --queue URL or --ledger FILE.');
      const { useBackend } = await import('@gsa/backends');
      await useBackend(options.backend as BackendChoice, {
        log: output.verbose ? output.note : undefined,
      });
      if (options.ledger) {
        const { runLocalWorker } = await import('./experiment/run.js');
        await runLocalWorker(
          {
            ledger: options.ledger,
            attempts: options.attempts,
            ...(options.out ? { out: options.out } : {}),
          },
          output,
        );
      } else {
        const { runQueueWorkerCommand } = await import('./experiment/run.js');
        await runQueueWorkerCommand(
          { queue: options.queue!, concurrency: options.concurrency },
          output,
        );
      }
    });

  program
    .command('results')
    .description(
      "an experiment's results: Table 2 (Markdown or CSV) or the cells as JSON, with filters",
    )
    .argument('<dir>', 'the experiment directory (--out of gsa experiment)')
    .addOption(
      new Option('--format <f>', 'md | csv | json').choices(['md', 'csv', 'json']).default('md'),
    )
    .addOption(
      new Option('--state <s>', 'only cells in this state (json)').choices([
        'pending',
        'running',
        'done',
        'failed',
      ]),
    )
    .option(
      '--where <key=value...>',
      'only cells whose config has these values, e.g. --where backbone=resnet18 attention=global',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  gsa results experiments/grid\n  gsa results experiments/grid --format csv > table2.csv\n  gsa results experiments/grid --format json --state failed\n',
    )
    .action(async (directory: string, options: ResultsFlags) => {
      const { renderExperimentResults } = await import('./experiment/run.js');
      output.result(renderExperimentResults(directory, options));
    });

  const datasets = program.command('datasets').description('make or inspect datasets');
  datasets
    .command('synth')
    .description('write the synthetic structured dataset (PNGs, labels.csv, mask.png)')
    .requiredOption('--out <dir>', 'destination folder')
    .option('--count <n>', 'images (default 200)', numberFlag('count'))
    .option('--size <px>', 'image side (default 64)', numberFlag('size'))
    .option('--classes <n>', 'classes (default 2)', numberFlag('classes'))
    .option('--difficulty <d>', '0 (easy) to 1 (hard), default 0.5', numberFlag('difficulty'))
    .option('--seed <s>', 'seed (default 0)', numberFlag('seed'))
    .option('--force', 'overwrite a non-empty --out')
    .option('--json', 'print what was written as JSON')
    .action(async (options: SynthFlags) => {
      const { writeSyntheticDataset } = await import('@gsa/data/node');
      const { out, force, json, ...rest } = options;
      try {
        const written = await writeSyntheticDataset(out, { ...rest, overwrite: force ?? false });
        output.result(
          json
            ? JSON.stringify(written, null, 2)
            : `${written.count} images, labels.csv and mask.png written to ${written.directory}`,
        );
      } catch (error) {
        throw new PipelineError(
          (error as Error).message,
          'Pass --force to overwrite, or another --out.',
        );
      }
    });
  datasets
    .command('inspect')
    .description('counts per class, image size, the structured check, and a contact sheet PNG')
    .argument('<spec>', 'a data SPEC, as for train --data')
    .option(
      '--sheet <file>',
      'where the contact sheet goes (default: <dataset name>-contact-sheet.png here)',
    )
    .option('--no-sheet', 'write no contact sheet')
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      '\nExamples:\n  gsa datasets inspect folder:data/synth\n  gsa datasets inspect "dicom:/data/xrays?labels=labels.csv" --sheet /tmp/xrays.png\n',
    )
    .action(async (spec: string, options: { sheet?: string | boolean; json?: boolean }) => {
      // Decoding and the contact sheet are light: the plain JS backend starts at once.
      const { useBackend } = await import('@gsa/backends');
      await useBackend('cpu');
      const { inspectDataset, datasetLabel } = await import('@gsa/pipeline/node');
      const sheet =
        options.sheet === false
          ? false
          : typeof options.sheet === 'string'
            ? options.sheet
            : `${datasetLabel(spec.split('?')[0]!).replace(/[^A-Za-z0-9._-]+/g, '_')}-contact-sheet.png`;
      const inspection = await inspectDataset(spec, sheet);
      output.result(
        options.json
          ? JSON.stringify({ ...inspection, text: undefined }, null, 2)
          : inspection.text,
      );
    });

  program
    .command('maps')
    .description('compare learned maps')
    .command('compare')
    .description(
      'how alike the maps of runs on the same data are (seeds, folds): pairwise Pearson r and the overlap (IoU) of their top 10% pixels',
    )
    .argument('<runs...>', 'two or more run directories of gsa train')
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      '\nExamples:\n  gsa maps compare runs/global-smallcnn-seed0 runs/global-smallcnn-seed1 runs/global-smallcnn-seed2\n  gsa maps compare runs/*-seed* --json\n\nA run trained beside siblings (same data and settings, other seeds, in the same folder)\nreports the same numbers in summary.json (mapStability) and report.html.\n',
    )
    .action(async (runs: string[], options: { json?: boolean }) => {
      const { compareRunMaps, describeMapAgreement } = await import('@gsa/pipeline/node');
      const comparison = compareRunMaps(runs);
      if (options.json) {
        output.result(JSON.stringify(comparison, null, 2));
        return;
      }
      const { stability } = comparison;
      const width = Math.max(...runs.map((run) => run.length));
      output.result(
        [
          `${runs.length} maps of ${comparison.height}x${comparison.width}: ${describeMapAgreement(stability)}`,
          '',
          `${'run'.padEnd(width)}  ${'run'.padEnd(width)}  pearson  top-10% IoU`,
          ...stability.pairs.map(
            ([i, j, pearson, overlap]) =>
              `${runs[i]!.padEnd(width)}  ${runs[j]!.padEnd(width)}  ${pearson.toFixed(3).padStart(7)}  ${overlap.toFixed(3).padStart(11)}`,
          ),
        ].join('\n'),
      );
    });

  addSourcesHelp(train);
  train.addHelpText('after', () => backbonesHelp);
  addSourcesHelp(
    program.commands
      .find((command) => command.name() === 'datasets')
      ?.commands.find((command) => command.name() === 'inspect'),
  );
  try {
    // Help lists the registered data sources: load the registry only when help is asked for.
    if (argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help')) {
      await loadSourcesHelp();
      await loadBackbonesHelp();
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error, output);
  }
}

interface TrainFlags extends Record<string, unknown> {
  config?: string;
  resume?: boolean;
  force?: boolean;
}

interface MapFlags {
  run: string;
  json?: boolean;
  overlay?: string;
  gradcam?: string;
  layer?: string;
  backend: string;
  colormap?: string;
  darkerIsImportant?: boolean;
}

interface ExperimentFlags {
  config: string;
  json?: boolean;
  out?: string;
  workers: number;
  queue?: string;
  attempts: number;
  backend: string;
}

interface WorkerFlags {
  queue?: string;
  ledger?: string;
  out?: string;
  concurrency: number;
  attempts: number;
  backend: string;
}

export interface ResultsFlags {
  format: 'md' | 'csv' | 'json';
  state?: 'pending' | 'running' | 'done' | 'failed';
  where?: string[];
}

interface SynthFlags {
  out: string;
  json?: boolean;
  count?: number;
  size?: number;
  classes?: number;
  difficulty?: number;
  seed?: number;
  force?: boolean;
}

function report(error: unknown, output: Output): number {
  if (error instanceof CommanderError) {
    // Help and version exit through here with code 0; usage errors were already printed.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof PipelineError) {
    process.stderr.write(`gsa: ${error.message}\n`);
    if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    if (output.verbose && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`gsa: ${message.split('\n')[0]}\n`);
  process.stderr.write(
    output.verbose && error instanceof Error && error.stack
      ? `${error.stack}\n`
      : 'hint: run with --verbose for details.\n',
  );
  return error instanceof UsageError ? 2 : 1;
}

/**
 * Runs `work` with Ctrl-C turned into an abort: the trainer stops after the
 * current step, the last finished epoch stays checkpointed.
 */
async function withInterrupt<T>(
  output: Output,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ value: T; signal?: 'SIGINT' | 'SIGTERM' }> {
  const controller = new AbortController();
  let received: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (received) {
      // A second Ctrl-C: leave now. Every file is written to a temporary name
      // and renamed, so nothing is left half-written.
      process.stderr.write('gsa: stopped at once; continue with --resume.\n');
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    }
    received = signal;
    output.note(
      'gsa: stopping after this step; the last finished epoch is checkpointed (Ctrl-C again to stop at once; continue with --resume).',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const value = await work(controller.signal);
    return { value, ...(received ? { signal: received } : {}) };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

let sourcesHelp = '';

/** The data SPEC kinds, from @gsa/data's registry of sources (dicom: and nifti: included). */
async function loadSourcesHelp(): Promise<void> {
  await import('@gsa/data/medical');
  const { datasetSources } = await import('@gsa/data/node');
  sourcesHelp = [
    '\nData SPEC kinds (a plain path is recognised by what it holds):',
    ...datasetSources().map((source) => `  ${source.kind}:${source.syntax}`),
  ].join('\n');
}

function addSourcesHelp(command: Command | undefined): void {
  command?.addHelpText('after', () => sourcesHelp);
}

let backbonesHelp = '';

/** The backbones of @gsa/backbones' registry, by name, for `gsa train --help`. */
async function loadBackbonesHelp(): Promise<void> {
  const { listBackbones } = await import('@gsa/backbones');
  const entries = listBackbones();
  const width = Math.max(...entries.map((entry) => entry.name.length));
  backbonesHelp = [
    '\nBackbones (--backbone):',
    ...entries.map(
      (entry) =>
        `  ${entry.name.padEnd(width)}  ${entry.displayName ?? entry.name}, ${entry.family}${entry.hasLocalAttention ? ', attention maps of its own' : ''}; pretrained input: ${entry.inputNormalization}`,
    ),
  ].join('\n');
}
