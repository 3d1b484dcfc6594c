import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Volume } from '../volume.ts';
import {
  filterLine,
  recursiveGaussian,
  recursiveGaussianCoefficients,
  type GaussianOrder,
} from './recursive-gaussian.ts';

/** Runs one line through the filter (sigma in voxels, spacing 1). */
function run(
  signal: ArrayLike<number>,
  sigma: number,
  order: GaussianOrder,
  normalize = false,
): Float64Array {
  const x = Float64Array.from(signal);
  const y = new Float64Array(x.length);
  filterLine(recursiveGaussianCoefficients(sigma, 1, order, normalize), x, y, new Float64Array(x.length));
  return y;
}

function impulse(n: number, at: number): Float64Array {
  const x = new Float64Array(n);
  x[at] = 1;
  return x;
}

/** Sampled continuous kernels: the Gaussian and its first two derivatives (unit area Gaussian). */
function gaussianKernel(k: number, sigma: number, order: GaussianOrder): number {
  const g = Math.exp((-k * k) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
  if (order === 0) return g;
  if (order === 1) return (-k / (sigma * sigma)) * g;
  return ((k * k - sigma * sigma) / sigma ** 4) * g;
}

test('impulse responses have the moments ITK normalises them to (alpha0, alpha1, alpha2)', () => {
  // ITK scales the numerator so that, over the infinite line, order 0 sums to 1, order 1 has
  // Σ k·h = −1 (y[n] = Σ h[k]·x[n−k] gives +1 on the ramp x = n) and order 2 has Σ h = 0,
  // Σ k²·h = 2 (+2 on x = n²). A 401-sample line holds all but e^(−1.37·200/σ) of the response.
  for (const sigma of [1, 2.5, 6]) {
    const y = [0, 1, 2].map((o) => run(impulse(401, 200), sigma, o as GaussianOrder));
    const moment = (h: Float64Array, p: number): number => h.reduce((s, v, i) => s + (i - 200) ** p * v, 0);
    assert.ok(Math.abs(moment(y[0]!, 0) - 1) < 1e-12, `order 0 sum, sigma ${sigma}`);
    assert.ok(Math.abs(moment(y[0]!, 1)) < 1e-12, `order 0 is even, sigma ${sigma}`);
    assert.ok(Math.abs(moment(y[1]!, 0)) < 1e-12, `order 1 sum, sigma ${sigma}`);
    assert.ok(Math.abs(moment(y[1]!, 1) + 1) < 1e-12, `order 1 first moment, sigma ${sigma}`);
    assert.ok(Math.abs(moment(y[2]!, 0)) < 1e-12, `order 2 sum, sigma ${sigma}`);
    assert.ok(Math.abs(moment(y[2]!, 2) - 2) < 1e-10, `order 2 second moment, sigma ${sigma}`);
  }
});

test('impulse responses follow the sampled Gaussian and its derivatives within the accuracy of the IIR fit', () => {
  // A 4th-order (two damped cosines) fit of the Gaussian is good to a few 1e-3 of the peak for
  // order 0 and 1 and about 1e-2 for order 2 once sigma ≥ 1 voxel; a wrong coefficient, sign
  // or pass misses by tens of percent.
  const bounds: Record<GaussianOrder, number> = { 0: 5e-3, 1: 6e-3, 2: 2e-2 };
  for (const sigma of [1, 2, 4.5, 10]) {
    for (const order of [0, 1, 2] as const) {
      const y = run(impulse(401, 200), sigma, order);
      let peak = 0;
      let err = 0;
      y.forEach((v, i) => {
        const g = gaussianKernel(i - 200, sigma, order);
        peak = Math.max(peak, Math.abs(g));
        err = Math.max(err, Math.abs(v - g));
      });
      assert.ok(err / peak < bounds[order], `order ${order} sigma ${sigma}: ${err / peak}`);
    }
  }
});

test('the line is continued with its end values: same result as an explicitly padded line', () => {
  // FilterDataArray starts both recursions in the steady state of a constant signal equal to the
  // end sample, which is what 400 explicit copies of that sample produce (up to e^(−1.37·400/σ)).
  const line = [5, -3, 12, 7, 7.5, 0, 2, 9, -4, 1, 3];
  const pad = 400;
  const padded = [...Array<number>(pad).fill(line[0]!), ...line, ...Array<number>(pad).fill(line.at(-1)!)];
  for (const order of [0, 1, 2] as const) {
    for (const sigma of [0.8, 3]) {
      const short = run(line, sigma, order);
      const long = run(padded, sigma, order).subarray(pad, pad + line.length);
      short.forEach((v, i) =>
        assert.ok(Math.abs(v - long[i]!) < 1e-10, `order ${order} sigma ${sigma} at ${i}`),
      );
    }
  }
});

test('a constant line is kept by smoothing and has zero derivatives, borders included', () => {
  for (const n of [4, 5, 30]) {
    const c = Array<number>(n).fill(-812.5);
    run(c, 2, 0).forEach((v) => assert.ok(Math.abs(v + 812.5) < 1e-10));
    run(c, 2, 1).forEach((v) => assert.ok(Math.abs(v) < 1e-10));
    run(c, 2, 2).forEach((v) => assert.ok(Math.abs(v) < 1e-10));
  }
});

test('derivatives of a ramp and a parabola away from the borders; normalisation by sigma and sigma²', () => {
  // d/dn (3n) = 3, d²/dn² (n²) = 2; NormalizeAcrossScale multiplies by sigma and sigma².
  const n = 200;
  const ramp = Array.from({ length: n }, (_, i) => 3 * i);
  const parabola = Array.from({ length: n }, (_, i) => i * i);
  const sigma = 2.5;
  const d1 = run(ramp, sigma, 1);
  const d1n = run(ramp, sigma, 1, true);
  const d2 = run(parabola, sigma, 2);
  const d2n = run(parabola, sigma, 2, true);
  for (const i of [60, 100, 140]) {
    assert.ok(Math.abs(d1[i]! - 3) < 1e-9);
    assert.ok(Math.abs(d1n[i]! - 3 * sigma) < 1e-9);
    assert.ok(Math.abs(d2[i]! - 2) < 1e-8);
    assert.ok(Math.abs(d2n[i]! - 2 * sigma * sigma) < 1e-8);
  }
});

test('sigma is in millimetres: only sigma / spacing matters for smoothing', () => {
  assert.deepEqual(
    recursiveGaussianCoefficients(4, 2, 0, true),
    recursiveGaussianCoefficients(2, 1, 0, true),
  );
  // Normalised second order: per-voxel derivative × sigma² in mm², so 4× between sigma 4 mm and 2 mm.
  const a = recursiveGaussianCoefficients(4, 2, 2, true);
  const b = recursiveGaussianCoefficients(2, 1, 2, true);
  assert.ok(Math.abs(a.n1 / b.n1 - 4) < 1e-12);
  assert.equal(a.d3, b.d3);
  assert.throws(() => recursiveGaussianCoefficients(0, 1, 0, false), /sigma/);
});

test('lines shorter than 4 voxels are refused, as ITK does', () => {
  assert.throws(() => run([1, 2, 3], 1, 0), /at least 4/);
});

test('volume pass filters along the requested axis only and keeps the geometry', () => {
  const size = [6, 5, 7] as const;
  const data = new Int16Array(6 * 5 * 7);
  // Values vary along j only: smoothing along i or k changes nothing, along j it does.
  for (let k = 0; k < 7; k += 1)
    for (let j = 0; j < 5; j += 1) for (let i = 0; i < 6; i += 1) data[i + 6 * (j + 5 * k)] = j * j * 10;
  const image: Volume = {
    size,
    spacingMm: [0.7, 1.3, 2],
    originMm: [-4, 5, 6],
    direction: [0, 1, 0, 1, 0, 0, 0, 0, -1],
    data,
  };
  const alongI = recursiveGaussian(image, { axis: 0, sigmaMm: 1.5 });
  const alongK = recursiveGaussian(image, { axis: 2, sigmaMm: 1.5 });
  alongI.data.forEach((v, p) => assert.equal(v, data[p]));
  alongK.data.forEach((v, p) => assert.equal(v, data[p]));
  const alongJ = recursiveGaussian(image, { axis: 1, sigmaMm: 1.5 });
  assert.ok(alongJ.data instanceof Float32Array);
  // Each i/k column along j is the 1-D filter of [0, 10, 40, 90, 160] with sigma 1.5/1.3 voxels.
  const line = run([0, 10, 40, 90, 160], 1.5 / 1.3, 0);
  for (let j = 0; j < 5; j += 1) assert.equal(alongJ.data[3 + 6 * (j + 5 * 4)], Math.fround(line[j]!));
  assert.deepEqual(
    [alongJ.size, alongJ.spacingMm, alongJ.originMm, alongJ.direction],
    [image.size, image.spacingMm, image.originMm, image.direction],
  );
});
