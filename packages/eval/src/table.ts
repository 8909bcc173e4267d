import { mean, standardDeviation } from './statistics.js';

/** One Table 2 cell: accuracies as fractions in [0, 1], shown as percentages. */
export interface ResultCell {
  readonly mean: number;
  /** Sample standard deviation; NaN (one accuracy, e.g. `topEpochs: 1`) shows the mean alone. */
  readonly std: number;
  /** Attention differs from vanilla at p < 0.01 (see `significanceMarks`). */
  readonly bold?: boolean;
  /** Attention differs from L1 at p < 0.01. */
  readonly star?: boolean;
}

export interface ResultRow {
  readonly backbone: string;
  readonly method: string;
  /** Keyed by column name; a missing key is an empty cell. */
  readonly cells: Readonly<Record<string, ResultCell | undefined>>;
}

/** Rows are methods by backbone (kept in the given order); columns are datasets/tasks. */
export interface ResultTable {
  readonly columns: readonly string[];
  readonly rows: readonly ResultRow[];
}

export interface TableFormat {
  /** Decimal places of the percentages (paper: 2). */
  readonly digits?: number;
}

/**
 * A cell from raw per-epoch accuracies; takes only `bold` and `star` from
 * `marks` (e.g. `significanceMarks(...)`). One accuracy gives std NaN, which
 * renders as the mean alone.
 */
export function resultCell(
  accuracies: readonly number[],
  marks: { readonly bold?: boolean; readonly star?: boolean } = {},
): ResultCell {
  return {
    mean: mean(accuracies),
    std: standardDeviation(accuracies),
    bold: marks.bold ?? false,
    star: marks.star ?? false,
  };
}

/**
 * `66.41(1.23)`, wrapped in `**` when bold, then `*` when starred. With
 * `markdown` the star is escaped (`**66.41(1.23)**\*`) so it renders as a mark.
 * A std that is not finite (a single accuracy has no sample std) leaves the
 * mean alone: `80.00`, not `80.00(NaN)`.
 */
export function formatCell(
  cell: ResultCell | undefined,
  format: TableFormat = {},
  markdown = false,
): string {
  if (cell === undefined) return '';
  const { digits = 2 } = format;
  const meanText = (cell.mean * 100).toFixed(digits);
  const text = Number.isFinite(cell.std)
    ? `${meanText}(${(cell.std * 100).toFixed(digits)})`
    : meanText;
  return `${cell.bold ? `**${text}**` : text}${cell.star ? (markdown ? '\\*' : '*') : ''}`;
}

/** Escapes pipes and folds line breaks into spaces: a newline would end the table row. */
const escapeMarkdown = (text: string): string =>
  text.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|');

/** Markdown with the backbone named once per group of consecutive rows, as in the paper. */
export function renderMarkdownTable(table: ResultTable, format: TableFormat = {}): string {
  const header = ['Backbone', 'Method', ...table.columns];
  const lines = [
    `| ${header.map(escapeMarkdown).join(' | ')} |`,
    `| ${header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`,
  ];
  table.rows.forEach((row, i) => {
    const backbone = i > 0 && table.rows[i - 1]?.backbone === row.backbone ? '' : row.backbone;
    const cells = table.columns.map((column) => formatCell(row.cells[column], format, true));
    lines.push(
      `| ${[escapeMarkdown(backbone), escapeMarkdown(row.method), ...cells].join(' | ')} |`,
    );
  });
  return `${lines.join('\n')}\n`;
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * CSV (RFC 4180) in the same layout; every row names its backbone, and cells
 * read like the Markdown ones without escapes (`**66.41(1.23)***`: bold, starred).
 */
export function renderCsvTable(table: ResultTable, format: TableFormat = {}): string {
  const lines = [['backbone', 'method', ...table.columns]];
  for (const row of table.rows) {
    lines.push([
      row.backbone,
      row.method,
      ...table.columns.map((column) => formatCell(row.cells[column], format)),
    ]);
  }
  return `${lines.map((fields) => fields.map(csvField).join(',')).join('\r\n')}\r\n`;
}
