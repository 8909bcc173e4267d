/** Objective value and gradient at a point. */
export type ObjectiveWithGradient = (point: Float64Array) => {
  value: number;
  gradient: Float64Array;
};

export interface LbfgsOptions {
  readonly maxIterations?: number;
  /** Stop when the largest gradient component falls below this. */
  readonly gradientTolerance?: number;
  /** Correction pairs kept (history length). */
  readonly memory?: number;
}

export interface LbfgsResult {
  readonly point: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
};

const maxAbs = (a: Float64Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/**
 * Limited-memory BFGS with a backtracking (Armijo) line search: deterministic,
 * full batch, for the smooth convex objectives of the baselines.
 */
export function minimiseLbfgs(
  objective: ObjectiveWithGradient,
  start: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult {
  const { maxIterations = 500, gradientTolerance = 1e-5, memory = 10 } = options;
  let point = Float64Array.from(start);
  let { value, gradient } = objective(point);
  const steps: Float64Array[] = [];
  const gradientChanges: Float64Array[] = [];
  const curvatures: number[] = [];
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    if (maxAbs(gradient) < gradientTolerance)
      return { point, value, iterations: iteration, converged: true };
    // Two-loop recursion: direction = -H * gradient.
    const direction = Float64Array.from(gradient);
    const alphas: number[] = [];
    for (let i = steps.length - 1; i >= 0; i--) {
      const alpha = dot(steps[i]!, direction) / curvatures[i]!;
      alphas[i] = alpha;
      const change = gradientChanges[i]!;
      for (let j = 0; j < direction.length; j++) direction[j]! -= alpha * change[j]!;
    }
    if (steps.length > 0) {
      const last = steps.length - 1;
      const gamma = curvatures[last]! / dot(gradientChanges[last]!, gradientChanges[last]!);
      for (let j = 0; j < direction.length; j++) direction[j]! *= gamma;
    } else {
      // First step: scale so the initial trial moves by at most ~1 per unit of gradient.
      const scale = 1 / Math.max(1, maxAbs(gradient));
      for (let j = 0; j < direction.length; j++) direction[j]! *= scale;
    }
    for (let i = 0; i < steps.length; i++) {
      const beta = dot(gradientChanges[i]!, direction) / curvatures[i]!;
      const step = steps[i]!;
      for (let j = 0; j < direction.length; j++) direction[j]! += step[j]! * (alphas[i]! - beta);
    }
    for (let j = 0; j < direction.length; j++) direction[j] = -direction[j]!;
    let slope = dot(gradient, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      steps.length = gradientChanges.length = curvatures.length = 0;
      for (let j = 0; j < direction.length; j++) direction[j] = -gradient[j]!;
      slope = dot(gradient, direction);
    }
    let stepSize = 1;
    let trial = new Float64Array(point.length);
    let evaluated = objective(point);
    for (let attempt = 0; attempt < 40; attempt++) {
      for (let j = 0; j < point.length; j++) trial[j] = point[j]! + stepSize * direction[j]!;
      evaluated = objective(trial);
      if (evaluated.value <= value + 1e-4 * stepSize * slope) break;
      stepSize /= 2;
    }
    if (!(evaluated.value < value)) return { point, value, iterations: iteration, converged: true };
    const step = new Float64Array(point.length);
    const change = new Float64Array(point.length);
    for (let j = 0; j < point.length; j++) {
      step[j] = trial[j]! - point[j]!;
      change[j] = evaluated.gradient[j]! - gradient[j]!;
    }
    const curvature = dot(step, change);
    if (curvature > 1e-12) {
      steps.push(step);
      gradientChanges.push(change);
      curvatures.push(curvature);
      if (steps.length > memory) {
        steps.shift();
        gradientChanges.shift();
        curvatures.shift();
      }
    }
    const relativeDecrease =
      (value - evaluated.value) / Math.max(Math.abs(value), Math.abs(evaluated.value), 1);
    point = trial;
    trial = new Float64Array(point.length);
    ({ value, gradient } = evaluated);
    if (relativeDecrease < 1e-12)
      return { point, value, iterations: iteration + 1, converged: true };
  }
  return {
    point,
    value,
    iterations: maxIterations,
    converged: maxAbs(gradient) < gradientTolerance,
  };
}
