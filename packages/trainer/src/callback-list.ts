import type {
  EpochMetrics,
  StepInfo,
  TrainingCallback,
  TrainingControl,
  TrainingStartInfo,
} from './types.js';

/** The callbacks of a run, called in order and awaited one by one (Keras' CallbackList). */
export class CallbackList {
  constructor(private readonly callbacks: readonly TrainingCallback[] = []) {}

  async trainBegin(info: TrainingStartInfo): Promise<void> {
    for (const callback of this.callbacks) await callback.onTrainBegin?.(info);
  }

  async stepEnd(info: StepInfo): Promise<void> {
    for (const callback of this.callbacks) await callback.onStepEnd?.(info);
  }

  async epochEnd(metrics: EpochMetrics, control: TrainingControl): Promise<void> {
    for (const callback of this.callbacks) await callback.onEpochEnd?.(metrics, control);
  }

  async trainEnd(history: EpochMetrics[], stopReason: string | undefined): Promise<void> {
    for (const callback of this.callbacks) await callback.onTrainEnd?.(history, stopReason);
  }
}
