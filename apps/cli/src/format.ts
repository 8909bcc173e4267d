// What the CLI prints: results as text tables (the --json forms are the objects themselves).
import type { EvaluationReport, Prediction } from '@gsa/pipeline/node';

export function formatPredictions(predictions: Prediction[]): string {
  const classNames = Object.keys(predictions[0]?.probabilities ?? {});
  const rows = predictions.map((p) => [
    p.image,
    p.className,
    ...classNames.map((name) => p.probabilities[name]!.toFixed(3)),
  ]);
  const header = ['image', 'class', ...classNames];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

/** The report as text: headline metrics, the per-class table and the confusion matrix. */
export function formatEvaluation(report: EvaluationReport): string {
  const lines = [
    `${report.data} (${report.subset}, ${report.images} images)`,
    `accuracy ${percent(report.accuracy)}  balanced accuracy ${percent(report.balancedAccuracy)}  macro-F1 ${report.macroF1.toFixed(4)}`,
    `Cohen's kappa ${report.cohenKappa.toFixed(4)}  quadratic kappa ${report.quadraticKappa.toFixed(4)}  ROC-AUC ${report.rocAuc === null ? 'n/a (a class is absent)' : report.rocAuc.toFixed(4)}`,
    '',
  ];
  const table = [
    ['class', 'precision', 'recall', 'F1', 'support'],
    ...report.perClass.map((row) => [
      row.className,
      row.precision.toFixed(4),
      row.recall.toFixed(4),
      row.f1.toFixed(4),
      String(row.support),
    ]),
  ];
  lines.push(...alignColumns(table), '', 'confusion matrix (rows: true, columns: predicted)');
  lines.push(
    ...alignColumns([
      ['', ...report.classNames],
      ...report.confusionMatrix.map((row, index) => [
        report.classNames[index]!,
        ...row.map(String),
      ]),
    ]),
  );
  lines.push('', `written to ${report.written}`);
  return lines.join('\n');
}

function alignColumns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd(),
  );
}
