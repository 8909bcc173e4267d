import {
  accuracy,
  balancedAccuracy,
  binaryRocAuc,
  classificationReport,
  cohenKappa,
  confusionMatrix,
  macroF1,
  rocAucOneVsRest,
} from './metrics.js';
import { readFixture } from './fixtures.fixture.js';

interface MetricCase {
  name: string;
  numClasses: number;
  yTrue: number[];
  yPred: number[];
  scores: number[][];
  accuracy: number;
  confusionMatrix: number[][];
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macroF1: number;
  balancedAccuracy: number;
  cohenKappa: number;
  linearKappa: number;
  quadraticKappa: number;
  rocAuc: number;
}

interface MetricFixture {
  cases: MetricCase[];
  mask: { scores: number[]; mask: boolean[]; rocAuc: number };
}

describe('metrics on hand-computed cases', () => {
  const truth = [0, 0, 0, 1, 1, 2];
  const predicted = [0, 1, 0, 1, 2, 2];

  it('counts a confusion matrix with true classes as rows', () => {
    expect(confusionMatrix(truth, predicted)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('computes accuracy, per-class scores, macro-F1 and balanced accuracy', () => {
    const report = classificationReport(truth, predicted);
    expect(accuracy(truth, predicted)).toBeCloseTo(4 / 6, 12);
    // class 0: P 2/2, R 2/3; class 1: P 1/2, R 1/2; class 2: P 1/2, R 1/1.
    expect(report.perClass.map((c) => c.precision)).toEqual([1, 0.5, 0.5]);
    expect(report.perClass.map((c) => c.recall)).toEqual([2 / 3, 0.5, 1]);
    // Specificity, one-vs-rest: class 0 TN 3 FP 0; class 1 TN 3 FP 1; class 2 TN 4 FP 1.
    expect(report.perClass.map((c) => c.specificity)).toEqual([1, 0.75, 0.8]);
    expect(report.perClass[0]!.f1).toBeCloseTo(0.8, 12);
    expect(report.perClass[2]!.f1).toBeCloseTo(2 / 3, 12);
    expect(macroF1(truth, predicted)).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(balancedAccuracy(truth, predicted)).toBeCloseTo((2 / 3 + 0.5 + 1) / 3, 12);
  });

  it("computes Cohen's kappa: 1 when perfect, and by hand on a 2x2 table", () => {
    expect(cohenKappa([0, 1, 2, 1], [0, 1, 2, 1])).toBe(1);
    // [[2,1],[1,2]]: po = 4/6, pe = 1/2, kappa = (2/3 - 1/2) / (1/2) = 1/3.
    expect(cohenKappa([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 0])).toBeCloseTo(1 / 3, 12);
  });

  it('weights far misses more under quadratic kappa', () => {
    const grades = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4];
    const nearMiss = [1, 1, 2, 3, 4, 0, 1, 2, 3, 3];
    const farMiss = [4, 1, 2, 3, 4, 0, 1, 2, 3, 0];
    expect(cohenKappa(grades, nearMiss, 'quadratic')).toBeGreaterThan(
      cohenKappa(grades, farMiss, 'quadratic'),
    );
  });

  it('scores ROC-AUC with a tie counted as one half', () => {
    expect(binaryRocAuc([0.9, 0.8, 0.3, 0.1], [true, true, false, false])).toBe(1);
    expect(binaryRocAuc([0.1, 0.2, 0.8, 0.9], [true, true, false, false])).toBe(0);
    // Positive 0.5 ties negative 0.5 (half), beats 0.1: (1 + 0.5) / 2 per positive.
    expect(binaryRocAuc([0.5, 0.5, 0.1], [true, false, false])).toBe(0.75);
    expect(binaryRocAuc(new Float32Array([1, 1, 1, 1]), [true, false, true, false])).toBe(0.5);
  });

  it('scores an attention map against a region mask', () => {
    // A 4x4 map that is bright on the 2x2 centre region, with one bright outlier outside.
    const map = new Float32Array([0, 0, 0, 0, 0, 0.9, 0.8, 0, 0, 0.7, 0.95, 0.9, 0, 0, 0, 0]);
    const region = Array.from(map, (_, i) => [5, 6, 9, 10].includes(i));
    // 4 positives x 12 negatives; the 0.9 outlier beats 0.8 and 0.7, ties 0.9.
    expect(binaryRocAuc(map, region)).toBeCloseTo((48 - 2.5) / 48, 12);
  });

  it('rejects bad input with a clear message', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/differ in length/);
    expect(() => confusionMatrix([0, 3], [0, 1], 2)).toThrow(/out of range/);
    expect(() => binaryRocAuc([0.1, 0.2], [true, true])).toThrow(/one positive and one negative/);
  });

  it('rejects one-vs-rest ROC-AUC input it cannot score, naming the sample, label or class', () => {
    const scores = [
      [0.8, 0.1, 0.1],
      [0.2, 0.7, 0.1],
      [0.1, 0.2, 0.7],
      [0.3, 0.3, 0.4],
    ];
    // Label 3 has no score column (this used to be ignored and gave 0.722).
    expect(() => rocAucOneVsRest([0, 1, 2, 3], scores)).toThrow(
      /label 3 of sample 3 is not a class 0\.\.2 \(the score rows have 3 columns/,
    );
    expect(() => rocAucOneVsRest([0, 1, 2, 0.5], scores)).toThrow(/label 0\.5 of sample 3/);
    expect(() => rocAucOneVsRest([0, 1, 2, 0], [...scores.slice(0, 3), [0.5, 0.5]])).toThrow(
      /score row 3 has 2 values but row 0 has 3/,
    );
    expect(() =>
      rocAucOneVsRest([0, 1, 2, 0], [...scores.slice(0, 3), [Number.NaN, 0.5, 0.5]]),
    ).toThrow(/score row 3 has NaN for class 0/);
    expect(() => rocAucOneVsRest([0, 1, 0, 1], scores)).toThrow(
      /class 2 needs at least one positive and one negative sample, but no sample has label 2/,
    );
    expect(() =>
      rocAucOneVsRest(
        [1, 1],
        [
          [0.2, 0.8],
          [0.6, 0.4],
        ],
      ),
    ).toThrow(/class 0 needs .* but no sample has label 0/);
    expect(() => rocAucOneVsRest([], [])).toThrow(/no labels/);
    expect(() => rocAucOneVsRest([0], [[1]])).toThrow(/at least two classes/);
    // Valid input still scores: every class ranked first by its own column.
    expect(rocAucOneVsRest([0, 1, 2, 2], scores)).toBe(1);
  });
});

describe('metrics against scikit-learn', () => {
  const fixture = readFixture<MetricFixture>('metrics.sklearn.json');

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const report = classificationReport(c.yTrue, c.yPred, c.numClasses);
    expect(report.confusionMatrix).toEqual(c.confusionMatrix);
    expect(report.accuracy).toBeCloseTo(c.accuracy, 12);
    report.perClass.forEach((perClass, k) => {
      expect(perClass.precision).toBeCloseTo(c.precision[k]!, 12);
      expect(perClass.recall).toBeCloseTo(c.recall[k]!, 12);
      expect(perClass.f1).toBeCloseTo(c.f1[k]!, 12);
      expect(perClass.support).toBe(c.support[k]);
    });
    expect(report.macroF1).toBeCloseTo(c.macroF1, 12);
    expect(report.balancedAccuracy).toBeCloseTo(c.balancedAccuracy, 12);
    expect(report.cohenKappa).toBeCloseTo(c.cohenKappa, 12);
    expect(cohenKappa(c.yTrue, c.yPred, 'linear', c.numClasses)).toBeCloseTo(c.linearKappa, 12);
    expect(report.quadraticKappa).toBeCloseTo(c.quadraticKappa, 12);
    expect(rocAucOneVsRest(c.yTrue, c.scores)).toBeCloseTo(c.rocAuc, 12);
  });

  it('binary ROC-AUC of a tied map against a mask', () => {
    expect(binaryRocAuc(fixture.mask.scores, fixture.mask.mask)).toBeCloseTo(
      fixture.mask.rocAuc,
      12,
    );
  });
});
