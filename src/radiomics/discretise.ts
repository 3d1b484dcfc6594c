/**
 * Gray-level discretisation exactly as PyRadiomics imageoperations.getBinEdges / binImage,
 * including the floating-point behaviour of the numpy calls they make (numpy.arange,
 * numpy.histogram's linspace edges, numpy.digitize).
 */
import type { CroppedRoi, DiscretisedRoi } from './types.ts';

/** Python's float `a % b`: fmod, then shifted so the result has the sign of b (CPython float_rem). */
export function pythonMod(a: number, b: number): number {
  let mod = a % b; // JS % is C fmod
  if (mod !== 0) {
    if (b < 0 !== mod < 0) mod += b;
  } else {
    mod = b < 0 ? -0 : 0;
  }
  return mod;
}

/**
 * numpy.arange(start, stop, step) for floats: length ceil((stop − start) / step); the values are
 * filled as [start, start + step, start + i·delta …] with delta = (start + step) − start (numpy's
 * PyArray_Arange then DOUBLE_fill).
 */
export function numpyArange(start: number, stop: number, step: number): number[] {
  const span = stop - start;
  const ratio = span / step;
  // numpy: a zero quotient of a non-zero span still gives one element unless the signs differ.
  const len =
    ratio === 0 && span !== 0 ? (ratio < 0 || Object.is(ratio, -0) ? 0 : 1) : Math.max(0, Math.ceil(ratio));
  if (len === 0) return [];
  const out = [start];
  if (len === 1) return out;
  const second = start + step;
  out.push(second);
  const delta = second - start;
  for (let i = 2; i < len; i += 1) out.push(start + i * delta);
  return out;
}

/**
 * Edges numpy.histogram(values, bins) uses: range (min, max), widened by ±0.5 when min == max;
 * numpy.linspace(first, last, bins + 1): i·step + first with step = (last − first)/bins, and the
 * final edge set to `last` exactly.
 */
export function numpyHistogramEdges(min: number, max: number, bins: number): number[] {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const step = (last - first) / bins;
  const edges: number[] = [];
  for (let i = 0; i <= bins; i += 1) edges.push(i * step + first);
  edges[bins] = last;
  return edges;
}

export interface BinningSettings {
  binWidth: number;
  binCount: number | null;
}

/**
 * getBinEdges. Fixed bin count: the numpy.histogram edges with the last edge + 1 (so the maximum
 * falls in the top bin under numpy.digitize). Fixed bin width W: lowBound = min − (min mod W)
 * (Python floor-mod), highBound = max + 2W, edges = numpy.arange(lowBound, highBound, W); a
 * single edge (flat region with min mod W = 0) becomes [e − 0.5, e + 0.5].
 */
export function getBinEdges(min: number, max: number, s: BinningSettings): number[] {
  if (s.binCount !== null) {
    const edges = numpyHistogramEdges(min, max, s.binCount);
    edges[edges.length - 1]! += 1;
    return edges;
  }
  const w = s.binWidth;
  const lowBound = min - pythonMod(min, w);
  const highBound = max + 2 * w;
  const edges = numpyArange(lowBound, highBound, w);
  if (edges.length === 1) return [edges[0]! - 0.5, edges[0]! + 0.5];
  return edges;
}

/**
 * numpy.digitize(x, edges) for increasing edges (right=False): the i with edges[i−1] ≤ x < edges[i];
 * 0 below the first edge, edges.length at or above the last. Binary search.
 */
export function digitize(x: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** [min, max] of the image inside the mask ([Infinity, −Infinity] for an empty mask). */
function maskedRange(image: Float64Array, mask: Uint8Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < mask.length; i += 1) {
    if (mask[i] === 0) continue;
    const v = image[i]!;
    min = v < min ? v : min;
    max = v > max ? v : max;
  }
  return [min, max];
}

/**
 * gray[i] = digitize(image[i], edges) inside the mask. The edges are (nearly) evenly spaced, so
 * each bin is first guessed from the first edge and the spacing, then moved to the exact
 * numpy.digitize answer by comparing with the edges themselves (usually no step at all).
 */
function digitizeMasked(image: Float64Array, mask: Uint8Array, edges: Float64Array, gray: Int32Array): void {
  const last = edges.length;
  const first = edges[0]!;
  const invWidth = last > 1 ? 1 / (edges[1]! - first) : 0;
  for (let i = 0; i < mask.length; i += 1) {
    if (mask[i] === 0) continue;
    const x = image[i]!;
    // The guess only has to land in [0, last]; `| 0` truncates (and maps NaN to 0).
    let b = (((x - first) * invWidth) | 0) + 1;
    if (b < 0) b = 0;
    else if (b > last) b = last;
    while (b < last && edges[b]! <= x) b += 1;
    while (b > 0 && edges[b - 1]! > x) b -= 1;
    gray[i] = b;
  }
}

/**
 * binImage: discretises the ROI voxels (edges from the ROI's values only); 0 outside the ROI.
 * Same result as `digitize` voxel by voxel (see digitizeMasked). The loops are small functions
 * of typed arrays, which V8 optimises once and keeps whatever the shape of `roi` and `s`.
 */
export function discretise(roi: CroppedRoi, s: BinningSettings): DiscretisedRoi {
  const [min, max] = maskedRange(roi.image, roi.mask);
  if (min === Infinity) throw new RangeError('cannot discretise an empty ROI');
  const binEdges = getBinEdges(min, max, s);
  const gray = new Int32Array(roi.mask.length);
  digitizeMasked(roi.image, roi.mask, Float64Array.from(binEdges), gray);
  return { ...roi, gray, binEdges };
}
