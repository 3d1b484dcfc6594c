/**
 * Helpers shared by the texture families (GLCM, GLRLM, GLSZM, GLDM, NGTDM): neighbour offsets
 * generated as PyRadiomics' `imageoperations.generateAngles` does, distance weights of
 * `weightingNorm`, small numeric utilities with PyRadiomics' conventions, and the padded grid
 * every matrix is built on (one pass over a list of the ROI voxels, neighbours reached by a
 * precomputed index step, no bounds checks).
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
  const { gray, mask } = roi;
  for (let v = 0; v < gray.length; v += 1) if (mask[v] !== 0 && gray[v]! > m) m = gray[v]!;
  return m;
}

/**
 * The discretised ROI on a grid padded by `pad` voxels on every side, so that a step of up to
 * `pad` voxels along each axis from an ROI voxel never leaves the array and needs no bounds
 * check: off-grid and outside-the-ROI neighbours both read gray level 0 (ROI voxels have levels
 * ≥ 1). Built once per matrix; the traversals of every texture family run on it.
 */
export interface PaddedGrid {
  /** Gray level per voxel of the padded grid (i fastest), 0 outside the ROI and in the padding. */
  gray: Int32Array;
  /** Padded sizes (i, j, k). */
  nx: number;
  ny: number;
  nz: number;
  /** Indices in `gray` of the ROI voxels, in scan order (i fastest, then j, then k). */
  voxels: Int32Array;
  /** Highest gray level inside the ROI (0 for an empty ROI). */
  maxGray: number;
  /** Extent (i, j, k) of the ROI voxels: the bounding box generateAngles checks offsets against. */
  extent: [number, number, number];
}

export function paddedGrid(roi: DiscretisedRoi, pad: number): PaddedGrid {
  const sx = roi.size[0];
  const sy = roi.size[1];
  const sz = roi.size[2];
  const nx = sx + 2 * pad;
  const ny = sy + 2 * pad;
  const nz = sz + 2 * pad;
  const gray = new Int32Array(nx * ny * nz);
  const all = new Int32Array(roi.mask.length);
  const [n, maxGray, minGray, loI, hiI, loJ, hiJ, loK, hiK] = fillGrid(
    roi.mask,
    roi.gray,
    sx,
    sy,
    sz,
    pad,
    gray,
    all,
  );
  if (minGray! < 1) throw new RangeError('gray levels inside the ROI must be ≥ 1 (discretised)');
  const extent: [number, number, number] =
    hiI! < 0 ? [0, 0, 0] : [hiI! - loI! + 1, hiJ! - loJ! + 1, hiK! - loK! + 1];
  return { gray, nx, ny, nz, voxels: all.subarray(0, n), maxGray: maxGray!, extent };
}

/**
 * The loop of paddedGrid: copies the ROI levels into `gray`, lists the ROI voxels in `voxels`;
 * returns [their number, max level, min level, loI, hiI, loJ, hiJ, loK, hiK]. Hot loops live
 * in small functions of typed arrays that end with the loop (V8 optimises such a function
 * once, whatever the shapes of the ROI objects, and its optimised loop has nothing after it
 * that could lack type feedback).
 */
function fillGrid(
  mask: Uint8Array,
  src: Int32Array,
  sx: number,
  sy: number,
  sz: number,
  pad: number,
  gray: Int32Array,
  voxels: Int32Array,
): number[] {
  const nx = sx + 2 * pad;
  const ny = sy + 2 * pad;
  let maxGray = 0;
  let minGray = 1;
  let loI = sx;
  let hiI = -1;
  let loJ = sy;
  let hiJ = -1;
  let loK = sz;
  let hiK = -1;
  let n = 0;
  for (let k = 0, v = 0; k < sz; k += 1)
    for (let j = 0; j < sy; j += 1, v += sx) {
      const row = pad + nx * (j + pad + ny * (k + pad));
      const first = n;
      for (let i = 0; i < sx; i += 1) {
        if (mask[v + i] === 0) continue;
        const g = src[v + i]!;
        gray[row + i] = g;
        voxels[n] = row + i;
        n += 1;
        maxGray = g > maxGray ? g : maxGray;
        minGray = g < minGray ? g : minGray;
      }
      if (n > first) {
        // The row's ROI voxels are in ascending i: the first and last give its i-range.
        if (voxels[first]! - row < loI) loI = voxels[first]! - row;
        if (voxels[n - 1]! - row > hiI) hiI = voxels[n - 1]! - row;
        if (j < loJ) loJ = j;
        if (j > hiJ) hiJ = j;
        if (k < loK) loK = k;
        if (k > hiK) hiK = k;
      }
    }
  return [n, maxGray, minGray, loI, hiI, loJ, hiJ, loK, hiK];
}

/** The largest step of any angle along one axis: the padding the traversals need. */
export function anglePadding(s: Pick<TextureSettings, 'distances'>): number {
  return Math.ceil(Math.max(1, ...s.distances));
}

/** Index step in `grid.gray` of the offset (di, dj, dk). */
export function gridStep(grid: PaddedGrid, di: number, dj: number, dk: number): number {
  return di + grid.nx * (dj + grid.ny * dk);
}
