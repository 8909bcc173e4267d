import {
  confusionMatrixSpec,
  renderChartSvg,
  sensitivitySpec,
  trainingCurvesSpec,
  type EpochRecord,
} from './charts.js';

const history: EpochRecord[] = Array.from({ length: 8 }, (_, index) => ({
  epoch: index + 1,
  phase: index < 5 ? 1 : 2,
  loss: 1 / (index + 1),
  accuracy: 0.5 + index * 0.05,
  validationLoss: 1.2 / (index + 1),
  validationAccuracy: 0.45 + index * 0.05,
}));

describe('charts (SVG in Node, no browser)', () => {
  it('training curves: loss and accuracy panels, both splits, the cut-off epoch marked', async () => {
    const spec = trainingCurvesSpec(history);
    expect(JSON.stringify(spec)).toContain('E = 5: map frozen');
    const svg = await renderChartSvg(spec);
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    for (const text of ['loss', 'accuracy', 'validation', 'train', 'E = 5: map frozen'])
      expect(svg).toContain(text);
  });

  it('training curves without accuracy show loss only; the cut-off can be given', async () => {
    const svg = await renderChartSvg(
      trainingCurvesSpec(
        history.map(({ epoch, phase, loss }) => ({ epoch, phase, loss })),
        { cutoffEpoch: 3 },
      ),
    );
    expect(svg).toContain('E = 3: map frozen');
    expect(svg).not.toContain('>accuracy<');
  });

  it('confusion matrix: one cell per pair with its count, classes in the given order', async () => {
    const spec = confusionMatrixSpec(
      [
        [5, 1, 0],
        [2, 7, 1],
        [0, 0, 9],
      ],
      ['normal', 'mild', 'severe'],
    );
    const svg = await renderChartSvg(spec);
    for (const text of ['normal', 'mild', 'severe', '>7<', '>9<']) expect(svg).toContain(text);
    expect(() => confusionMatrixSpec([[1]], ['a', 'b'])).toThrow(/2x2/);
  });

  it('sensitivity: one panel per parameter present, ordered values, error bars', async () => {
    const spec = sensitivitySpec([
      { parameter: 'K', value: 64, accuracy: 0.66, accuracyStd: 0.02 },
      { parameter: 'K', value: 32, accuracy: 0.64, accuracyStd: 0.02 },
      { parameter: 'lambda', value: 0.001, accuracy: 0.65 },
      { parameter: 'lambda', value: 0.1, accuracy: 0.61 },
      { parameter: 'E', value: 60, accuracy: 0.66 },
    ]);
    expect((spec as { hconcat: unknown[] }).hconcat).toHaveLength(3);
    const svg = await renderChartSvg(spec);
    for (const text of ['K (pixel-CNN channels)', 'lambda', 'E (epochs', '0.001', '>32<', '>64<']) {
      expect(svg).toContain(text);
    }
    expect(svg.indexOf('>32<')).toBeLessThan(svg.indexOf('>64<'));
    expect(() => sensitivitySpec([])).toThrow(RangeError);
  });
});
