import { runPaperProtocol, type LabelledSet, type TrainingRun } from './protocol.js';
import { standardDeviation } from './statistics.js';

function labelledSet(firstIndex: number, labels: readonly number[]): LabelledSet {
  return { indices: labels.map((_, i) => firstIndex + i), labels };
}

// 40 training samples (indices 0..39, two classes) and 10 test samples (100..109).
const trainingSet = labelledSet(
  0,
  Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0)),
);
const testSet = labelledSet(
  100,
  Array.from({ length: 10 }, (_, i) => i % 2),
);

// Validation curve shared by the folds, shifted by fold so that the mean differs from any one fold.
const baseCurve = [0.1, 0.5, 0.3, 0.9, 0.2, 0.8, 0.4, 0.7, 0.6, 0.85];
const testCurve = baseCurve.map((_, e) => (e + 1) / 100);

function fakeTrainer(runs: TrainingRun[]) {
  return (run: TrainingRun): number[] => {
    runs.push(run);
    if (run.stage.kind === 'final') return testCurve.slice(0, run.epochs);
    const fold = run.stage.fold;
    return baseCurve.slice(0, run.epochs).map((a) => a + (fold - 1) * 0.01);
  };
}

describe('runPaperProtocol', () => {
  it('selects the epochs with the best mean validation accuracy and reports test mean(std) there', async () => {
    const runs: TrainingRun[] = [];
    const result = await runPaperProtocol(trainingSet, testSet, fakeTrainer(runs), {
      epochs: 10,
      folds: 3,
      topEpochs: 3,
      seed: 5,
    });
    // Best mean validation: epoch 4 (0.9), 10 (0.85), 6 (0.8).
    expect(result.selectedEpochs).toEqual([4, 6, 10]);
    expect(result.meanValidationAccuracy[3]).toBeCloseTo(0.9, 12);
    expect(result.selectedTestAccuracies).toEqual([0.04, 0.06, 0.1]);
    expect(result.testMean).toBeCloseTo(0.2 / 3, 12);
    expect(result.testStd).toBeCloseTo(standardDeviation([0.04, 0.06, 0.1]), 12);
    expect(result.testAccuracy).toEqual(testCurve);
    expect(result.foldValidationAccuracies).toHaveLength(3);
  });

  it('runs CV on the training set only and the final fit on all of it', async () => {
    const runs: TrainingRun[] = [];
    await runPaperProtocol(trainingSet, testSet, fakeTrainer(runs), {
      epochs: 10,
      folds: 4,
      topEpochs: 2,
    });
    const foldRuns = runs.filter((r) => r.stage.kind === 'fold');
    expect(foldRuns).toHaveLength(4);
    const validated = foldRuns.flatMap((r) => r.evaluation.indices).sort((a, b) => a - b);
    expect(validated).toEqual(trainingSet.indices);
    for (const run of foldRuns) {
      expect(run.train.indices.length + run.evaluation.indices.length).toBe(40);
      expect([...run.train.indices, ...run.evaluation.indices].every((i) => i < 100)).toBe(true);
      // Stratified: the 10 positives are spread 2 or 3 per fold.
      const positives = run.evaluation.labels.filter((l) => l === 1).length;
      expect(positives >= 2 && positives <= 3).toBe(true);
      run.train.indices.forEach((index, i) =>
        expect(run.train.labels[i]).toBe(trainingSet.labels[index]),
      );
    }
    const finalRun = runs.at(-1)!;
    expect(finalRun.stage).toEqual({ kind: 'final' });
    expect(finalRun.train).toBe(trainingSet);
    expect(finalRun.evaluation).toBe(testSet);
  });

  it('keeps every group (patient) on one side of each fold when the training set has groups', async () => {
    const runs: TrainingRun[] = [];
    const groups = trainingSet.indices.map((index) => `patient-${Math.floor(index / 5)}`);
    await runPaperProtocol({ ...trainingSet, groups }, testSet, fakeTrainer(runs), {
      epochs: 10,
      folds: 4,
      topEpochs: 2,
    });
    const foldRuns = runs.filter((r) => r.stage.kind === 'fold');
    expect(foldRuns).toHaveLength(4);
    for (const run of foldRuns) {
      const validation = new Set(run.evaluation.groups);
      expect(run.train.groups!.some((group) => validation.has(group))).toBe(false);
      run.evaluation.indices.forEach((index, i) =>
        expect(run.evaluation.groups![i]).toBe(`patient-${Math.floor(index / 5)}`),
      );
    }
    expect(foldRuns.flatMap((r) => r.evaluation.indices).sort((a, b) => a - b)).toEqual(
      trainingSet.indices,
    );
  });

  it('breaks ties in validation accuracy towards the earlier epoch', async () => {
    const flat = (run: TrainingRun): number[] =>
      run.stage.kind === 'final' ? testCurve.slice(0, 6) : [0.5, 0.7, 0.7, 0.6, 0.7, 0.1];
    const result = await runPaperProtocol(trainingSet, testSet, flat, {
      epochs: 6,
      folds: 2,
      topEpochs: 2,
    });
    expect(result.selectedEpochs).toEqual([2, 3]);
  });

  it("uses the paper's defaults: 5 folds, top 30 epochs", async () => {
    const runs: TrainingRun[] = [];
    const epochs = 100;
    // Validation peaks at epoch 50 and falls away on both sides: the top 30 are epochs 35..64 or 36..65.
    const trainer = async (run: TrainingRun): Promise<number[]> => {
      runs.push(run);
      return Array.from({ length: epochs }, (_, e) =>
        run.stage.kind === 'final' ? 0.5 : 1 - Math.abs(e + 1 - 50.4) / 100,
      );
    };
    const result = await runPaperProtocol(trainingSet, testSet, trainer, { epochs });
    expect(runs).toHaveLength(6);
    expect(result.selectedEpochs).toEqual(Array.from({ length: 30 }, (_, i) => 36 + i));
    expect(result.testMean).toBeCloseTo(0.5, 12);
    expect(result.testStd).toBeCloseTo(0, 12);
  });

  it('rejects a trainer that returns the wrong number of epochs, and bad options', async () => {
    await expect(
      runPaperProtocol(trainingSet, testSet, () => [0.5], { epochs: 3, folds: 2, topEpochs: 1 }),
    ).rejects.toThrow(/returned 1 accuracies for fold 0, expected 3/);
    await expect(
      runPaperProtocol(trainingSet, testSet, () => [], { epochs: 10, topEpochs: 11 }),
    ).rejects.toThrow(/topEpochs/);
  });

  it('rejects a NaN, a percentage or a negative accuracy, naming the run, the epoch and the value', async () => {
    const foldCurve = (curve: number[]) => (run: TrainingRun) =>
      run.stage.kind === 'fold' && run.stage.fold === 1 ? curve : [0.5, 0.6, 0.7];
    const options = { epochs: 3, folds: 2, topEpochs: 1 };
    await expect(
      runPaperProtocol(trainingSet, testSet, foldCurve([0.5, Number.NaN, 0.7]), options),
    ).rejects.toThrow(/accuracy NaN for fold 1 at epoch 2: accuracies are fractions in \[0, 1\]/);
    await expect(
      runPaperProtocol(trainingSet, testSet, foldCurve([0.5, 0.6, -0.1]), options),
    ).rejects.toThrow(/accuracy -0\.1 for fold 1 at epoch 3/);
    const percentages = (run: TrainingRun) =>
      run.stage.kind === 'final' ? [1.5, 90, 0.1] : [0.5, 0.6, 0.7];
    await expect(runPaperProtocol(trainingSet, testSet, percentages, options)).rejects.toThrow(
      /accuracy 1\.5 for the final run at epoch 1: .*divide a percentage by 100/,
    );
    const infinite = (run: TrainingRun) =>
      run.stage.kind === 'final' ? [0.5, 0.6, Number.POSITIVE_INFINITY] : [0.5, 0.6, 0.7];
    await expect(runPaperProtocol(trainingSet, testSet, infinite, options)).rejects.toThrow(
      /accuracy Infinity for the final run at epoch 3/,
    );
  });

  it('accepts the bounds 0 and 1', async () => {
    const bounds = (run: TrainingRun) => (run.stage.kind === 'final' ? [0, 1, 1] : [0, 1, 0.5]);
    const result = await runPaperProtocol(trainingSet, testSet, bounds, {
      epochs: 3,
      folds: 2,
      topEpochs: 2,
    });
    expect(result.selectedEpochs).toEqual([2, 3]);
    expect(result.testMean).toBe(1);
  });
});
