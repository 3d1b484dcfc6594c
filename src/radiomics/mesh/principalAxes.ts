/**
 * Principal-component eigenvalues of the physical coordinates of the ROI voxel centres, as shape.py /
 * shape2D.py compute them: coordinates × spacing, centred on their mean, divided by √Np, covariance
 * C = Xᵀ X (i.e. the population covariance), eigenvalues by `numpy.linalg.eigvals`, values in
 * (−1e-10, 0) rounded to 0, sorted ascending.
 */

/** Eigenvalues (ascending) of the population covariance of the given points (`dim` coordinates each). */
export function principalEigenvalues(points: Float64Array, dim: 2 | 3): number[] {
  const n = points.length / dim;
  if (n === 0) return new Array<number>(dim).fill(Number.NaN);
  const mean = new Array<number>(dim).fill(0);
  for (let p = 0; p < n; p += 1) for (let d = 0; d < dim; d += 1) mean[d]! += points[p * dim + d]!;
  for (let d = 0; d < dim; d += 1) mean[d]! /= n;
  const cov = new Array<number>(dim * dim).fill(0);
  for (let p = 0; p < n; p += 1) {
    for (let r = 0; r < dim; r += 1) {
      const xr = points[p * dim + r]! - mean[r]!;
      for (let c = r; c < dim; c += 1) cov[r * dim + c]! += xr * (points[p * dim + c]! - mean[c]!);
    }
  }
  for (let r = 0; r < dim; r += 1) {
    for (let c = r; c < dim; c += 1) {
      cov[r * dim + c]! /= n;
      cov[c * dim + r] = cov[r * dim + c]!;
    }
  }
  const eig = symmetricEigenvalues(cov, dim);
  return eig.map((v) => (v < 0 && v > -1e-10 ? 0 : v)).sort((x, y) => x - y);
}

/** Eigenvalues of a small symmetric matrix (row-major) by cyclic Jacobi rotations. */
export function symmetricEigenvalues(matrix: readonly number[], dim: number): number[] {
  const m = matrix.slice();
  for (let sweep = 0; sweep < 100; sweep += 1) {
    let off = 0;
    for (let p = 0; p < dim; p += 1) for (let q = p + 1; q < dim; q += 1) off += m[p * dim + q]! ** 2;
    if (off < 1e-300) break;
    for (let p = 0; p < dim; p += 1) {
      for (let q = p + 1; q < dim; q += 1) {
        const apq = m[p * dim + q]!;
        if (apq === 0) continue;
        const app = m[p * dim + p]!;
        const aqq = m[q * dim + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let k = 0; k < dim; k += 1) {
          const akp = m[k * dim + p]!;
          const akq = m[k * dim + q]!;
          m[k * dim + p] = cs * akp - sn * akq;
          m[k * dim + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < dim; k += 1) {
          const apk = m[p * dim + k]!;
          const aqk = m[q * dim + k]!;
          m[p * dim + k] = cs * apk - sn * aqk;
          m[q * dim + k] = sn * apk + cs * aqk;
        }
      }
    }
  }
  return Array.from({ length: dim }, (_, d) => m[d * dim + d]!);
}
