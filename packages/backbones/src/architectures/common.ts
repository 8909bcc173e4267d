import type { BackboneOptions, BackboneOutput } from '../types.js';
import { NetworkBuilder } from './network-builder.js';

/** `round(channels * width)`, at least 1: how width settings scale a layer. */
export function scaleChannels(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}

export interface ResolvedOptions {
  builder: NetworkBuilder;
  inputShape: [number, number, number];
  numClasses: number;
  output: BackboneOutput;
  name: string;
}

/** Checks the options every backbone shares and fills in their defaults. */
export function resolveOptions(options: BackboneOptions, defaultName: string): ResolvedOptions {
  const numClasses = options.numClasses ?? 1000;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`numClasses must be a positive integer; got ${String(options.numClasses)}.`);
  }
  const output = options.output ?? 'logits';
  if (output !== 'logits' && output !== 'features') {
    throw new Error(`output must be 'logits' or 'features'; got '${String(output)}'.`);
  }
  if (!Array.isArray(options.inputShape) || options.inputShape.length !== 3) {
    throw new Error(
      `inputShape must be [height, width, channels]; got ${JSON.stringify(options.inputShape)}.`,
    );
  }
  return {
    builder: new NetworkBuilder({
      seed: options.seed,
      weightInit: options.weightInit ?? 'default',
    }),
    inputShape: options.inputShape,
    numClasses,
    output,
    name: options.name ?? defaultName,
  };
}

export function requirePositiveWidth(width: number, what: string): number {
  if (!(width > 0) || !Number.isFinite(width)) {
    throw new Error(`${what} must be a positive number; got ${String(width)}.`);
  }
  return width;
}
