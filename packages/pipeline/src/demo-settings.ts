// The demo's settings, shared by `gsa demo` and the docs site's live demo.

/** The demo's defaults: sized to finish in a few minutes on two CPU cores. */
export const DEMO_DEFAULTS = {
  size: 32,
  count: 240,
  epochs: 16,
  cutoffEpoch: 6,
  difficulty: 0.1,
  channels: 8,
  widths: [16, 32, 64],
} as const;

/**
 * The demo's run settings for `data` (a SPEC): the ones `gsa demo` and the
 * docs site's live demo both train with, so the two give the same result on
 * the same images.
 */
export function demoRunSettings(
  data: string,
  attention: 'none' | 'global',
  epochs: number = DEMO_DEFAULTS.epochs,
): Record<string, unknown> {
  return {
    data,
    backbone: 'smallcnn',
    backboneOptions: { widths: [...DEMO_DEFAULTS.widths] },
    attention,
    epochs,
    ...(attention === 'global'
      ? {
          cutoffEpoch: Math.min(epochs, DEMO_DEFAULTS.cutoffEpoch),
          channels: DEMO_DEFAULTS.channels,
        }
      : {}),
    learningRate: 3e-3,
    batchSize: 16,
    seed: 0,
  };
}
