import { z } from 'zod';
import { RunConfigSchema, resolveRunConfig } from './config.js';
import { UsageError } from './errors.js';

describe('resolveRunConfig', () => {
  it("fills in defaults, the paper's cut-off (24% of the epochs) and an output directory", () => {
    const config = resolveRunConfig({ data: 'folder:x', epochs: 50 });
    expect(config).toMatchObject({
      backbone: 'smallcnn',
      attention: 'global',
      cutoffEpoch: 12,
      learningRate: 1e-3,
      batchSize: 32,
      seed: 0,
      groupSplit: true,
      out: 'runs/global-smallcnn-seed0',
    });
    expect(resolveRunConfig({ data: 'x', attention: 'none' }).cutoffEpoch).toBe(0);
  });

  it('names every invalid setting and refuses settings that contradict each other', () => {
    expect(() => resolveRunConfig({ data: 'x', learningRate: -1, batchSize: 0.5 })).toThrow(
      /Invalid settings: learningRate: .*; batchSize: .*\./,
    );
    expect(() => resolveRunConfig({ data: 'x', colour: 'red' })).toThrow(UsageError);
    expect(() => resolveRunConfig({ data: 'x', epochs: 5, cutoffEpoch: 6 })).toThrow(
      /--cutoff-epoch 6 is after the last epoch \(--epochs 5\)/,
    );
    expect(() => resolveRunConfig({ data: 'x', attention: 'none', cutoffEpoch: 2 })).toThrow(
      /--cutoff-epoch has no meaning with --attention none/,
    );
  });

  it("speaks the trainer's vocabulary: a gsa 0.x key is an error that names its new name", () => {
    expect(() => resolveRunConfig({ data: 'x', lr: 0.1 })).toThrow(
      "The setting 'lr' is now called 'learningRate'.",
    );
    expect(() => resolveRunConfig({ data: 'x', cutoff: 2 })).toThrow(/'cutoffEpoch'/);
    expect(() => resolveRunConfig({ data: 'x', mapLr: 0.1 })).toThrow(/'mapLearningRate'/);
  });

  it("takes the map's settings of the map study: a rate or a rule, warm-up, decision term, initialisation, raw P", () => {
    const config = resolveRunConfig({
      data: 'x',
      mapLearningRate: 'backbone',
      mapWarmupSteps: 0,
      mapEntropyWeight: 0,
      mapBoundaryWeight: 0,
      mapInitialization: 'glorot',
      standardizePixels: false,
    });
    expect(config).toMatchObject({
      mapLearningRate: 'backbone',
      mapWarmupSteps: 0,
      mapEntropyWeight: 0,
      mapBoundaryWeight: 0,
      mapInitialization: 'glorot',
      standardizePixels: false,
    });
    expect(resolveRunConfig({ data: 'x' })).toMatchObject({
      mapInitialization: 'pytorch',
      standardizePixels: true,
    });
    expect(resolveRunConfig({ data: 'x', mapLearningRate: 0.01 }).mapLearningRate).toBe(0.01);
    expect(resolveRunConfig({ data: 'x' }).align).toBe('none');
    expect(resolveRunConfig({ data: 'x', align: 'translate' }).align).toBe('translate');
    expect(() => resolveRunConfig({ data: 'x', align: 'rigid' })).toThrow(/align/);
    expect(() => resolveRunConfig({ data: 'x', mapLearningRate: 'fast' })).toThrow(
      /mapLearningRate/,
    );
    expect(() =>
      resolveRunConfig({ data: 'x', attention: 'l1', mapLearningRate: 'inputFanIn' }),
    ).toThrow(/is a rule for the pixel CNN; --attention l1 has none/);
    expect(() => resolveRunConfig({ data: 'x', attention: 'l1', mapEntropyWeight: 0.3 })).toThrow(
      "mapEntropyWeight 0.3 is a decision term of the pixel CNN's map; --attention l1 has none.",
    );
    expect(() =>
      resolveRunConfig({ data: 'x', attention: 'none', mapBoundaryWeight: 0.3 }),
    ).toThrow(
      "mapBoundaryWeight 0.3 is a decision term of the pixel CNN's map; --attention none has none.",
    );
  });

  it('validates an extended schema (the CLI adds its backend) with the same rules', () => {
    const schema = RunConfigSchema.extend({ backend: z.enum(['auto', 'cpu']).default('auto') });
    expect(resolveRunConfig({ data: 'x' }, schema).backend).toBe('auto');
    expect(() => resolveRunConfig({ data: 'x', backend: 'gpu' }, schema)).toThrow(/backend/);
  });
});
