// A radix-2 complex FFT in two dimensions, for phase correlation on small
// analysis grids (64 x 64 by default). Plain typed arrays: the structure check
// runs before any tfjs backend is chosen, in browsers and Node alike.

/** In-place 2-D FFTs of a fixed power-of-two size; the tables are built once. */
export class Fft2d {
  private readonly rowTables: FftTables;
  private readonly columnTables: FftTables;
  private readonly columnRe: Float64Array;
  private readonly columnIm: Float64Array;

  constructor(
    readonly height: number,
    readonly width: number,
  ) {
    this.rowTables = fftTables(width);
    this.columnTables = fftTables(height);
    this.columnRe = new Float64Array(height);
    this.columnIm = new Float64Array(height);
  }

  /** Transforms `re`/`im` (row-major, height x width) in place; `inverse` divides by height x width. */
  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const { height, width, columnRe, columnIm } = this;
    for (let y = 0; y < height; y++) {
      fft1d(
        re.subarray(y * width, (y + 1) * width),
        im.subarray(y * width, (y + 1) * width),
        this.rowTables,
        inverse,
      );
    }
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) {
        columnRe[y] = re[y * width + x]!;
        columnIm[y] = im[y * width + x]!;
      }
      fft1d(columnRe, columnIm, this.columnTables, inverse);
      for (let y = 0; y < height; y++) {
        re[y * width + x] = columnRe[y]!;
        im[y * width + x] = columnIm[y]!;
      }
    }
  }
}

interface FftTables {
  n: number;
  reversed: Uint32Array;
  cos: Float64Array;
  sin: Float64Array;
}

function fftTables(n: number): FftTables {
  if (!Number.isInteger(Math.log2(n)) || n < 2)
    throw new RangeError(`FFT sizes must be powers of two >= 2, got ${n}.`);
  const bits = Math.log2(n);
  const reversed = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    reversed[i] = r;
  }
  const cos = new Float64Array(n / 2);
  const sin = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  return { n, reversed, cos, sin };
}

/** Iterative Cooley-Tukey: forward e^(-2 pi i k n / N), inverse e^(+...) / N. */
function fft1d(re: Float64Array, im: Float64Array, tables: FftTables, inverse: boolean): void {
  const { n, reversed, cos, sin } = tables;
  for (let i = 0; i < n; i++) {
    const j = reversed[i]!;
    if (j > i) {
      const r = re[i]!;
      re[i] = re[j]!;
      re[j] = r;
      const m = im[i]!;
      im[i] = im[j]!;
      im[j] = m;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let size = 2; size <= n; size *= 2) {
    const half = size / 2;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const c = cos[k * step]!;
        const s = sign * sin[k * step]!;
        const a = start + k;
        const b = a + half;
        const tre = re[b]! * c - im[b]! * s;
        const tim = re[b]! * s + im[b]! * c;
        re[b] = re[a]! - tre;
        im[b] = im[a]! - tim;
        re[a] = re[a]! + tre;
        im[a] = im[a]! + tim;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] = re[i]! / n;
      im[i] = im[i]! / n;
    }
  }
}
