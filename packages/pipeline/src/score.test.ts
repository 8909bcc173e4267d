import { classificationReport } from '@gsa/eval';
import { scoreProbabilities } from './score.js';

describe('scoreProbabilities', () => {
  const truth = [0, 0, 1, 1, 2, 2];
  const probabilities = [
    [0.7, 0.2, 0.1],
    [0.3, 0.6, 0.1],
    [0.1, 0.8, 0.1],
    [0.2, 0.5, 0.3],
    [0.1, 0.1, 0.8],
    [0.5, 0.1, 0.4],
  ].map((row) => Float32Array.from(row));

  it("gives @gsa/eval's metrics of the argmax, and the mean cross-entropy", () => {
    const score = scoreProbabilities(truth, probabilities, ['a', 'b', 'c']);
    const report = classificationReport(truth, [0, 1, 1, 1, 2, 0], 3);
    expect(score.accuracy).toBeCloseTo(4 / 6, 12);
    expect(score.confusionMatrix).toEqual(report.confusionMatrix);
    expect(score.macroF1).toBe(report.macroF1);
    expect(score.perClass.map((row) => row.className)).toEqual(['a', 'b', 'c']);
    expect(score.perClass[1]).toMatchObject(report.perClass[1]!);
    const crossEntropy =
      -(
        Math.log(0.7) +
        Math.log(0.3) +
        Math.log(0.8) +
        Math.log(0.5) +
        Math.log(0.8) +
        Math.log(0.4)
      ) / 6;
    expect(score.loss).toBeCloseTo(crossEntropy, 6);
    expect(score.rocAuc).toBeGreaterThan(0.5);
    expect(score.images).toBe(6);
  });

  it('has no ROC-AUC when a class is absent from the scored images', () => {
    const score = scoreProbabilities([0, 1], probabilities.slice(0, 2), ['a', 'b', 'c']);
    expect(score.rocAuc).toBeNull();
  });
});
