import { backboneDefinition } from '@gsa/backbones';
import { IMAGENET_MEAN, IMAGENET_STD } from '@gsa/data';

/** How images must look for a backbone's pretrained weights. */
export interface PretrainedInput {
  /** Per-channel standardisation after scaling to [0, 1]. */
  normalize: { readonly mean: readonly number[]; readonly std: readonly number[] };
  /** RGB weights: grey images are repeated into 3 channels. */
  channels: 3;
  /** The side the weights were trained at (a warning below half of it). */
  weightsInputSize?: number;
}

const MINUS_ONE_TO_ONE = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } as const;

/**
 * The input its pretrained weights expect, from the backbone's registry entry:
 * ImageNet mean/std for torchvision's weights, [-1, 1] for Google's MobileNet;
 * undefined where the weights take any scale (the run's own backbones). With
 * pretrained weights the pipeline applies it itself, so no user can forget it.
 */
export function pretrainedInput(backbone: string): PretrainedInput | undefined {
  const definition = backboneDefinition(backbone);
  const normalize =
    definition.inputNormalization === 'imagenet'
      ? { mean: IMAGENET_MEAN, std: IMAGENET_STD }
      : definition.inputNormalization === 'minus-one-to-one'
        ? MINUS_ONE_TO_ONE
        : undefined;
  if (normalize === undefined) return undefined;
  return {
    normalize,
    channels: 3,
    ...(definition.weightsInputSize === undefined
      ? {}
      : { weightsInputSize: definition.weightsInputSize }),
  };
}

/** Options a backbone needs to match its pretrained weights' layout (torchvision's GoogLeNet transforms its input). */
export function pretrainedBackboneOptions(backbone: string): Record<string, unknown> {
  return backboneDefinition(backbone).family === 'googlenet' ? { transformInput: true } : {};
}
