// Small dense linear algebra in float64 for the randomized SVD: columns of a
// tall matrix are orthonormalised in place, and the k x k Gram matrix is
// diagonalised with cyclic Jacobi rotations (k is tens, so this is instant).

/**
 * Orthonormalises the columns of a rows x cols column-major matrix in place by
 * modified Gram-Schmidt, twice ("twice is enough"). Columns that vanish (rank
 * deficiency) are replaced by zeros. Returns the number of non-zero columns.
 */
export function orthonormalizeColumns(matrix: Float64Array, rows: number, cols: number): number {
  let rank = 0;
  const norms = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const column = matrix.subarray(j * rows, (j + 1) * rows);
    let original = 0;
    for (let i = 0; i < rows; i++) original += column[i]! * column[i]!;
    norms[j] = Math.sqrt(original);
  }
  for (let j = 0; j < cols; j++) {
    const column = matrix.subarray(j * rows, (j + 1) * rows);
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        const previous = matrix.subarray(p * rows, (p + 1) * rows);
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += previous[i]! * column[i]!;
        for (let i = 0; i < rows; i++) column[i]! -= dot * previous[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += column[i]! * column[i]!;
    norm = Math.sqrt(norm);
    if (norm <= 1e-10 * (norms[j]! || 1)) {
      column.fill(0);
    } else {
      for (let i = 0; i < rows; i++) column[i]! /= norm;
      rank++;
    }
  }
  return rank;
}

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major) by cyclic
 * Jacobi. Returns eigenvalues in descending order and the matching
 * eigenvectors as the columns of a row-major n x n matrix.
 */
export function symmetricEigen(
  input: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        total += a[i * n + j]! ** 2;
        if (i !== j) off += a[i * n + j]! ** 2;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => a[y * n + y]! - a[x * n + x]!,
  );
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from]!;
  });
  return { values, vectors };
}
