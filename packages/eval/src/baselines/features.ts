/** Row-major samples x features, e.g. flattened images (one row per image). */
export interface FeatureMatrix {
  readonly values: Float32Array;
  readonly rows: number;
  readonly columns: number;
}

export function featureMatrix(values: Float32Array, rows: number, columns: number): FeatureMatrix {
  if (values.length !== rows * columns) {
    throw new RangeError(`${values.length} values do not form ${rows} x ${columns}`);
  }
  return { values, rows, columns };
}

export function selectRows(matrix: FeatureMatrix, rows: readonly number[]): FeatureMatrix {
  const values = new Float32Array(rows.length * matrix.columns);
  rows.forEach((row, i) =>
    values.set(
      matrix.values.subarray(row * matrix.columns, (row + 1) * matrix.columns),
      i * matrix.columns,
    ),
  );
  return { values, rows: rows.length, columns: matrix.columns };
}

/** Per-feature mean and scale learned on training rows only (scikit-learn's StandardScaler). */
export interface Standardiser {
  readonly mean: Float64Array;
  /** Population standard deviation; 1 where a feature is constant. */
  readonly scale: Float64Array;
}

export function fitStandardiser(matrix: FeatureMatrix): Standardiser {
  const { rows, columns, values } = matrix;
  const mean = new Float64Array(columns);
  const scale = new Float64Array(columns);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < columns; c++) mean[c]! += values[r * columns + c]! / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++)
      scale[c]! += (values[r * columns + c]! - mean[c]!) ** 2 / rows;
  }
  for (let c = 0; c < columns; c++) scale[c] = scale[c]! > 0 ? Math.sqrt(scale[c]!) : 1;
  return { mean, scale };
}

export function standardise(matrix: FeatureMatrix, standardiser: Standardiser): FeatureMatrix {
  const { rows, columns } = matrix;
  if (standardiser.mean.length !== columns) {
    throw new RangeError(
      `standardiser has ${standardiser.mean.length} features, matrix ${columns}`,
    );
  }
  const values = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const i = r * columns + c;
      values[i] = (matrix.values[i]! - standardiser.mean[c]!) / standardiser.scale[c]!;
    }
  }
  return { values, rows, columns };
}
