/**
 * Voxel-wise intensity transforms of PyRadiomics' image types Square, SquareRoot, Logarithm and
 * Exponential (radiomics/imageoperations.py, getSquareImage … getExponentialImage, PyRadiomics
 * 3.1). Each rescales so that the output keeps the input's range of magnitudes; M = max |x| over
 * the whole image. Outputs are float64 with the input's geometry.
 */
import type { Volume } from '../volume.ts';

function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i += 1) {
    const a = Math.abs(data[i]!);
    if (a > m) m = a;
  }
  return m;
}

function mapVoxels(image: Volume, f: (x: number) => number): Volume<Float64Array> {
  const out = new Float64Array(image.data.length);
  for (let i = 0; i < out.length; i += 1) out[i] = f(image.data[i]!);
  return { ...image, data: out };
}

/** Square: (x / √M)² (getSquareImage). */
export function squareImage(image: Volume): Volume<Float64Array> {
  const coeff = 1 / Math.sqrt(maxAbs(image.data));
  return mapVoxels(image, (x) => (coeff * x) ** 2);
}

/** SquareRoot: sign(x) · √(|x| · M) (getSquareRootImage). */
export function squareRootImage(image: Volume): Volume<Float64Array> {
  const m = maxAbs(image.data);
  return mapVoxels(image, (x) => (x > 0 ? Math.sqrt(x * m) : x < 0 ? -Math.sqrt(-x * m) : x));
}

/**
 * Logarithm: sign(x) · ln(|x| + 1), then scaled so the largest magnitude is M again
 * (getLogarithmImage).
 */
export function logarithmImage(image: Volume): Volume<Float64Array> {
  const m = maxAbs(image.data);
  const logged = mapVoxels(image, (x) => (x > 0 ? Math.log(x + 1) : x < 0 ? -Math.log(-(x - 1)) : x));
  const scale = m / maxAbs(logged.data);
  for (let i = 0; i < logged.data.length; i += 1) logged.data[i] = logged.data[i]! * scale;
  return logged;
}

/** Exponential: exp(x · ln(M) / M) (getExponentialImage), so that x = M maps to M. */
export function exponentialImage(image: Volume): Volume<Float64Array> {
  const m = maxAbs(image.data);
  const coeff = Math.log(m) / m;
  return mapVoxels(image, (x) => Math.exp(coeff * x));
}
