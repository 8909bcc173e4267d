import { Random } from '../random.js';
import { orthonormalizeColumns, symmetricEigen } from './linalg.js';

function randomOrthogonal(n: number, seed: number): Float64Array {
  const random = new Random(seed);
  const q = Float64Array.from({ length: n * n }, () => random.normal());
  expect(orthonormalizeColumns(q, n, n)).toBe(n);
  return q; // column-major: column j is q[j*n .. j*n+n)
}

describe('orthonormalizeColumns', () => {
  it('makes orthonormal columns and zeroes dependent ones', () => {
    const random = new Random(1);
    const rows = 50;
    const m = Float64Array.from({ length: rows * 4 }, () => random.normal());
    m.copyWithin(3 * rows, 1 * rows, 2 * rows); // column 3 = column 1
    expect(orthonormalizeColumns(m, rows, 4)).toBe(3);
    const dot = (a: number, b: number): number => {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum += m[a * rows + i]! * m[b * rows + i]!;
      return sum;
    };
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) expect(dot(a, b)).toBeCloseTo(a === b ? 1 : 0, 12);
    expect(dot(3, 3)).toBe(0);
  });
});

describe('symmetricEigen', () => {
  it('recovers a known spectrum and its eigenvectors', () => {
    const n = 12;
    const q = randomOrthogonal(n, 7);
    const lambdas = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1) * (n - i) * 1.5);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += q[k * n + i]! * lambdas[k]! * q[k * n + j]!;
        a[i * n + j] = sum;
      }
    }
    const { values, vectors } = symmetricEigen(a, n);
    expect(Array.from(values)).toEqual(
      [...lambdas].sort((x, y) => y - x).map((v) => expect.closeTo(v, 9)),
    );
    for (let c = 0; c < n; c++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[j * n + c]!;
        expect(av).toBeCloseTo(values[c]! * vectors[i * n + c]!, 9);
      }
    }
  });
});
