import { join } from 'node:path';
import { DECIDED_MARGIN, describeMapStatistics } from '@gsa/attention';
import type { Output } from './output.js';

/** `gsa demo`'s flags. */
export interface DemoFlags {
  out: string;
  backend: string;
  epochs?: number;
  size?: number;
  count?: number;
  force?: boolean;
  json?: boolean;
}

const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;

/** `gsa demo`: the pipeline's demo on the chosen backend, its comparison printed. */
export async function runDemoCommand(flags: DemoFlags, output: Output): Promise<void> {
  const { useBackend, describeBackend } = await import('@gsa/backends');
  const { runDemo } = await import('@gsa/pipeline/node');
  const backend = await useBackend(flags.backend as 'auto', { log: output.note });
  const result = await runDemo({
    out: flags.out,
    backend: describeBackend(backend),
    ...(flags.epochs === undefined ? {} : { epochs: flags.epochs }),
    ...(flags.size === undefined ? {} : { size: flags.size }),
    ...(flags.count === undefined ? {} : { count: flags.count }),
    ...(flags.force === undefined ? {} : { force: flags.force }),
    log: output.note,
    progress: !output.quiet,
  });
  if (flags.json) {
    output.result(JSON.stringify(result, null, 2));
    return;
  }
  const { vanilla, global, lastEpochs } = result;
  output.result(
    [
      '',
      'gsa demo: same backbone (smallcnn, global average pooling), same split, same budget',
      `  vanilla           test accuracy ${percent(vanilla.lastEpochsAccuracy)} (mean of the last ${lastEpochs} epochs; last ${percent(vanilla.accuracy)})`,
      `  global attention  test accuracy ${percent(global.lastEpochsAccuracy)} (mean of the last ${lastEpochs} epochs; last ${percent(global.accuracy)})   map ROC-AUC vs true region ${global.auc?.toFixed(3) ?? '-'}`,
      ...(global.map ? [`  learned map: ${describeMapStatistics(global.map)}`] : []),
      ...(global.regionDecision
        ? [
            `  against the true region: ${percent(global.regionDecision.regionAbove)} of it > ${1 - DECIDED_MARGIN}, ` +
              `${percent(global.regionDecision.restBelow)} of the rest < ${DECIDED_MARGIN}, ` +
              `${percent(global.regionDecision.restAbove)} of the rest > ${1 - DECIDED_MARGIN}`,
          ]
        : []),
      `  reports: ${join(vanilla.directory, 'report.html')}, ${join(global.directory, 'report.html')}`,
      `  took ${result.seconds.toFixed(0)} s`,
    ].join('\n'),
  );
}
