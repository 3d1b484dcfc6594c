/**
 * Small dense matrices for the model-fitting maths: the column-major `Matrix` every statistic in
 * `src/stats/` takes as a design matrix, its constructors, and the few factorisations the fitting
 * code needs (Householder QR for least squares, symmetric eigen-decomposition for PCA).
 *
 * Layout: `data[i + j * rows]` is row i, column j (column-major, as R and LAPACK store matrices),
 * so one feature's values are contiguous — coordinate descent and column selection touch one
 * contiguous slice per feature.
 *
 * The factorisations are written from Golub & Van Loan, *Matrix Computations*, 4th ed. (2013):
 * Householder QR (§5.2), Householder tridiagonalisation (§8.3.1) and the implicit symmetric QR
 * step with Wilkinson shift (§8.3.2–8.3.3). Sizes here are small (p ≤ a few hundred), so plain
 * loops are fast enough and a dependency is not needed.
 */

/** A dense real matrix stored column-major: column j is `data.subarray(j * rows, (j + 1) * rows)`. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** An all-zero rows × cols matrix. */
export function zeroMatrix(rows: number, cols: number): Matrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`matrix size must be non-negative integers, got ${rows} × ${cols}`);
  }
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/**
 * A matrix whose columns are the given arrays (all the same length). With no columns the row
 * count cannot be inferred, so pass `rows` (an intercept-only design has zero feature columns).
 */
export function matrixFromColumns(cols: ArrayLike<number>[], rows?: number): Matrix {
  const n = rows ?? cols[0]?.length;
  if (n === undefined) throw new RangeError('matrixFromColumns: no columns and no row count given');
  const m = zeroMatrix(n, cols.length);
  cols.forEach((c, j) => {
    if (c.length !== n) {
      throw new RangeError(`matrixFromColumns: column ${j} has ${c.length} values, expected ${n}`);
    }
    m.data.set(c, j * n);
  });
  return m;
}

/** A matrix from an array of rows (all the same length), e.g. parsed from a table. */
export function matrixFromRows(rows: number[][]): Matrix {
  const n = rows.length;
  const p = rows[0]?.length ?? 0;
  const m = zeroMatrix(n, p);
  rows.forEach((r, i) => {
    if (r.length !== p)
      throw new RangeError(`matrixFromRows: row ${i} has ${r.length} values, expected ${p}`);
    for (let j = 0; j < p; j += 1) m.data[i + j * n] = r[j] as number;
  });
  return m;
}

/** Column j as a view (no copy): writing to it writes to the matrix. */
export function column(m: Matrix, j: number): Float64Array {
  if (!Number.isInteger(j) || j < 0 || j >= m.cols) {
    throw new RangeError(`column index ${j} out of range for a matrix with ${m.cols} columns`);
  }
  return m.data.subarray(j * m.rows, (j + 1) * m.rows);
}

/** Element (i, j). */
export function entry(m: Matrix, i: number, j: number): number {
  return m.data[i + j * m.rows] as number;
}

/** The rows of a matrix as plain arrays (for JSON, e.g. to hand a design matrix to R in a test). */
export function matrixToRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i += 1) {
    const r = new Array<number>(m.cols);
    for (let j = 0; j < m.cols; j += 1) r[j] = m.data[i + j * m.rows] as number;
    out.push(r);
  }
  return out;
}

/** A new matrix holding the given columns, in the given order. */
export function selectColumns(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = zeroMatrix(m.rows, indices.length);
  for (let k = 0; k < indices.length; k += 1) out.data.set(column(m, indices[k] as number), k * m.rows);
  return out;
}

/** A new matrix holding the given rows, in the given order. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const r = indices.length;
  const out = zeroMatrix(r, m.cols);
  for (let k = 0; k < r; k += 1) {
    const i = indices[k] as number;
    if (!Number.isInteger(i) || i < 0 || i >= m.rows) {
      throw new RangeError(`row index ${i} out of range for a matrix with ${m.rows} rows`);
    }
  }
  for (let j = 0; j < m.cols; j += 1) {
    const src = j * m.rows;
    const dst = j * r;
    for (let k = 0; k < r; k += 1) out.data[dst + k] = m.data[src + (indices[k] as number)] as number;
  }
  return out;
}

/** Throws a RangeError naming `what` when the matrix is malformed or holds a non-finite value. */
export function assertFiniteMatrix(m: Matrix, what: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0) {
    throw new RangeError(`${what}: invalid size ${m.rows} × ${m.cols}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`${what}: data has ${m.data.length} values, expected ${m.rows} × ${m.cols}`);
  }
  for (let k = 0; k < m.data.length; k += 1) {
    if (!Number.isFinite(m.data[k])) {
      const i = k % m.rows;
      const j = Math.floor(k / m.rows);
      throw new RangeError(`${what}: non-finite value ${m.data[k]} at row ${i}, column ${j}`);
    }
  }
}

/** Result of a Householder QR factorisation A = QR of an m × p matrix (m ≥ p), without pivoting. */
export interface HouseholderQr {
  rows: number;
  cols: number;
  /** Column-major m × p: R on and above the diagonal, the Householder vectors (v₀ = 1 implied) below. */
  qr: Float64Array;
  /** Householder scalars β_k (H_k = I − β_k v_k v_kᵀ). */
  beta: Float64Array;
  /**
   * For each column, |R_kk| divided by the norm of the original column k: near 0 when column k is
   * (numerically) a linear combination of the columns before it.
   */
  relativeDiagonal: Float64Array;
}

/**
 * Householder QR (Golub & Van Loan Alg. 5.2.1) of a column-major m × p matrix, m ≥ p. The input
 * is not modified. No pivoting: callers check `relativeDiagonal` for collinear columns, which R's
 * LINPACK dqrdc2 (used by lm/glm) would move to the end and report as aliased.
 */
export function householderQr(a: Float64Array, rows: number, cols: number): HouseholderQr {
  if (rows < cols) throw new RangeError(`QR needs at least as many rows as columns (${rows} < ${cols})`);
  const qr = Float64Array.from(a.subarray(0, rows * cols));
  const beta = new Float64Array(cols);
  const relativeDiagonal = new Float64Array(cols);
  for (let k = 0; k < cols; k += 1) {
    const ck = k * rows;
    let originalNorm = 0;
    for (let i = 0; i < rows; i += 1) originalNorm = Math.hypot(originalNorm, a[i + ck] as number);
    // Norm of the part of column k at and below the diagonal (scaled to avoid overflow).
    let scale = 0;
    for (let i = k; i < rows; i += 1) scale = Math.max(scale, Math.abs(qr[ck + i] as number));
    if (scale === 0) {
      beta[k] = 0;
      relativeDiagonal[k] = 0;
      continue;
    }
    let sigma = 0;
    for (let i = k + 1; i < rows; i += 1) sigma += ((qr[ck + i] as number) / scale) ** 2;
    const x0 = (qr[ck + k] as number) / scale;
    const mu = Math.sqrt(x0 * x0 + sigma);
    // The reflection maps x to alpha·e1 with alpha = −sign(x0)·‖x‖, so v0 = x0 − alpha has no
    // cancellation (G&VL Alg. 5.1.1); R_kk = alpha.
    const alpha = x0 >= 0 ? -mu : mu;
    const v0 = x0 - alpha;
    // Householder vector v = (1, x[k+1..]/(scale·v0)), β = −v0/alpha.
    for (let i = k + 1; i < rows; i += 1) qr[ck + i] = (qr[ck + i] as number) / scale / v0;
    const b = -v0 / alpha;
    beta[k] = b;
    qr[ck + k] = alpha * scale;
    relativeDiagonal[k] = originalNorm > 0 ? Math.abs(alpha * scale) / originalNorm : 0;
    // Apply H_k to the remaining columns.
    for (let j = k + 1; j < cols; j += 1) {
      const cj = j * rows;
      let s = qr[cj + k] as number;
      for (let i = k + 1; i < rows; i += 1) s += (qr[ck + i] as number) * (qr[cj + i] as number);
      s *= b;
      qr[cj + k] = (qr[cj + k] as number) - s;
      for (let i = k + 1; i < rows; i += 1) qr[cj + i] = (qr[cj + i] as number) - s * (qr[ck + i] as number);
    }
  }
  return { rows, cols, qr, beta, relativeDiagonal };
}

/** Least-squares solution of min ‖A x − b‖₂ from a QR factorisation of A (full column rank). */
export function qrSolve(f: HouseholderQr, b: ArrayLike<number>): Float64Array {
  const { rows, cols, qr, beta } = f;
  const y = Float64Array.from(b as ArrayLike<number>);
  if (y.length !== rows)
    throw new RangeError(`qrSolve: right-hand side has ${y.length} values, expected ${rows}`);
  // y ← Qᵀ b.
  for (let k = 0; k < cols; k += 1) {
    const ck = k * rows;
    let s = y[k] as number;
    for (let i = k + 1; i < rows; i += 1) s += (qr[ck + i] as number) * (y[i] as number);
    s *= beta[k] as number;
    y[k] = (y[k] as number) - s;
    for (let i = k + 1; i < rows; i += 1) y[i] = (y[i] as number) - s * (qr[ck + i] as number);
  }
  // Back-substitution R x = (Qᵀb)[0..p).
  const x = new Float64Array(cols);
  for (let k = cols - 1; k >= 0; k -= 1) {
    let s = y[k] as number;
    for (let j = k + 1; j < cols; j += 1) s -= (qr[k + j * rows] as number) * (x[j] as number);
    x[k] = s / (qr[k + k * rows] as number);
  }
  return x;
}

/** (RᵀR)⁻¹ = (AᵀA)⁻¹ from a QR factorisation of A, as R's `chol2inv(qr.R(qr(A)))`; row-major p × p. */
export function qrInverseGram(f: HouseholderQr): number[][] {
  const { rows, cols, qr } = f;
  // Rinv: upper triangular inverse of R, by columns.
  const rinv = new Float64Array(cols * cols); // row-major
  for (let j = 0; j < cols; j += 1) {
    rinv[j * cols + j] = 1 / (qr[j + j * rows] as number);
    for (let i = j - 1; i >= 0; i -= 1) {
      let s = 0;
      for (let k = i + 1; k <= j; k += 1) s += (qr[i + k * rows] as number) * (rinv[k * cols + j] as number);
      rinv[i * cols + j] = -s / (qr[i + i * rows] as number);
    }
  }
  const out: number[][] = [];
  for (let i = 0; i < cols; i += 1) {
    const row = new Array<number>(cols).fill(0);
    for (let j = 0; j < cols; j += 1) {
      let s = 0;
      for (let k = Math.max(i, j); k < cols; k += 1)
        s += (rinv[i * cols + k] as number) * (rinv[j * cols + k] as number);
      row[j] = s;
    }
    out.push(row);
  }
  return out;
}

/** Eigen-decomposition of a symmetric matrix: eigenvalues in decreasing order with unit eigenvectors. */
export interface SymmetricEigen {
  values: Float64Array;
  /** vectors[k] is the unit eigenvector of values[k]. */
  vectors: Float64Array[];
}

/**
 * Eigenvalues and eigenvectors of a symmetric n × n matrix `a` (row- or column-major: the same for
 * a symmetric matrix; only the lower triangle is read). Householder tridiagonalisation followed by
 * implicit symmetric QR steps with Wilkinson shifts (Golub & Van Loan §8.3), accumulating the
 * orthogonal transformations. Cost ≈ 9n³ flops; n = 250 takes a fraction of a second.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n * n} values, got ${a.length}`);
  // t: working copy, row-major, symmetrised from the lower triangle.
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      const v = a[i * n + j] as number;
      if (!Number.isFinite(v)) throw new RangeError(`symmetricEigen: non-finite entry at (${i}, ${j})`);
      t[i * n + j] = v;
      t[j * n + i] = v;
    }
  }
  // Householder tridiagonalisation: for k = 0..n−3 reflect t[k+1.., k] onto e1.
  const vs: Float64Array[] = [];
  const betas: number[] = [];
  const p = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n - 2; k += 1) {
    const m = n - k - 1; // length of the sub-column
    const v = new Float64Array(m);
    let scale = 0;
    for (let i = 0; i < m; i += 1) scale = Math.max(scale, Math.abs(t[(k + 1 + i) * n + k] as number));
    if (scale === 0) {
      vs.push(v);
      betas.push(0);
      continue;
    }
    let sigma = 0;
    for (let i = 0; i < m; i += 1) {
      v[i] = (t[(k + 1 + i) * n + k] as number) / scale;
      if (i > 0) sigma += (v[i] as number) ** 2;
    }
    const x0 = v[0] as number;
    const mu = Math.sqrt(x0 * x0 + sigma);
    if (sigma === 0) {
      // Already zero below the sub-diagonal.
      vs.push(new Float64Array(m));
      betas.push(0);
      continue;
    }
    const alpha = x0 >= 0 ? -mu : mu;
    const v0 = x0 - alpha;
    for (let i = 1; i < m; i += 1) v[i] = (v[i] as number) / v0;
    v[0] = 1;
    const beta = -v0 / alpha;
    vs.push(v);
    betas.push(beta);
    // p = β · T22 v, over the trailing block (rows/cols k+1..n−1).
    for (let i = 0; i < m; i += 1) {
      let s = 0;
      const row = (k + 1 + i) * n + k + 1;
      for (let j = 0; j < m; j += 1) s += (t[row + j] as number) * (v[j] as number);
      p[i] = beta * s;
    }
    let pv = 0;
    for (let i = 0; i < m; i += 1) pv += (p[i] as number) * (v[i] as number);
    const half = (beta * pv) / 2;
    for (let i = 0; i < m; i += 1) w[i] = (p[i] as number) - half * (v[i] as number);
    for (let i = 0; i < m; i += 1) {
      const row = (k + 1 + i) * n + k + 1;
      const vi = v[i] as number;
      const wi = w[i] as number;
      for (let j = 0; j < m; j += 1)
        t[row + j] = (t[row + j] as number) - vi * (w[j] as number) - wi * (v[j] as number);
    }
    const sub = alpha * scale;
    t[(k + 1) * n + k] = sub;
    t[k * n + k + 1] = sub;
    for (let i = 1; i < m; i += 1) {
      t[(k + 1 + i) * n + k] = 0;
      t[k * n + k + 1 + i] = 0;
    }
  }
  // Q = H_0 H_1 … H_{n−3}, accumulated backwards; stored row-major.
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) q[i * n + i] = 1;
  for (let k = n - 3; k >= 0; k -= 1) {
    const v = vs[k] as Float64Array;
    const beta = betas[k] as number;
    if (beta === 0) continue;
    const m = n - k - 1;
    // Q[k+1.., k+1..] ← (I − β v vᵀ) Q[k+1.., k+1..]
    for (let j = k + 1; j < n; j += 1) {
      let s = 0;
      for (let i = 0; i < m; i += 1) s += (v[i] as number) * (q[(k + 1 + i) * n + j] as number);
      s *= beta;
      for (let i = 0; i < m; i += 1)
        q[(k + 1 + i) * n + j] = (q[(k + 1 + i) * n + j] as number) - s * (v[i] as number);
    }
  }
  // Tridiagonal d (diagonal) and e (sub-diagonal, e[i] = T[i+1][i]).
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n; i += 1) d[i] = t[i * n + i] as number;
  for (let i = 0; i + 1 < n; i += 1) e[i] = t[(i + 1) * n + i] as number;
  implicitSymmetricQr(d, e, q, n);
  // Sort decreasing; eigenvector k is column k of q.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (d[j] as number) - (d[i] as number));
  const values = new Float64Array(n);
  const vectors: Float64Array[] = [];
  order.forEach((src, k) => {
    values[k] = d[src] as number;
    const vec = new Float64Array(n);
    for (let i = 0; i < n; i += 1) vec[i] = q[i * n + src] as number;
    vectors.push(vec);
  });
  return { values, vectors };
}

/**
 * Diagonalises the symmetric tridiagonal (d, e) in place by implicit QR steps with Wilkinson
 * shift (G&VL Alg. 8.3.2), chasing the bulge with Givens rotations and applying each rotation to
 * the columns of q (row-major n × n) so that A = q diag(d) qᵀ on return.
 */
function implicitSymmetricQr(d: Float64Array, e: Float64Array, q: Float64Array, n: number): void {
  const eps = Number.EPSILON;
  let hi = n - 1;
  let iterations = 0;
  const maxIterations = 60 * Math.max(n, 1);
  while (hi > 0) {
    // Deflate negligible sub-diagonals at the bottom.
    if (Math.abs(e[hi - 1] as number) <= eps * (Math.abs(d[hi - 1] as number) + Math.abs(d[hi] as number))) {
      e[hi - 1] = 0;
      hi -= 1;
      continue;
    }
    // Find the start of the unreduced block ending at hi.
    let lo = hi - 1;
    while (lo > 0) {
      if (
        Math.abs(e[lo - 1] as number) <=
        eps * (Math.abs(d[lo - 1] as number) + Math.abs(d[lo] as number))
      ) {
        e[lo - 1] = 0;
        break;
      }
      lo -= 1;
    }
    iterations += 1;
    if (iterations > maxIterations) throw new Error('symmetricEigen: QR iteration did not converge');
    // Wilkinson shift from the trailing 2 × 2 block.
    const dd = ((d[hi - 1] as number) - (d[hi] as number)) / 2;
    const eh = e[hi - 1] as number;
    const denom = dd + (dd >= 0 ? 1 : -1) * Math.hypot(dd, eh);
    const mu = (d[hi] as number) - (denom === 0 ? 0 : (eh * eh) / denom);
    let x = (d[lo] as number) - mu;
    let z = e[lo] as number;
    let bulge = 0;
    for (let k = lo; k < hi; k += 1) {
      if (k > lo) {
        x = e[k - 1] as number;
        z = bulge;
      }
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : z / r;
      // Rotation G acting on indices k, k+1: T ← G T Gᵀ with G rows (c, s), (−s, c).
      if (k > lo) e[k - 1] = r;
      const dk = d[k] as number;
      const dk1 = d[k + 1] as number;
      const ek = e[k] as number;
      // 2 × 2 block [dk ek; ek dk1] rotated.
      d[k] = c * c * dk + 2 * c * s * ek + s * s * dk1;
      d[k + 1] = s * s * dk - 2 * c * s * ek + c * c * dk1;
      e[k] = c * s * (dk1 - dk) + (c * c - s * s) * ek;
      if (k + 1 < hi) {
        const ek1 = e[k + 1] as number;
        bulge = s * ek1;
        e[k + 1] = c * ek1;
      }
      // Accumulate: q ← q Gᵀ (columns k and k+1).
      for (let i = 0; i < n; i += 1) {
        const qk = q[i * n + k] as number;
        const qk1 = q[i * n + k + 1] as number;
        q[i * n + k] = c * qk + s * qk1;
        q[i * n + k + 1] = -s * qk + c * qk1;
      }
    }
  }
}
