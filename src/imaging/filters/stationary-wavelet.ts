/**
 * Undecimated (stationary) wavelet decomposition exactly as PyRadiomics' `Wavelet` image type
 * computes it: `radiomics/imageoperations.py`, `getWaveletImage` and `_swt3` (PyRadiomics 3.1),
 * which call `pywt.swtn` (PyWavelets `pywt/_swt.py`), which calls the C `swt_axis` / `swt_a` /
 * `swt_d` / `swt_` and `downsampling_convolution_periodization` (PyWavelets
 * `pywt/_extensions/c/wt.template.c`, `convolution.template.c`).
 *
 * What PyRadiomics does, in our terms:
 *  1. The SimpleITK array is indexed (z, y, x) = (k, j, i). Every odd dimension is padded by one
 *     sample with `numpy.pad(..., (0, 1), 'wrap')`, i.e. the appended sample repeats index 0 of
 *     that axis (all three dimensions, transformed or not).
 *  2. `axes = [2, 1, 0]` (numpy axes: x, y, z), minus `force2Ddimension` when `force2D` is set.
 *     In volume axes (0 = i, 1 = j, 2 = k) numpy axis a is volume axis 2 − a, so the default is
 *     [0, 1, 2]: the first letter of a decomposition name belongs to i (x), the second to j (y),
 *     the third to k (z). See `pyradiomicsWaveletAxes`.
 *  3. `start_level` times: `data = swtn(data, wavelet, level=1, start_level=0, axes)[0]['aaa']`.
 *     Then `level` times the same call, keeping the seven details of each and carrying the
 *     approximation on. Every call is a *level-1* swtn on the previous approximation: PyRadiomics'
 *     `wavelet2-…` images use the level-1 filters again, never the upsampled (à trous) filters
 *     that `pywt.swtn(level=2)` would use.
 *  4. swtn transforms the axes one after the other, in `axes` order; each subband x becomes
 *     (x+'a', x+'d'), so the dict order is aaa, aad, ada, add, daa, dad, dda, ddd. PyRadiomics
 *     renames a → L, d → H, skips the approximation among the details, crops the padding off
 *     (`[:-1]` on padded axes) and copies the input geometry (`CopyInformation`).
 *  5. Along one axis (C `swt_` at level 1, `downsampling_convolution_periodization` with step 1)
 *     the output has the input length N and, with F the filter length,
 *        out[o] = Σ_{j=0}^{F−1} filter[j] · in[(o + ⌊F/2⌋ − j) mod N],
 *     using dec_lo for 'a' and dec_hi for 'd' (wavelet-filters.ts). `swtConvolve` keeps the
 *     C code's summation order so the result matches to the last bit on the same floating-point
 *     arithmetic (no FMA).
 *  6. Precision follows `pywt._check_dtype`: float32 data are transformed in float32 arithmetic,
 *     every other type is converted to float64.
 */
import { createVolume, type Geometry, type Vec3, type Volume } from '../volume.ts';
import { waveletFilterBank, type WaveletFilterBank, type WaveletPrecision } from './wavelet-filters.ts';

export interface StationaryWaveletOptions {
  /** PyWavelets name; PyRadiomics' default is 'coif1'. */
  wavelet?: string;
  /** Number of decompositions kept (PyRadiomics `level`, default 1). */
  level?: number;
  /** Decompositions computed and discarded first (PyRadiomics `start_level`, default 0). */
  startLevel?: number;
  /** Volume axes (0 = i, 1 = j, 2 = k) in PyRadiomics' order; default [0, 1, 2]. */
  axes?: readonly number[];
  /** Arithmetic; default as `pywt._check_dtype`: float32 for Float32Array data, else float64. */
  precision?: WaveletPrecision;
}

export interface StationaryWaveletResult {
  /** One map per kept level (first = start_level + 1), keys in PyRadiomics' letter and yield order. */
  details: Array<Map<string, Volume<Float64Array>>>;
  /** Approximation after the last level ('LLL' for three axes). */
  approximation: Volume<Float64Array>;
  /** The transformed volume axes, in key-letter order. */
  axes: number[];
}

export class WaveletOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaveletOptionsError';
  }
}

/**
 * PyRadiomics' `axes` for the wavelet (getWaveletImage: `list(range(Nd - 1, -1, -1))`, minus
 * `force2Ddimension` under force2D; that setting counts numpy axes, 0 = z), in volume axes.
 */
export function pyradiomicsWaveletAxes(force2D = false, force2Ddimension: 0 | 1 | 2 = 0): number[] {
  const numpyAxes = [2, 1, 0].filter((a) => !force2D || a !== force2Ddimension);
  return numpyAxes.map((a) => 2 - a);
}

/** swtn's dict keys for `nAxes` axes, in insertion order ('a' before 'd', first axis slowest). */
export function swtnKeys(nAxes: number): string[] {
  let keys = [''];
  for (let n = 0; n < nAxes; n += 1) keys = keys.flatMap((k) => [`${k}a`, `${k}d`]);
  return keys;
}

/** PyRadiomics' decomposition name: a → L (low pass), d → H (high pass). */
export function pyradiomicsDecompositionName(swtnKey: string): string {
  return swtnKey.replaceAll('a', 'L').replaceAll('d', 'H');
}

/**
 * Image type name of a decomposition (getWaveletImage): `wavelet-<key>` for the first kept level,
 * `wavelet<idx>-<key>` after; idx counts kept levels from 1, whatever start_level is.
 */
export function waveletImageName(levelIndex: number, decomposition: string): string {
  return levelIndex === 1 ? `wavelet-${decomposition}` : `wavelet${levelIndex}-${decomposition}`;
}

/**
 * One level of PyWavelets' stationary transform along a 1-D signal: C `swt_` (wt.template.c),
 * which calls `downsampling_convolution_periodization` (convolution.template.c) with step 1:
 *   output[o] = Σ_j f[j] · input[(o + ⌊F/2⌋ − j) mod N],  o = 0 … N−1,
 * where f is `filter` at swtLevel 1 and, at swtLevel L > 1, `filter` with 2^(L−1) − 1 zeros
 * between taps (à trous). The four loops below are the C function's (left overhang, interior,
 * filter longer than the signal, right overhang) with its summation order. With `float32` each
 * product and each sum is rounded to float, as the C float instantiation does; rounding a double
 * sum or product of two floats to float equals the float operation (53 ≥ 2·24 + 2).
 */
export function swtConvolve(
  input: ArrayLike<number>,
  filter: ArrayLike<number>,
  output: Float64Array,
  swtLevel = 1,
  precision: WaveletPrecision = 'float64',
): void {
  const N = input.length;
  if (output.length !== N) throw new RangeError(`output length ${output.length} ≠ input length ${N}`);
  if (!Number.isInteger(swtLevel) || swtLevel < 1) throw new RangeError(`swt level must be ≥ 1: ${swtLevel}`);
  if (N === 0) return;
  const f = upsampledFilter(filter, swtLevel);
  const F = f.length;
  const f32 = precision === 'float32';
  const add = f32 ? (s: number, a: number, b: number) => Math.fround(s + Math.fround(a * b)) : undefined;
  const half = Math.floor(F / 2);
  let i = half;
  let o = 0;
  // 1. filter extends past the start of the signal (wraps to its end)
  for (; i < F && i < N; i += 1, o += 1) {
    let sum = 0;
    let j = 0;
    for (; j <= i; j += 1) sum = add ? add(sum, f[j]!, input[i - j]!) : sum + f[j]! * input[i - j]!;
    while (j < F)
      for (let k = 0; k < N && j < F; k += 1, j += 1)
        sum = add ? add(sum, f[j]!, input[N - 1 - k]!) : sum + f[j]! * input[N - 1 - k]!;
    output[o] = sum;
  }
  // 2. filter inside the signal
  for (; i < N; i += 1, o += 1) {
    let sum = 0;
    if (add) for (let j = 0; j < F; j += 1) sum = add(sum, input[i - j]!, f[j]!);
    else for (let j = 0; j < F; j += 1) sum += input[i - j]! * f[j]!;
    output[o] = sum;
  }
  // 3. filter longer than the signal: wraps on both sides
  for (; i < F && i < N + half; i += 1, o += 1) {
    let sum = 0;
    let j = 0;
    while (i - j >= N)
      for (let k = 0; k < N && i - j >= N; k += 1, j += 1)
        sum = add ? add(sum, f[i - N - j]!, input[k]!) : sum + f[i - N - j]! * input[k]!;
    for (; j <= i; j += 1) sum = add ? add(sum, f[j]!, input[i - j]!) : sum + f[j]! * input[i - j]!;
    while (j < F)
      for (let k = 0; k < N && j < F; k += 1, j += 1)
        sum = add ? add(sum, f[j]!, input[N - 1 - k]!) : sum + f[j]! * input[N - 1 - k]!;
    output[o] = sum;
  }
  // 4. filter extends past the end of the signal (wraps to its start)
  for (; i < N + half; i += 1, o += 1) {
    let sum = 0;
    let j = 0;
    while (i - j >= N)
      for (let k = 0; k < N && i - j >= N; k += 1, j += 1)
        sum = add ? add(sum, f[i - N - j]!, input[k]!) : sum + f[i - N - j]! * input[k]!;
    for (; j < F; j += 1) sum = add ? add(sum, f[j]!, input[i - j]!) : sum + f[j]! * input[i - j]!;
    output[o] = sum;
  }
}

/** C `swt_`: at level L the filter gets 2^(L−1) − 1 zeros between its taps (e_filter). */
function upsampledFilter(filter: ArrayLike<number>, swtLevel: number): Float64Array {
  const step = 2 ** (swtLevel - 1);
  const out = new Float64Array(filter.length * step);
  for (let n = 0; n < filter.length; n += 1) out[n * step] = filter[n]!;
  return out;
}

/** A float64 grid without geometry: the padded working array of `_swt3`. */
interface Grid {
  size: Vec3;
  data: Float64Array;
}

/**
 * `numpy.pad(matrix, [(0, 1 if n odd else 0) per axis], 'wrap')`: padded(i, j, k) =
 * data(i mod ni, j mod nj, k mod nk), every odd size grown by one.
 */
export function wrapPadToEven(data: ArrayLike<number>, size: Vec3, precision: WaveletPrecision): Grid {
  const [ni, nj, nk] = size;
  const padded: Vec3 = [ni + (ni % 2), nj + (nj % 2), nk + (nk % 2)];
  const [pi, pj, pk] = padded;
  const out = new Float64Array(pi * pj * pk);
  const round = precision === 'float32' ? Math.fround : (v: number): number => v;
  let n = 0;
  for (let k = 0; k < pk; k += 1)
    for (let j = 0; j < pj; j += 1) {
      const row = ni * ((j % nj) + nj * (k % nk));
      for (let i = 0; i < pi; i += 1, n += 1) out[n] = round(data[row + (i % ni)]!);
    }
  return { size: padded, data: out };
}

/** The `[:-1]` crop of `_swt3`: the first `size` samples of each axis of a padded grid. */
export function cropToSize(grid: Grid, size: Vec3): Float64Array {
  const [ni, nj, nk] = size;
  const [pi, pj] = grid.size;
  const out = new Float64Array(ni * nj * nk);
  let n = 0;
  for (let k = 0; k < nk; k += 1)
    for (let j = 0; j < nj; j += 1) {
      const row = pi * (j + pj * k);
      for (let i = 0; i < ni; i += 1, n += 1) out[n] = grid.data[row + i]!;
    }
  return out;
}

/**
 * `pywt.swt_axis(x, wavelet, level=1, start_level=0, axis)`: every line of the grid along `axis`
 * through `swtConvolve` with dec_lo (approximation) and dec_hi (detail).
 */
function swtAlongAxis(grid: Grid, axis: number, bank: WaveletFilterBank): [Grid, Grid] {
  const [ni, nj, nk] = grid.size;
  const strides: Vec3 = [1, ni, ni * nj];
  const N = grid.size[axis]!;
  const stride = strides[axis]!;
  // the two axes across the lines
  const [u, v] = [0, 1, 2].filter((a) => a !== axis) as [number, number];
  const nu = grid.size[u]!;
  const nv = grid.size[v]!;
  const su = strides[u]!;
  const sv = strides[v]!;
  const approx = new Float64Array(ni * nj * nk);
  const detail = new Float64Array(ni * nj * nk);
  const line = new Float64Array(N);
  const lo = new Float64Array(N);
  const hi = new Float64Array(N);
  for (let b = 0; b < nv; b += 1)
    for (let a = 0; a < nu; a += 1) {
      const start = a * su + b * sv;
      for (let n = 0; n < N; n += 1) line[n] = grid.data[start + n * stride]!;
      swtConvolve(line, bank.decLo, lo, 1, bank.precision);
      swtConvolve(line, bank.decHi, hi, 1, bank.precision);
      for (let n = 0; n < N; n += 1) {
        approx[start + n * stride] = lo[n]!;
        detail[start + n * stride] = hi[n]!;
      }
    }
  return [
    { size: grid.size, data: approx },
    { size: grid.size, data: detail },
  ];
}

/**
 * `pywt.swtn(data, wavelet, level=1, start_level=0, axes)[0]`: the axes one after the other, each
 * subband split into (key+'a', key+'d'); returned in swtn's dict order.
 */
function swtnLevel1(grid: Grid, axes: readonly number[], bank: WaveletFilterBank): Map<string, Grid> {
  let coeffs: Array<[string, Grid]> = [['', grid]];
  for (const axis of axes) {
    const next: Array<[string, Grid]> = [];
    for (const [key, x] of coeffs) {
      const [a, d] = swtAlongAxis(x, axis, bank);
      next.push([`${key}a`, a], [`${key}d`, d]);
    }
    coeffs = next;
  }
  return new Map(coeffs);
}

function checkedOptions(image: Geometry, options: StationaryWaveletOptions) {
  const level = options.level ?? 1;
  const startLevel = options.startLevel ?? 0;
  const axes = [...(options.axes ?? [0, 1, 2])];
  if (!Number.isInteger(level) || level < 1)
    throw new WaveletOptionsError(`wavelet level must be an integer ≥ 1, got ${level}`);
  if (!Number.isInteger(startLevel) || startLevel < 0)
    throw new WaveletOptionsError(`wavelet start_level must be an integer ≥ 0, got ${startLevel}`);
  if (
    axes.length === 0 ||
    axes.some((a) => a !== 0 && a !== 1 && a !== 2) ||
    new Set(axes).size !== axes.length
  )
    throw new WaveletOptionsError(
      `wavelet axes must be distinct volume axes 0, 1, 2; got [${axes.join(', ')}]`,
    );
  if (image.size.some((n) => !Number.isInteger(n) || n < 1))
    throw new WaveletOptionsError(`cannot decompose an image of size ${image.size.join('×')}`);
  return { level, startLevel, axes };
}

/**
 * PyRadiomics' `_swt3`: the decompositions of `image` (details per kept level, approximation of
 * the last), each on the grid and geometry of the input. See the module comment for the steps.
 */
export function stationaryWavelet(
  image: Volume,
  options: StationaryWaveletOptions = {},
): StationaryWaveletResult {
  const { level, startLevel, axes } = checkedOptions(image, options);
  const precision = options.precision ?? (image.data instanceof Float32Array ? 'float32' : 'float64');
  const bank = waveletFilterBank(options.wavelet ?? 'coif1', precision);
  const approxKey = 'a'.repeat(axes.length);
  const toVolume = (grid: Grid): Volume<Float64Array> => createVolume(image, cropToSize(grid, image.size));

  let data = wrapPadToEven(image.data, image.size, precision);
  for (let n = 0; n < startLevel; n += 1) data = swtnLevel1(data, axes, bank).get(approxKey)!;
  const details: Array<Map<string, Volume<Float64Array>>> = [];
  for (let n = 0; n < level; n += 1) {
    const dec = swtnLevel1(data, axes, bank);
    data = dec.get(approxKey)!;
    const kept = new Map<string, Volume<Float64Array>>();
    for (const [key, grid] of dec)
      if (key !== approxKey) kept.set(pyradiomicsDecompositionName(key), toVolume(grid));
    details.push(kept);
  }
  return { details, approximation: toVolume(data), axes };
}

/**
 * PyRadiomics' `getWaveletImage` output, in its yield order: the details level by level in swtn's
 * dict order (e.g. wavelet-LLH, wavelet-LHL, …, wavelet-HHH, then wavelet2-LLH, …), then the
 * approximation, named `wavelet-LLL` for one kept level and `wavelet<level>-LLL` otherwise ('L'
 * once per transformed axis, so `wavelet-LL` under force2D).
 */
export function waveletImages(
  image: Volume,
  options: StationaryWaveletOptions = {},
): Array<{ name: string; image: Volume<Float64Array> }> {
  const result = stationaryWavelet(image, options);
  const out: Array<{ name: string; image: Volume<Float64Array> }> = [];
  result.details.forEach((level, n) => {
    for (const [key, volume] of level) out.push({ name: waveletImageName(n + 1, key), image: volume });
  });
  const approxName = 'L'.repeat(result.axes.length);
  out.push({ name: waveletImageName(result.details.length, approxName), image: result.approximation });
  return out;
}

/** The names `waveletImages` yields, without computing anything. */
export function waveletImageNames(level = 1, nAxes = 3): string[] {
  const keys = swtnKeys(nAxes).slice(1).map(pyradiomicsDecompositionName);
  const names: string[] = [];
  for (let n = 1; n <= level; n += 1) for (const key of keys) names.push(waveletImageName(n, key));
  names.push(waveletImageName(level, 'L'.repeat(nAxes)));
  return names;
}
