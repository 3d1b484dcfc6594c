/**
 * Resampling a Volume onto another grid, as itk::ResampleImageFilter does with an identity
 * transform (SimpleITK's Resample, called by PyRadiomics' imageoperations.resampleImage):
 *
 *   - each output voxel centre is mapped to a continuous index of the input;
 *   - it is interpolated only if that index lies inside the buffer extended by half a voxel
 *     (ImageFunction::IsInsideBuffer: start − 0.5 ≤ x < end + 0.5), otherwise it takes the
 *     default value (0);
 *   - interpolators: nearest neighbour (round half up), linear (clamped at the edges, as
 *     LinearInterpolateImageFunction), cubic B-spline (bspline.ts, mirror boundaries);
 *   - when the output keeps an integer pixel type, the interpolated value is clamped to the
 *     type's range and truncated toward zero (ResampleImageFilter::CastPixelWithBoundsChecking,
 *     a static_cast).
 */
import { bsplineCoefficients, createBSplineEvaluator } from './bspline.ts';
import {
  cropVolume,
  indexToWorld,
  voxelCount,
  worldToIndex,
  type Geometry,
  type Vec3,
  type Volume,
  type VoxelArray,
} from './volume.ts';

export type Interpolation = 'nearest' | 'linear' | 'bspline';

export interface ResampleOptions {
  /** Value of output voxels that fall outside the input (ITK DefaultPixelValue, 0). */
  defaultValue?: number;
  /** `float64` (default) or `same`: the input's typed-array type, cast as ITK casts. */
  pixelType?: 'float64' | 'same';
}

type Sampler = (ci: number, cj: number, ck: number) => number;

/**
 * Influence of a coefficient decays as |z|^n with z = √3 − 2 (|z|^28 ≈ 1e-16), so the B-spline
 * coefficients are computed on the part of the input the output needs plus this margin; beyond
 * it the result cannot differ from the whole-image computation beyond double-precision rounding.
 */
const BSPLINE_MARGIN = 28;

/** Inclusive index box of the input that the output grid reaches, widened by `margin`. */
function inputBox(image: Geometry, target: Geometry, margin: number): [Vec3, Vec3] {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let corner = 0; corner < 8; corner += 1) {
    const idx: Vec3 = [
      corner & 1 ? target.size[0] - 1 : 0,
      corner & 2 ? target.size[1] - 1 : 0,
      corner & 4 ? target.size[2] - 1 : 0,
    ];
    const c = worldToIndex(image, indexToWorld(target, idx[0], idx[1], idx[2]));
    for (let a = 0; a < 3; a += 1) {
      lo[a] = Math.min(lo[a]!, c[a]!);
      hi[a] = Math.max(hi[a]!, c[a]!);
    }
  }
  const from = lo.map((v) => Math.max(0, Math.floor(v) - margin)) as unknown as Vec3;
  const to = hi.map((v, a) => Math.min(image.size[a]! - 1, Math.ceil(v) + margin)) as unknown as Vec3;
  return [from, to];
}

/**
 * The block of `image` that resampling onto `target` reads (interpolation support included), or
 * null when the target lies wholly outside the image. Resampling that block gives the same
 * result as resampling the whole image: the block reaches the image's own edge wherever the
 * target does.
 */
export function requiredInputBox(
  image: Geometry,
  target: Geometry,
  interpolation: Interpolation,
): [Vec3, Vec3] | null {
  const [from, to] = inputBox(image, target, interpolation === 'bspline' ? BSPLINE_MARGIN + 2 : 2);
  return from.every((v, a) => v <= to[a]!) ? [from, to] : null;
}

function nearestSampler(data: VoxelArray, size: Vec3): Sampler {
  const [ni, nj] = size;
  // ITK ConvertContinuousIndexToNearestIndex: RoundHalfIntegerUp = ⌊x + 0.5⌋.
  return (ci, cj, ck) =>
    data[Math.floor(ci + 0.5) + ni * (Math.floor(cj + 0.5) + nj * Math.floor(ck + 0.5))]!;
}

function linearSampler(data: VoxelArray, size: Vec3): Sampler {
  const [ni, nj, nk] = size;
  const sliceSize = ni * nj;
  // Base index clamped to the buffer; a fraction ≤ 0 or a neighbour past the end uses the base
  // alone (LinearInterpolateImageFunction), i.e. values are held constant beyond the edges.
  const base = (x: number, n: number) => {
    const b = Math.floor(x);
    return b < 0 ? 0 : b > n - 1 ? n - 1 : b;
  };
  return (ci, cj, ck) => {
    const i0 = base(ci, ni);
    const j0 = base(cj, nj);
    const k0 = base(ck, nk);
    let fi = ci - i0;
    let fj = cj - j0;
    let fk = ck - k0;
    let di = 1;
    let dj = ni;
    let dk = sliceSize;
    if (!(fi > 0 && i0 + 1 < ni)) [fi, di] = [0, 0];
    if (!(fj > 0 && j0 + 1 < nj)) [fj, dj] = [0, 0];
    if (!(fk > 0 && k0 + 1 < nk)) [fk, dk] = [0, 0];
    const o = i0 + ni * j0 + sliceSize * k0;
    const v000 = data[o]!;
    const v100 = data[o + di]!;
    const v010 = data[o + dj]!;
    const v110 = data[o + dj + di]!;
    const v001 = data[o + dk]!;
    const v101 = data[o + dk + di]!;
    const v011 = data[o + dk + dj]!;
    const v111 = data[o + dk + dj + di]!;
    const c00 = v000 + (v100 - v000) * fi;
    const c10 = v010 + (v110 - v010) * fi;
    const c01 = v001 + (v101 - v001) * fi;
    const c11 = v011 + (v111 - v011) * fi;
    const c0 = c00 + (c10 - c00) * fj;
    const c1 = c01 + (c11 - c01) * fj;
    return c0 + (c1 - c0) * fk;
  };
}

/** B-spline sampler on the sub-block [from, to] of the input, answering input indices. */
function bsplineSampler(image: Volume, from: Vec3, to: Vec3): Sampler {
  const block = cropVolume(image, from, to);
  const size = block.size;
  const evaluate = createBSplineEvaluator(bsplineCoefficients(block.data, size), size);
  return (ci, cj, ck) => evaluate(ci - from[0], cj - from[1], ck - from[2]);
}

type IntegerArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

const INTEGER_RANGES = new Map<string, [number, number]>([
  ['Int8Array', [-128, 127]],
  ['Uint8Array', [0, 255]],
  ['Int16Array', [-32768, 32767]],
  ['Uint16Array', [0, 65535]],
  ['Int32Array', [-2147483648, 2147483647]],
  ['Uint32Array', [0, 4294967295]],
]);

function allocateLike(data: VoxelArray, n: number): VoxelArray {
  const Ctor = data.constructor as new (length: number) => VoxelArray;
  return new Ctor(n);
}

/** The image resampled onto `target` (its size, spacing, origin and direction). */
export function resampleVolume(
  image: Volume,
  target: Geometry,
  interpolation: Interpolation,
  options: ResampleOptions = {},
): Volume {
  const defaultValue = options.defaultValue ?? 0;
  const n = voxelCount(target);
  const out: VoxelArray = options.pixelType === 'same' ? allocateLike(image.data, n) : new Float64Array(n);
  const range = options.pixelType === 'same' ? INTEGER_RANGES.get(image.data.constructor.name) : undefined;
  const store = range
    ? (o: number, v: number) => {
        (out as IntegerArray)[o] = v < range[0] ? range[0] : v > range[1] ? range[1] : Math.trunc(v);
      }
    : (o: number, v: number) => {
        out[o] = v;
      };

  let sample: Sampler;
  if (interpolation === 'nearest') sample = nearestSampler(image.data, image.size);
  else if (interpolation === 'linear') sample = linearSampler(image.data, image.size);
  else {
    const [from, to] = inputBox(image, target, BSPLINE_MARGIN);
    // An output wholly outside the input needs no coefficients: every voxel takes the default.
    sample = from.every((v, a) => v <= to[a]!) ? bsplineSampler(image, from, to) : () => defaultValue;
  }

  // Output index → input continuous index is affine: origin plus one step per output axis
  // (ITK's ResampleImageFilter also steps along a scan line for linear transforms).
  const [ni, nj, nk] = image.size;
  const base = worldToIndex(image, indexToWorld(target, 0, 0, 0));
  const step = [0, 1, 2].map((a) => {
    const e = worldToIndex(image, indexToWorld(target, a === 0 ? 1 : 0, a === 1 ? 1 : 0, a === 2 ? 1 : 0));
    return [e[0] - base[0], e[1] - base[1], e[2] - base[2]];
  });
  const [s0, s1, s2] = step as [number[], number[], number[]];
  let o = 0;
  for (let k = 0; k < target.size[2]; k += 1)
    for (let j = 0; j < target.size[1]; j += 1) {
      const ri = base[0] + j * s1[0]! + k * s2[0]!;
      const rj = base[1] + j * s1[1]! + k * s2[1]!;
      const rk = base[2] + j * s1[2]! + k * s2[2]!;
      for (let i = 0; i < target.size[0]; i += 1, o += 1) {
        const ci = ri + i * s0[0]!;
        const cj = rj + i * s0[1]!;
        const ck = rk + i * s0[2]!;
        const inside =
          ci >= -0.5 && ci < ni - 0.5 && cj >= -0.5 && cj < nj - 0.5 && ck >= -0.5 && ck < nk - 0.5;
        store(o, inside ? sample(ci, cj, ck) : defaultValue);
      }
    }
  return {
    size: target.size,
    spacingMm: target.spacingMm,
    originMm: target.originMm,
    direction: target.direction,
    data: out,
  };
}
