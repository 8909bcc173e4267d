// Charts as vega-lite specs plus one renderer to SVG. vega's `toSVG()` lays text
// out with estimated metrics, so it needs neither a browser nor node-canvas; the
// docs app can hand the same specs to vega-embed.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** One epoch of training, as the trainer's history records it. */
export interface EpochRecord {
  /** 1-based epoch number, counted across both phases. */
  epoch: number;
  /** 1: map and backbone train together (epochs 1..E); 2: the map is frozen. */
  phase: 1 | 2;
  loss: number;
  accuracy?: number;
  validationLoss?: number;
  validationAccuracy?: number;
}

export interface TrainingCurvesOptions {
  /** E: the last epoch of phase 1 (the map is frozen after it). Default: the last phase-1 record. */
  cutoffEpoch?: number;
  width?: number;
  height?: number;
}

interface CurvePoint {
  epoch: number;
  phase: string;
  split: 'train' | 'validation';
  value: number;
}

function curvePoints(history: readonly EpochRecord[], metric: 'loss' | 'accuracy'): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const record of history) {
    const phase = `phase ${record.phase}`;
    const train = metric === 'loss' ? record.loss : record.accuracy;
    const validation = metric === 'loss' ? record.validationLoss : record.validationAccuracy;
    if (train !== undefined && Number.isFinite(train))
      points.push({ epoch: record.epoch, phase, split: 'train', value: train });
    if (validation !== undefined && Number.isFinite(validation)) {
      points.push({ epoch: record.epoch, phase, split: 'validation', value: validation });
    }
  }
  return points;
}

/** Loss and accuracy against epoch (train and validation), with the cut-off epoch E marked. */
export function trainingCurvesSpec(
  history: readonly EpochRecord[],
  options: TrainingCurvesOptions = {},
): ChartSpec {
  const cutoff =
    options.cutoffEpoch ??
    history
      .filter((record) => record.phase === 1)
      .reduce((last, record) => Math.max(last, record.epoch), 0);
  const width = options.width ?? 420;
  const height = options.height ?? 160;
  const panel = (metric: 'loss' | 'accuracy') => {
    const points = curvePoints(history, metric);
    return {
      width,
      height,
      layer: [
        {
          data: { values: points },
          mark: { type: 'line' as const, point: points.length <= 60 },
          encoding: {
            x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch' },
            y: {
              field: 'value',
              type: 'quantitative' as const,
              title: metric,
              scale: { zero: false },
              ...(metric === 'accuracy' ? { axis: { format: '.0%' } } : {}),
            },
            color: { field: 'split', type: 'nominal' as const, title: null },
            detail: { field: 'phase', type: 'nominal' as const },
          },
        },
        ...(cutoff > 0
          ? [
              {
                data: { values: [{ epoch: cutoff, label: `E = ${cutoff}: map frozen` }] },
                mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#888' },
                encoding: { x: { field: 'epoch', type: 'quantitative' as const } },
              },
              {
                data: { values: [{ epoch: cutoff, label: `E = ${cutoff}: map frozen` }] },
                mark: { type: 'text' as const, align: 'left' as const, dx: 4, y: 8, color: '#555' },
                encoding: {
                  x: { field: 'epoch', type: 'quantitative' as const },
                  text: { field: 'label', type: 'nominal' as const },
                },
              },
            ]
          : []),
      ],
    };
  };
  const panels = [panel('loss')];
  if (curvePoints(history, 'accuracy').length > 0) panels.push(panel('accuracy'));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Training curves (phase 1: map + backbone; phase 2: backbone only)',
    vconcat: panels,
  };
}

export interface ConfusionMatrixOptions {
  /** Colour by row share (recall per true class) instead of counts. Default true. */
  normalizeRows?: boolean;
  /** Pixels per cell. Default 36. */
  cellSize?: number;
}

/** `matrix[true][predicted]` as a heatmap with the counts written in each cell. */
export function confusionMatrixSpec(
  matrix: readonly (readonly number[])[],
  classNames: readonly string[],
  options: ConfusionMatrixOptions = {},
): ChartSpec {
  if (
    matrix.length !== classNames.length ||
    matrix.some((row) => row.length !== classNames.length)
  ) {
    throw new RangeError(
      `confusion matrix must be ${classNames.length}x${classNames.length}, one row per class`,
    );
  }
  const normalizeRows = options.normalizeRows ?? true;
  const cells = matrix.flatMap((row, actual) => {
    const total = row.reduce((sum, count) => sum + count, 0);
    return row.map((count, predicted) => ({
      actual: classNames[actual]!,
      predicted: classNames[predicted]!,
      count,
      share: total > 0 ? count / total : 0,
    }));
  });
  const colorField = normalizeRows ? 'share' : 'count';
  const maximum = Math.max(0, ...cells.map((cell) => cell[colorField]));
  const size = (options.cellSize ?? 36) * classNames.length;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: normalizeRows
      ? 'Confusion matrix (colour: share of the true class)'
      : 'Confusion matrix',
    data: { values: cells },
    width: size,
    height: size,
    encoding: {
      x: {
        field: 'predicted',
        type: 'ordinal',
        sort: [...classNames],
        title: 'predicted',
        axis: { labelAngle: classNames.some((name) => name.length > 8) ? -45 : 0 },
      },
      y: { field: 'actual', type: 'ordinal', sort: [...classNames], title: 'true' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: colorField,
            type: 'quantitative',
            scale: { scheme: 'blues', domain: [0, maximum || 1] },
            title: normalizeRows ? 'share' : 'count',
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: {
            condition: { test: `datum['${colorField}'] > ${(maximum || 1) / 2}`, value: 'white' },
            value: 'black',
          },
        },
      },
    ],
  };
}

/** The hyper-parameters of the paper's sensitivity study (Fig. 7). */
export type SensitivityParameter = 'K' | 'lambda' | 'E';

/** One experiment: the test accuracy reached with one value of one parameter. */
export interface SensitivityRecord {
  parameter: SensitivityParameter;
  value: number;
  /** Mean test accuracy in [0,1]. */
  accuracy: number;
  /** Standard deviation of the accuracy (over epochs or seeds), drawn as an error bar. */
  accuracyStd?: number;
  /** Groups lines within one panel, e.g. the backbone or data set. Default 'attention'. */
  series?: string;
}

const parameterTitles: Record<SensitivityParameter, string> = {
  K: 'K (pixel-CNN channels)',
  lambda: 'lambda (L1 weight on the map)',
  E: 'E (epochs before the map is frozen)',
};

/** Accuracy against K, lambda and E, one panel per parameter present, values as ordered categories. */
export function sensitivitySpec(records: readonly SensitivityRecord[]): ChartSpec {
  const parameters = (['K', 'lambda', 'E'] as const).filter((parameter) =>
    records.some((record) => record.parameter === parameter),
  );
  if (parameters.length === 0) throw new RangeError('no sensitivity records for K, lambda or E');
  const panels = parameters.map((parameter) => {
    const values = records
      .filter((record) => record.parameter === parameter)
      .map((record) => ({
        value: record.value,
        label: String(record.value),
        accuracy: record.accuracy,
        low: record.accuracy - (record.accuracyStd ?? 0),
        high: record.accuracy + (record.accuracyStd ?? 0),
        series: record.series ?? 'attention',
      }));
    const order = [
      ...new Set(values.sort((a, b) => a.value - b.value).map((point) => point.label)),
    ];
    const x = {
      field: 'label',
      type: 'ordinal' as const,
      sort: order,
      title: parameterTitles[parameter],
      axis: { labelAngle: 0 },
    };
    // One explicit domain for both layers, so error bars are never clipped.
    const low = Math.min(...values.map((point) => point.low));
    const high = Math.max(...values.map((point) => point.high));
    const padding = Math.max(0.005, (high - low) * 0.1);
    const scale = {
      zero: false,
      domain: [Math.max(0, low - padding), Math.min(1, high + padding)],
    };
    const color = {
      field: 'series',
      type: 'nominal' as const,
      title: null,
      legend: new Set(values.map((point) => point.series)).size > 1 ? {} : null,
    };
    return {
      width: 200,
      height: 160,
      data: { values },
      layer: [
        {
          mark: { type: 'rule' as const },
          encoding: {
            x,
            y: { field: 'low', type: 'quantitative' as const, scale },
            y2: { field: 'high' },
            color,
          },
        },
        {
          mark: { type: 'line' as const, point: true },
          encoding: {
            x,
            y: {
              field: 'accuracy',
              type: 'quantitative' as const,
              title: 'test accuracy',
              scale,
              axis: { format: '.0%' },
            },
            color,
          },
        },
      ],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Sensitivity to K, lambda and E',
    hconcat: panels,
  };
}

/** Renders a vega-lite spec to a standalone SVG string, in Node or the browser. */
export async function renderChartSvg(spec: ChartSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
