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

/** binImage: discretises the ROI voxels (edges from the ROI's values only); 0 outside the ROI. */
export function discretise(roi: CroppedRoi, s: BinningSettings): DiscretisedRoi {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < roi.mask.length; i += 1)
    if (roi.mask[i]) {
      const v = roi.image[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  if (min === Infinity) throw new RangeError('cannot discretise an empty ROI');
  const binEdges = getBinEdges(min, max, s);
  const gray = new Int32Array(roi.mask.length);
  for (let i = 0; i < roi.mask.length; i += 1) if (roi.mask[i]) gray[i] = digitize(roi.image[i]!, binEdges);
  return { ...roi, gray, binEdges };
}
