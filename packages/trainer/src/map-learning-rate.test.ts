import {
  DEFAULT_MAP_LEARNING_RATE_RULE,
  MAP_LEARNING_RATE_RULES,
  mapLearningRates,
} from './map-learning-rate.js';

// The pixel CNN's weights for D = 400 channels, K = 8: conv1 kernel/bias, output kernel/bias.
const weights = [
  { name: 'conv1/kernel', shape: [3, 3, 400, 8] },
  { name: 'conv1/bias', shape: [8] },
  { name: 'output/kernel', shape: [1, 1, 8, 1] },
  { name: 'output/bias', shape: [1] },
];

describe('mapLearningRates', () => {
  it('gives each rule its rates per weight', () => {
    const context = { learningRate: 0.004, pixelChannels: 400 };
    const rates = (rule: keyof typeof MAP_LEARNING_RATE_RULES) =>
      mapLearningRates(weights, context, rule);
    expect(rates('uniformFanIn')).toEqual(Array(4).fill(0.004 * (32 / 400)));
    expect(rates('backbone')).toEqual(Array(4).fill(0.004));
    expect(rates('inverseSqrt')[0]).toBeCloseTo(0.004 * Math.sqrt(32 / 400), 12);
    expect(rates('inputFanIn')).toEqual([0.004 * (32 / 400), 0.004, 0.004, 0.004]);
    // A fixed number is every weight's rate.
    expect(mapLearningRates(weights, context, 0.02)).toEqual(Array(4).fill(0.02));
  });

  it('keeps the backbone rate for D <= 32 and uses the default rule when none is given', () => {
    expect(mapLearningRates(weights, { learningRate: 0.01, pixelChannels: 16 })).toEqual(
      mapLearningRates(
        weights,
        { learningRate: 0.01, pixelChannels: 16 },
        DEFAULT_MAP_LEARNING_RATE_RULE,
      ),
    );
    expect(
      mapLearningRates(weights, { learningRate: 0.01, pixelChannels: 16 }, 'uniformFanIn'),
    ).toEqual(Array(4).fill(0.01));
  });

  it("moves a grey image's total first-kernel weight alike whether it is stored as 1 or 3 channels", () => {
    // Three identical copies of a weight each step by rate(3N); together they step 3 x rate(3N).
    for (const rule of Object.keys(
      MAP_LEARNING_RATE_RULES,
    ) as (keyof typeof MAP_LEARNING_RATE_RULES)[]) {
      if (rule === 'backbone' || rule === 'inverseSqrt') continue; // not 1/D rules: they differ
      const grey = mapLearningRates(weights, { learningRate: 0.01, pixelChannels: 200 }, rule)[0]!;
      const rgb = mapLearningRates(weights, { learningRate: 0.01, pixelChannels: 600 }, rule)[0]!;
      expect(3 * rgb).toBeCloseTo(grey, 12);
    }
  });

  it('refuses unknown rules and rates that are not positive numbers, naming them', () => {
    const context = { learningRate: 0.01, pixelChannels: 64 };
    expect(() => mapLearningRates(weights, context, 'fast' as never)).toThrow(
      "Unknown map learning-rate rule 'fast'. Choose one of: inputFanIn, uniformFanIn, backbone, inverseSqrt",
    );
    expect(() => mapLearningRates(weights, context, 0)).toThrow('positive number, got 0');
    expect(() => mapLearningRates(weights, context, Number.NaN)).toThrow('got NaN');
    expect(() => mapLearningRates(weights, context, () => -1)).toThrow(
      "gave -1 for 'conv1/kernel'",
    );
  });
});
