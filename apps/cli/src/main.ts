import { Command, CommanderError, Option } from 'commander';
import { CliError, UsageError } from './errors.js';
import { createOutput, type Output } from './output.js';
import { VERSION } from './version.js';
import { numberFlag, rankFlag, resolveTrainConfig } from './config.js';

const BACKENDS = ['auto', 'cpu', 'wasm', 'webgpu', 'tensorflow'];

/** Runs the CLI on `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  let output: Output = createOutput();
  program
    .name('gsa')
    .description(
      'Global spatial attention for CNNs on TensorFlow.js: train, evaluate, map, export, predict.',
    )
    .version(VERSION, '-V, --version')
    .option('--verbose', 'print stack traces with errors')
    .option('-q, --quiet', 'print only results (no progress)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .hook('preAction', (command) => {
      const options = command.opts<{ verbose?: boolean; quiet?: boolean }>();
      output = createOutput({ verbose: options.verbose, quiet: options.quiet });
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
    .addHelpText('after', '\nExample:\n  gsa demo --out /tmp/gsa-demo\n')
    .action(async (options: DemoFlags) => {
      const { runDemo } = await import('./demo.js');
      await runDemo(options, output);
    });

  program
    .command('train')
    .description(
      'train a backbone with global attention, the L1 baseline, or none (vanilla) on your data',
    )
    .option(
      '--data <spec>',
      'folder:PATH | medmnist:FILE.npz | jaffe:DIR | idrid:DIR[:retinopathy|edema] | a path',
    )
    .option('--backbone <name>', 'smallcnn, vgg16, resnet18, ... (see below)')
    .addOption(
      new Option('--attention <mode>', 'global | l1 | none').choices(['global', 'l1', 'none']),
    )
    .option('--size <px>', 'resize images to PX x PX (INTER_AREA)', numberFlag('size'))
    .option('--epochs <n>', 'training epochs (default 30)', numberFlag('epochs'))
    .option(
      '--cutoff <e>',
      'E: the map is frozen after this epoch (default 24% of the epochs, as the paper)',
      numberFlag('cutoff'),
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
      '--lr <lr>',
      'Adam learning rate (default 1e-3; the paper used 1e-4 for 250 epochs)',
      numberFlag('lr'),
    )
    .option(
      '--map-lr <lr>',
      'learning rate of the L1 baseline map (default: --lr)',
      numberFlag('map-lr'),
    )
    .option('--batch <b>', 'batch size (default 32)', numberFlag('batch'))
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
    .option(
      '--test-fraction <f>',
      'held-out fraction when the data has no split column (default 0.2)',
      numberFlag('test-fraction'),
    )
    .option('--pretrained <path>', 'backbone weights: tfjs model.json or torchvision .safetensors')
    .addOption(new Option('--backend <name>', 'tfjs backend (default auto)').choices(BACKENDS))
    .option('--out <dir>', 'the run directory (default runs/<attention>-<backbone>-seed<s>)')
    .option('--config <file>', 'YAML or JSON settings; flags override them')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--force', 'overwrite a non-empty --out')
    .addHelpText(
      'after',
      '\nExamples:\n  gsa train --data medmnist:pneumoniamnist.npz --backbone smallcnn --epochs 20 --out runs/pneumonia\n  gsa train --config train.yaml --seed 3 --resume\n',
    )
    .action(async (options: TrainFlags) => {
      const { config: configFile, resume, force, ...flags } = options;
      const config = resolveTrainConfig(flags, configFile);
      const { runTraining } = await import('./train-run.js');
      const { writeRunArtifacts } = await import('./artifacts.js');
      const run = await runTraining(config, output, {
        resume: resume ?? false,
        force: force ?? false,
      });
      await writeRunArtifacts(config.out, config, run);
      output.result(
        `test accuracy ${(run.summary.testAccuracy * 100).toFixed(2)}% (${config.attention}, ${config.backbone}); run directory ${config.out}`,
      );
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
        await useBackend(options.backend as 'auto', {
          log: output.verbose ? output.note : undefined,
        });
        const { predictImages, formatPredictions } = await import('./predict.js');
        const predictions = await predictImages(options.model, images);
        output.result(
          options.json ? JSON.stringify(predictions, null, 2) : formatPredictions(predictions),
        );
      },
    );

  program
    .command('export')
    .description("copy a run's deployable model (map baked in) to a folder")
    .requiredOption('--run <dir>', 'a run directory')
    .requiredOption('--out <dir>', 'where the model goes')
    .option('--force', 'overwrite --out')
    .action(async (options: { run: string; out: string; force?: boolean }) => {
      const { exportModel } = await import('./artifacts.js');
      exportModel(options.run, options.out, options.force ?? false);
      output.result(
        `model exported to ${options.out} (load it with tf.loadLayersModel after importing @gsa/attention)`,
      );
    });

  program
    .command('map')
    .description("render a run's attention map (PNG, .npy), optionally over an image")
    .requiredOption('--run <dir>', 'a run directory')
    .option('--overlay <image>', 'also draw the map over this image')
    .action(async (options: { run: string; overlay?: string }) => {
      const { renderRunMap } = await import('./artifacts.js');
      const written = await renderRunMap(options.run, options.overlay);
      output.result(written.join('\n'));
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
    .action(async (options: SynthFlags) => {
      const { writeSyntheticDataset } = await import('@gsa/data');
      const { out, force, ...rest } = options;
      try {
        const written = await writeSyntheticDataset(out, { ...rest, overwrite: force ?? false });
        output.result(
          `${written.count} images, labels.csv and mask.png written to ${written.directory}`,
        );
      } catch (error) {
        throw new CliError(
          (error as Error).message,
          'Pass --force to overwrite, or another --out.',
        );
      }
    });
  datasets
    .command('inspect')
    .description('counts per class, image size, the structured check')
    .argument('<spec>', 'a data SPEC, as for train --data')
    .action(async (spec: string) => {
      const { inspectDataset } = await import('./inspect.js');
      output.result(await inspectDataset(spec));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return report(error, output);
  }
}

interface DemoFlags {
  out: string;
  backend: string;
  epochs?: number;
  size?: number;
  count?: number;
  force?: boolean;
}

interface TrainFlags extends Record<string, unknown> {
  config?: string;
  resume?: boolean;
  force?: boolean;
}

interface SynthFlags {
  out: string;
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
  if (error instanceof CliError) {
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
