import { z } from 'zod';
import { RunConfigSchema, resolveRunConfig } from './config.js';
import { UsageError } from './errors.js';

describe('resolveRunConfig', () => {
  it("fills in defaults, the paper's cut-off (24% of the epochs) and an output directory", () => {
    const config = resolveRunConfig({ data: 'folder:x', epochs: 50 });
    expect(config).toMatchObject({
      backbone: 'smallcnn',
      attention: 'global',
      cutoff: 12,
      lr: 1e-3,
      batch: 32,
      seed: 0,
      groupSplit: true,
      out: 'runs/global-smallcnn-seed0',
    });
    expect(resolveRunConfig({ data: 'x', attention: 'none' }).cutoff).toBe(0);
  });

  it('names every invalid setting and refuses settings that contradict each other', () => {
    expect(() => resolveRunConfig({ data: 'x', lr: -1, batch: 0.5 })).toThrow(
      /Invalid settings: lr: .*; batch: .*\./,
    );
    expect(() => resolveRunConfig({ data: 'x', colour: 'red' })).toThrow(UsageError);
    expect(() => resolveRunConfig({ data: 'x', epochs: 5, cutoff: 6 })).toThrow(
      /--cutoff 6 is after the last epoch \(--epochs 5\)/,
    );
    expect(() => resolveRunConfig({ data: 'x', attention: 'none', cutoff: 2 })).toThrow(
      /--cutoff has no meaning with --attention none/,
    );
  });

  it('validates an extended schema (the CLI adds its backend) with the same rules', () => {
    const schema = RunConfigSchema.extend({ backend: z.enum(['auto', 'cpu']).default('auto') });
    expect(resolveRunConfig({ data: 'x' }, schema).backend).toBe('auto');
    expect(() => resolveRunConfig({ data: 'x', backend: 'gpu' }, schema)).toThrow(/backend/);
  });
});
