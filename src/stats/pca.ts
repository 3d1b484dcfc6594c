/**
 * Principal component analysis with R's `prcomp(x, center = TRUE, scale. = FALSE)` conventions
 * (R Core Team, stats::prcomp; Jolliffe, *Principal Component Analysis*, 2nd ed., 2002): the
 * columns are centred on their means, not scaled; component k is the k-th right singular vector of
 * the centred matrix X_c; its standard deviation is d_k/√(n − 1) (variances with the n − 1
 * denominator); scores are X_c·V. The deep-feature recipe reduces 2,048-d ResNet features of the
 * training cohort to 128 components this way.
 *
 * Algorithm: with n rows and p columns the smaller of the two Gram matrices is decomposed —
 * X_cX_cᵀ (n × n) when n < p (the deep-feature case: 144 × 6,144), with v_k = X_cᵀu_k/√λ_k, else
 * X_cᵀX_c (p × p) — by the symmetric eigen-solver in matrix.ts. Squaring the singular values costs
 * accuracy only for components whose variance is ~1e-8 of the first or smaller, which are
 * refused (see below) or irrelevant for a reduction to the leading components.
 *
 * Sign: prcomp's signs are whatever LAPACK returns. Here each component is flipped so that its
 * largest-magnitude loading is positive (first such loading on exact ties), so a fit is
 * reproducible; compare with prcomp up to sign.
 *
 * A component is only returned if its variance is above 1e-10 × the first component's (numerical
 * rank): asking for more components than the data have directions is an error, not zero vectors.
 */
import { type Matrix, assertFiniteMatrix, symmetricEigen, zeroMatrix } from './matrix.ts';

export interface PcaFit {
  /** Column means used for centring (length p). */
  mean: Float64Array;
  /** k unit vectors of length p (prcomp's rotation columns, up to sign). */
  components: Float64Array[];
  /** Standard deviation of each retained component (prcomp's sdev[1..k]). */
  sdev: number[];
  /** sdev_k² / totalVariance (summary(prcomp)'s "Proportion of Variance"). */
  explainedVarianceRatio: number[];
  /** Sum of the column variances (n − 1 denominator) = sum of all prcomp sdev². */
  totalVariance: number;
}

const RANK_TOLERANCE = 1e-10;

/** Fits k principal components of X (n × p, column-major) with prcomp conventions (module comment). */
export function fitPca(X: Matrix, k: number): PcaFit {
  assertFiniteMatrix(X, 'PCA data');
  const n = X.rows;
  const p = X.cols;
  if (n < 2) throw new RangeError(`PCA needs at least 2 rows, got ${n}`);
  if (p < 1) throw new RangeError('PCA needs at least 1 column');
  const maxK = Math.min(n - 1, p);
  if (!Number.isInteger(k) || k < 1 || k > maxK) {
    throw new RangeError(`PCA: k must be an integer from 1 to min(n − 1, p) = ${maxK}, got ${k}`);
  }
  const mean = new Float64Array(p);
  const xc = new Float64Array(n * p);
  let totalSs = 0;
  for (let j = 0; j < p; j += 1) {
    const off = j * n;
    let s = 0;
    for (let i = 0; i < n; i += 1) s += X.data[off + i] as number;
    const m = s / n;
    mean[j] = m;
    for (let i = 0; i < n; i += 1) {
      const v = (X.data[off + i] as number) - m;
      xc[off + i] = v;
      totalSs += v * v;
    }
  }
  const totalVariance = totalSs / (n - 1);
  if (!(totalSs > 0))
    throw new RangeError('PCA: every column is constant; there is no variance to decompose');

  let values: Float64Array;
  let components: Float64Array[];
  if (n < p) {
    // Gram matrix G = X_c X_cᵀ (n × n), accumulated column by column (contiguous reads).
    const g = new Float64Array(n * n);
    for (let j = 0; j < p; j += 1) {
      const off = j * n;
      for (let a = 0; a < n; a += 1) {
        const xa = xc[off + a] as number;
        if (xa === 0) continue;
        const row = a * n;
        for (let b = 0; b <= a; b += 1) g[row + b] = (g[row + b] as number) + xa * (xc[off + b] as number);
      }
    }
    const eig = symmetricEigen(g, n);
    values = eig.values;
    checkRank(values, k);
    components = [];
    for (let c = 0; c < k; c += 1) {
      const u = eig.vectors[c] as Float64Array;
      const scale = 1 / Math.sqrt(values[c] as number);
      const v = new Float64Array(p);
      for (let j = 0; j < p; j += 1) {
        const off = j * n;
        let s = 0;
        for (let i = 0; i < n; i += 1) s += (xc[off + i] as number) * (u[i] as number);
        v[j] = s * scale;
      }
      components.push(v);
    }
  } else {
    // Cross-product matrix C = X_cᵀ X_c (p × p).
    const cmat = new Float64Array(p * p);
    for (let a = 0; a < p; a += 1) {
      for (let b = 0; b <= a; b += 1) {
        let s = 0;
        for (let i = 0; i < n; i += 1) s += (xc[a * n + i] as number) * (xc[b * n + i] as number);
        cmat[a * p + b] = s;
      }
    }
    const eig = symmetricEigen(cmat, p);
    values = eig.values;
    checkRank(values, k);
    components = eig.vectors.slice(0, k).map((v) => Float64Array.from(v));
  }
  for (const v of components) orientBySign(v);
  const sdev = Array.from(values.subarray(0, k), (l) => Math.sqrt(Math.max(l, 0) / (n - 1)));
  return {
    mean,
    components,
    sdev,
    explainedVarianceRatio: sdev.map((s) => (s * s) / totalVariance),
    totalVariance,
  };
}

function checkRank(values: Float64Array, k: number): void {
  const first = values[0] as number;
  let rank = 0;
  while (rank < values.length && (values[rank] as number) > RANK_TOLERANCE * first) rank += 1;
  if (k > rank) {
    throw new RangeError(
      `PCA: asked for ${k} components but the centred data have only ${rank} directions with variance`,
    );
  }
}

/** Flips v so that its largest-|loading| element (the first on ties) is positive. */
function orientBySign(v: Float64Array): void {
  let best = 0;
  for (let j = 1; j < v.length; j += 1) if (Math.abs(v[j] as number) > Math.abs(v[best] as number)) best = j;
  if ((v[best] as number) < 0) for (let j = 0; j < v.length; j += 1) v[j] = -(v[j] as number);
}

/** Scores (X − mean)·V: an n × k column-major matrix (prcomp's `x`, or predict(prcomp, newdata)). */
export function applyPca(fit: PcaFit, X: Matrix): Matrix {
  const p = fit.mean.length;
  if (X.cols !== p) throw new RangeError(`applyPca: the PCA was fitted on ${p} columns but X has ${X.cols}`);
  assertFiniteMatrix(X, 'applyPca data');
  const n = X.rows;
  const k = fit.components.length;
  const out = zeroMatrix(n, k);
  const centred = new Float64Array(n);
  for (let j = 0; j < p; j += 1) {
    const off = j * n;
    const m = fit.mean[j] as number;
    for (let i = 0; i < n; i += 1) centred[i] = (X.data[off + i] as number) - m;
    for (let c = 0; c < k; c += 1) {
      const w = (fit.components[c] as Float64Array)[j] as number;
      if (w === 0) continue;
      const dst = c * n;
      for (let i = 0; i < n; i += 1)
        out.data[dst + i] = (out.data[dst + i] as number) + w * (centred[i] as number);
    }
  }
  return out;
}
