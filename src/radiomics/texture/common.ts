/**
 * Helpers shared by the texture families (GLCM, GLRLM, GLSZM, GLDM, NGTDM): neighbour offsets
 * generated as PyRadiomics' `imageoperations.generateAngles` does, distance weights of
 * `weightingNorm`, and small numeric utilities with PyRadiomics' conventions.
 *
 * Axis conventions: PyRadiomics works on numpy arrays indexed (z, y, x), i.e. (k, j, i) of our
 * i-fastest layout. Angles are kept in numpy order (`zyx`) for weights and `force2Ddimension`
 * (0 = z / axial planes), and translated into voxel steps (`di`, `dj`, `dk`) for traversal.
 */
import type { DiscretisedRoi, TextureSettings } from '../types.ts';

/** numpy.spacing(1): the `eps` PyRadiomics adds inside logarithms. */
export const EPS = Number.EPSILON;

export interface Angle {
  /** Offset in numpy (z, y, x) order, as generateAngles returns it. */
  zyx: readonly [number, number, number];
  di: number;
  dj: number;
  dk: number;
}

/** Extent (i, j, k) of the voxels inside the mask (the ROI bounding box). */
export function maskExtent(roi: DiscretisedRoi): [number, number, number] {
  const [nx, ny, nz] = roi.size;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let k = 0, v = 0; k < nz; k += 1)
    for (let j = 0; j < ny; j += 1)
      for (let i = 0; i < nx; i += 1, v += 1) {
        if (!roi.mask[v]) continue;
        const c = [i, j, k];
        for (let a = 0; a < 3; a += 1) {
          lo[a] = Math.min(lo[a]!, c[a]!);
          hi[a] = Math.max(hi[a]!, c[a]!);
        }
      }
  if (lo[0] === Infinity) return [0, 0, 0];
  return [hi[0]! - lo[0]! + 1, hi[1]! - lo[1]! + 1, hi[2]! - lo[2]! + 1];
}

/**
 * imageoperations.generateAngles: every offset with infinity norm in `distances`, one of each
 * ± pair (the one whose first non-zero numpy component is positive), minus offsets that leave
 * the ROI bounding box in one step (`size - |a| <= 0` in some dimension), and, with force2D,
 * minus offsets that move along `force2Ddimension`. `sizeIjk` is the bounding box in (i, j, k).
 */
export function generateAngles(
  sizeIjk: readonly [number, number, number],
  s: Pick<TextureSettings, 'distances' | 'force2D' | 'force2Ddimension'>,
): Angle[] {
  const distances = s.distances.length > 0 ? s.distances : [1];
  const maxD = Math.max(...distances);
  const sizeZyx = [sizeIjk[2], sizeIjk[1], sizeIjk[0]];
  const out: Angle[] = [];
  for (let z = -maxD; z <= maxD; z += 1)
    for (let y = -maxD; y <= maxD; y += 1)
      for (let x = -maxD; x <= maxD; x += 1) {
        const a = [z, y, x] as const;
        const first = a.find((c) => c !== 0);
        if (first === undefined || first < 0) continue;
        if (!distances.includes(Math.max(Math.abs(z), Math.abs(y), Math.abs(x)))) continue;
        if (a.some((c, d) => sizeZyx[d]! - Math.abs(c) <= 0)) continue;
        if (s.force2D && a[s.force2Ddimension] !== 0) continue;
        out.push({ zyx: a, di: x, dj: y, dk: z });
      }
  return out;
}

/**
 * Weight of one angle when `weightingNorm` merges the angles (glcm.py / glrlm.py):
 * W = exp(-‖d‖²), d = |a| · spacing (numpy order), with the infinity, euclidean or manhattan
 * norm; 'no_weighting' (and any unknown norm) gives 1.
 */
export function angleWeight(
  a: Angle,
  spacingIjk: readonly number[],
  norm: TextureSettings['weightingNorm'],
): number {
  const d = [
    Math.abs(a.zyx[0]) * spacingIjk[2]!,
    Math.abs(a.zyx[1]) * spacingIjk[1]!,
    Math.abs(a.zyx[2]) * spacingIjk[0]!,
  ];
  switch (norm) {
    case 'infinity':
      return Math.exp(-(Math.max(...d) ** 2));
    case 'euclidean':
      return Math.exp(-d.reduce((t, c) => t + c * c, 0));
    case 'manhattan':
      return Math.exp(-(d.reduce((t, c) => t + c, 0) ** 2));
    default:
      return 1;
  }
}

/** numpy.nanmean: mean of the non-NaN values (NaN when there are none). */
export function nanMean(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values)
    if (!Number.isNaN(v)) {
      sum += v;
      n += 1;
    }
  return n === 0 ? Number.NaN : sum / n;
}

/** -Σ p·log2(p + eps) over a distribution (PyRadiomics' entropy convention). */
export function entropy(p: Iterable<number>): number {
  let h = 0;
  for (const v of p) h -= v * Math.log2(v + EPS);
  return h;
}

/** Highest gray level inside the ROI (matrices are indexed 1..this). */
export function maxGrayLevel(roi: DiscretisedRoi): number {
  let m = 0;
  for (let v = 0; v < roi.gray.length; v += 1) if (roi.mask[v] && roi.gray[v]! > m) m = roi.gray[v]!;
  return m;
}

/** Gray levels present inside the ROI, ascending. */
export function presentGrayLevels(roi: DiscretisedRoi): number[] {
  const seen = new Set<number>();
  for (let v = 0; v < roi.gray.length; v += 1) if (roi.mask[v]) seen.add(roi.gray[v]!);
  return [...seen].sort((a, b) => a - b);
}

/**
 * Calls `visit(v, n)` for every voxel v inside the mask whose neighbour n = v + sign·angle is
 * inside the image grid (not necessarily inside the mask).
 */
export function forEachPair(
  roi: DiscretisedRoi,
  a: Angle,
  sign: 1 | -1,
  visit: (v: number, n: number) => void,
): void {
  const [nx, ny, nz] = roi.size;
  const di = sign * a.di;
  const dj = sign * a.dj;
  const dk = sign * a.dk;
  const step = di + nx * (dj + ny * dk);
  for (let k = 0, v = 0; k < nz; k += 1) {
    const kOk = k + dk >= 0 && k + dk < nz;
    for (let j = 0; j < ny; j += 1) {
      const jOk = kOk && j + dj >= 0 && j + dj < ny;
      for (let i = 0; i < nx; i += 1, v += 1) {
        if (!jOk || !roi.mask[v]) continue;
        if (i + di < 0 || i + di >= nx) continue;
        visit(v, v + step);
      }
    }
  }
}
