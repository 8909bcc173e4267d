// How fast the pixel CNN learns, per weight. Adam moves every weight by about
// its learning rate per step, whatever its fan-in. The pixel CNN's first
// kernel reads D channels that move together (every channel is an image of
// the same layout), so one step shifts its pre-activations by about
// lr x 9 x D x |x|: the same rate that suits the backbone swings a map over
// a large exact P into saturation, while a rate small enough for that first
// kernel starves the rest of the pixel CNN (K -> 1 output conv, biases) and
// the map never leaves 0.5. Rules decide rate per weight; see the README's
// map study for the measurements behind the default.

/** One pixel-CNN weight, as a rule sees it. */
export interface MapWeight {
  /** Position in the layer's weights: 0 is the first conv's kernel (the one that reads P). */
  index: number;
  name: string;
  shape: readonly number[];
}

/** What a rule knows about the run. */
export interface MapRateContext {
  /** The backbone's learning rate. */
  learningRate: number;
  /**
   * D, the pixel representation's channels: N x C for the exact P, r for a
   * low-rank basis. A rate in 1/D keeps the first kernel's step the same
   * whether grey images are stored as 1 or 3 identical channels (three copies
   * of a weight each moving lr/3 move their image's total weight by lr).
   */
  pixelChannels: number;
}

/** A rule: the learning rate of one pixel-CNN weight. */
export type MapLearningRateRule = (weight: MapWeight, context: MapRateContext) => number;

/** Channels up to which the first kernel trains at the backbone's rate. */
export const PIXEL_CNN_RATE_CHANNELS = 32;

const scaledBy = (context: MapRateContext, factor: number) =>
  context.learningRate * Math.min(1, factor);

/**
 * The rules compared in the map study (bench/map-study.bench.ts):
 * - `inputFanIn` (default): the first kernel at lr x min(1, 32 / D), every
 *   other weight at the backbone's rate.
 * - `uniformFanIn`: every pixel-CNN weight at lr x min(1, 32 / D) (gsa's
 *   default before the study: maps stayed near 0.5).
 * - `backbone`: every weight at the backbone's rate (PyTorch's single rate).
 * - `inverseSqrt`: every weight at lr x min(1, sqrt(32 / D)).
 */
export const MAP_LEARNING_RATE_RULES = {
  inputFanIn: (weight, context) =>
    weight.index === 0
      ? scaledBy(context, PIXEL_CNN_RATE_CHANNELS / context.pixelChannels)
      : context.learningRate,
  uniformFanIn: (_weight, context) =>
    scaledBy(context, PIXEL_CNN_RATE_CHANNELS / context.pixelChannels),
  backbone: (_weight, context) => context.learningRate,
  inverseSqrt: (_weight, context) =>
    scaledBy(context, Math.sqrt(PIXEL_CNN_RATE_CHANNELS / context.pixelChannels)),
} satisfies Record<string, MapLearningRateRule>;

export type MapLearningRateRuleName = keyof typeof MAP_LEARNING_RATE_RULES;

/** The rules' names, for option parsers (`--map-learning-rate inputFanIn`). */
export const MAP_LEARNING_RATE_RULE_NAMES = Object.keys(MAP_LEARNING_RATE_RULES) as [
  MapLearningRateRuleName,
  ...MapLearningRateRuleName[],
];

export const DEFAULT_MAP_LEARNING_RATE_RULE: MapLearningRateRuleName = 'inputFanIn';

/**
 * The learning rate of each pixel-CNN weight, in the layer's weight order.
 * `rate` is a fixed number for every weight (the `--map-learning-rate` override), a rule's
 * name or a rule; absent, the default rule.
 */
export function mapLearningRates(
  weights: readonly { name: string; shape: readonly number[] }[],
  context: MapRateContext,
  rate: number | MapLearningRateRuleName | MapLearningRateRule = DEFAULT_MAP_LEARNING_RATE_RULE,
): number[] {
  if (typeof rate === 'number') {
    if (!(Number.isFinite(rate) && rate > 0)) {
      throw new RangeError(`The map's learning rate must be a positive number, got ${rate}.`);
    }
    return weights.map(() => rate);
  }
  let rule: MapLearningRateRule;
  if (typeof rate === 'string') {
    if (!Object.hasOwn(MAP_LEARNING_RATE_RULES, rate)) {
      throw new RangeError(
        `Unknown map learning-rate rule '${rate}'. Choose one of: ${Object.keys(MAP_LEARNING_RATE_RULES).join(', ')}, or give a number.`,
      );
    }
    rule = MAP_LEARNING_RATE_RULES[rate];
  } else {
    rule = rate;
  }
  return weights.map((weight, index) => {
    const value = rule({ index, name: weight.name, shape: weight.shape }, context);
    if (!(Number.isFinite(value) && value > 0)) {
      throw new RangeError(
        `The map learning-rate rule gave ${value} for '${weight.name}'; it must be a positive number.`,
      );
    }
    return value;
  });
}
