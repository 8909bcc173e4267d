import type { StructureCheck } from '@gsa/data';
import type { ReportExample } from '@gsa/viz';
import type { TwoPhaseResult } from '@gsa/trainer';
import type { RunSummary } from '../summary.js';

/** A finished `train()`: what it measured and what report.html shows. */
export interface TrainedRun {
  summary: RunSummary;
  result: TwoPhaseResult;
  classNames: readonly string[];
  /** The training set's mean image [H*W*C], for overlays. */
  meanImage: Float32Array;
  shape: [number, number, number];
  /** The structure check of the training images (the report shows its mean and std images). */
  structure?: StructureCheck;
  /**
   * The first test images with Grad-CAM of the deployed model's prediction
   * (and, for backbones with attention of their own, their per-image maps).
   */
  examples?: ReportExample[];
  /** The layer the examples' Grad-CAM explains: the backbone's last feature map. */
  gradCamLayer?: string;
}
