import * as tf from '@tensorflow/tfjs-core';

/** A set of variables sharing a learning rate and weight decay (PyTorch's parameter group). */
export interface ParameterGroup {
  variables: tf.Variable[];
  /** Overrides the optimiser's learning rate for this group (e.g. the L1 baseline's map). */
  learningRate?: number;
  /** Overrides the optimiser's weight decay for this group. */
  weightDecay?: number;
  /**
   * Linear warm-up: the group's rate is scaled by min(1, step / warmupSteps)
   * (step counted from 1 over the optimiser's life, so a resumed run continues
   * the same ramp). Default 0: no warm-up.
   */
  warmupSteps?: number;
}

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  /** PyTorch's default 1e-8 (tfjs's Adam uses 1e-7). */
  epsilon?: number;
  /**
   * L2 weight decay. With `decoupled: false` (default, PyTorch `torch.optim.Adam`)
   * it is added to the gradient; with `decoupled: true` (AdamW) it shrinks the
   * weights directly.
   */
  weightDecay?: number;
  decoupled?: boolean;
}

/** The optimiser's state, exactly enough to continue where it stopped. */
export interface AdamState {
  step: number;
  /**
   * First and second moments in parameter order. Variable names are kept for
   * messages only: tfjs numbers them per process, so a resumed run matches by
   * position and shape.
   */
  moments: { name: string; shape: number[]; first: Float32Array; second: Float32Array }[];
}

interface Slot {
  variable: tf.Variable;
  first: tf.Variable;
  second: tf.Variable;
  learningRate: number;
  weightDecay: number;
  warmupSteps: number;
}

function warmupStepsOf(group: ParameterGroup): number {
  const steps = group.warmupSteps ?? 0;
  if (!Number.isInteger(steps) || steps < 0) {
    throw new RangeError(`warmupSteps must be a whole number >= 0, got ${steps}.`);
  }
  return steps;
}

/**
 * Adam with PyTorch's semantics, which the paper's numbers assume: epsilon
 * 1e-8 added after the square root of the bias-corrected second moment, and
 * weight decay as L2 added to the gradient (or decoupled, AdamW). tfjs's own
 * Adam has no weight decay and a different epsilon. Its state serialises for
 * checkpoints, and parameter groups carry their own learning rates.
 */
export class PyTorchAdam {
  private readonly slots: Slot[] = [];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly decoupled: boolean;
  private stepCount = 0;

  constructor(groups: ParameterGroup[], options: AdamOptions) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.decoupled = options.decoupled ?? false;
    const seen = new Set<string>();
    for (const group of groups) {
      for (const variable of group.variables) {
        if (seen.has(variable.name)) {
          throw new Error(
            `PyTorchAdam: variable '${variable.name}' is in more than one parameter group.`,
          );
        }
        seen.add(variable.name);
        this.slots.push({
          variable,
          // tidy: tf.variable copies its initial value, which would otherwise stay allocated.
          first: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
          second: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
          learningRate: group.learningRate ?? options.learningRate,
          weightDecay: group.weightDecay ?? options.weightDecay ?? 0,
          warmupSteps: warmupStepsOf(group),
        });
      }
    }
  }

  get step(): number {
    return this.stepCount;
  }

  get variables(): tf.Variable[] {
    return this.slots.map((slot) => slot.variable);
  }

  /**
   * Computes `loss()` and its gradients for the groups' variables (or only
   * `variables`, e.g. the backbone's once the map is frozen), applies one
   * update, and returns the loss (a scalar the caller disposes).
   */
  minimize(loss: () => tf.Scalar, variables: tf.Variable[] = this.variables): tf.Scalar {
    const { value, grads } = tf.variableGrads(loss, variables);
    this.applyGradients(grads);
    tf.dispose(grads);
    return value;
  }

  applyGradients(gradients: Record<string, tf.Tensor>): void {
    this.stepCount += 1;
    const t = this.stepCount;
    const firstCorrection = 1 - this.beta1 ** t;
    const secondCorrection = 1 - this.beta2 ** t;
    tf.tidy(() => {
      for (const slot of this.slots) {
        let gradient = gradients[slot.variable.name];
        if (gradient === undefined) continue; // not on the loss's path (e.g. frozen)
        if (slot.weightDecay !== 0 && !this.decoupled) {
          gradient = tf.add(gradient, tf.mul(slot.variable, slot.weightDecay));
        }
        const first = tf.add(tf.mul(slot.first, this.beta1), tf.mul(gradient, 1 - this.beta1));
        const second = tf.add(
          tf.mul(slot.second, this.beta2),
          tf.mul(tf.square(gradient), 1 - this.beta2),
        );
        slot.first.assign(first);
        slot.second.assign(second);
        const denominator = tf.add(
          tf.div(tf.sqrt(second), Math.sqrt(secondCorrection)),
          this.epsilon,
        );
        const learningRate =
          slot.warmupSteps > 0
            ? slot.learningRate * Math.min(1, t / slot.warmupSteps)
            : slot.learningRate;
        const update = tf.div(tf.mul(first, learningRate / firstCorrection), denominator);
        let weights: tf.Tensor = slot.variable;
        if (slot.weightDecay !== 0 && this.decoupled) {
          weights = tf.mul(weights, 1 - learningRate * slot.weightDecay);
        }
        slot.variable.assign(tf.sub(weights, update));
      }
    });
  }

  async getState(): Promise<AdamState> {
    const moments: AdamState['moments'] = [];
    for (const slot of this.slots) {
      moments.push({
        name: slot.variable.name,
        shape: slot.variable.shape,
        first: (await slot.first.data()) as Float32Array,
        second: (await slot.second.data()) as Float32Array,
      });
    }
    return { step: this.stepCount, moments };
  }

  setState(state: AdamState): void {
    if (state.moments.length !== this.slots.length) {
      throw new Error(
        `The optimiser state holds ${state.moments.length} parameters, this model ${this.slots.length}; was it saved for another model?`,
      );
    }
    tf.tidy(() => {
      this.slots.forEach((slot, index) => {
        const saved = state.moments[index]!;
        if (saved.shape.join('x') !== slot.variable.shape.join('x')) {
          throw new Error(
            `Optimiser state ${index} ('${saved.name}') has shape [${saved.shape}], the parameter '${slot.variable.name}' [${slot.variable.shape}].`,
          );
        }
        slot.first.assign(tf.tensor(saved.first, saved.shape));
        slot.second.assign(tf.tensor(saved.second, saved.shape));
      });
    });
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const slot of this.slots) {
      slot.first.dispose();
      slot.second.dispose();
    }
    this.slots.length = 0;
  }
}
