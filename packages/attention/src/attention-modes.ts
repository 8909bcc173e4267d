/**
 * The ways a run can weight its images, named once for every package:
 * 'global' (the paper's pixel CNN map), 'l1' (one free weight per pixel with
 * an L1 penalty, the paper's baseline) and 'none' (a vanilla CNN).
 */
export const ATTENTION_MODES = ['global', 'l1', 'none'] as const;

export type AttentionMode = (typeof ATTENTION_MODES)[number];
