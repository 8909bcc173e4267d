import { pairedTTest, welchTTest, type TTestResult } from './statistics.js';

export interface SignificanceInput {
  /** Per-epoch (or per-seed) test accuracies of global attention. */
  readonly attention: readonly number[];
  readonly vanilla: readonly number[];
  /** The L1 pixel-map baseline, when it was run. */
  readonly l1?: readonly number[];
  /** Paper: 0.01. */
  readonly alpha?: number;
  /** Welch (default) for independent runs; paired when the values line up (same seeds). */
  readonly test?: 'welch' | 'paired';
}

export interface SignificanceMarks {
  /** Bold in the table: attention differs from vanilla at p < alpha. */
  readonly bold: boolean;
  /** The `*` mark: attention differs from L1 at p < alpha. */
  readonly star: boolean;
  readonly versusVanilla: TTestResult;
  readonly versusL1?: TTestResult;
}

/** The marks of the paper's Table 2 for one attention cell (two-sided tests). */
export function significanceMarks(input: SignificanceInput): SignificanceMarks {
  const { alpha = 0.01, test = 'welch' } = input;
  const compare = test === 'paired' ? pairedTTest : welchTTest;
  const versusVanilla = compare(input.attention, input.vanilla);
  const versusL1 = input.l1 === undefined ? undefined : compare(input.attention, input.l1);
  return {
    bold: versusVanilla.pValue < alpha,
    star: versusL1 !== undefined && versusL1.pValue < alpha,
    versusVanilla,
    ...(versusL1 === undefined ? {} : { versusL1 }),
  };
}
