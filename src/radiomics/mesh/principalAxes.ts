/**
 * Principal-component eigenvalues of the physical coordinates of the ROI voxel centres, as shape.py /
 * shape2D.py compute them: coordinates × spacing, centred on their mean, divided by √Np, covariance
 * C = Xᵀ X (i.e. the population covariance), eigenvalues by `numpy.linalg.eigvals`, values in
 * (−1e-10, 0) rounded to 0, sorted ascending.
 */

import { symmetricEigenvalues } from '../linalg.ts';

/** Eigenvalues (ascending) of the population covariance of the given points (`dim` coordinates each). */
export function principalEigenvalues(points: Float64Array, dim: 2 | 3): number[] {
  const n = points.length / dim;
  if (n === 0) return new Array<number>(dim).fill(Number.NaN);
  const mean = new Float64Array(dim);
  const cov = new Float64Array(dim * dim);
  accumulateCovariance(points, dim, mean, cov);
  const eig = symmetricEigenvalues(cov, dim);
  return eig.map((v) => (v < 0 && v > -1e-10 ? 0 : v)).sort((x, y) => x - y);
}

/** mean = the centroid; cov = Σ (x − mean)(x − mean)ᵀ / n (both triangles), in point order. */
function accumulateCovariance(
  points: Float64Array,
  dim: number,
  mean: Float64Array,
  cov: Float64Array,
): void {
  const n = points.length / dim;
  for (let p = 0; p < n; p += 1) for (let d = 0; d < dim; d += 1) mean[d]! += points[p * dim + d]!;
  for (let d = 0; d < dim; d += 1) mean[d]! /= n;
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
}
