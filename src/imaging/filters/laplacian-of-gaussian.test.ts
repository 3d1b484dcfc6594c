import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDENTITY, type Mat3, type Vec3, type Volume, type VoxelArray } from '../volume.ts';
import { laplacianOfGaussian, logSigmaFits } from './laplacian-of-gaussian.ts';
import { recursiveGaussian } from './recursive-gaussian.ts';

/** A volume whose voxel (i, j, k) holds f(x, y, z), (x, y, z) = (i, j, k)·spacing − centre in mm. */
function sampled(
  size: Vec3,
  spacingMm: Vec3,
  f: (x: number, y: number, z: number) => number,
  direction: Mat3 = IDENTITY,
): Volume<Float64Array> {
  const data = new Float64Array(size[0] * size[1] * size[2]);
  const c = size.map((n, a) => ((n - 1) / 2) * spacingMm[a]!);
  let p = 0;
  for (let k = 0; k < size[2]; k += 1)
    for (let j = 0; j < size[1]; j += 1)
      for (let i = 0; i < size[0]; i += 1, p += 1)
        data[p] = f(i * spacingMm[0] - c[0]!, j * spacingMm[1] - c[1]!, k * spacingMm[2] - c[2]!);
  return { size, spacingMm, originMm: [10, -20, 30], direction, data };
}

function at(v: Volume, i: number, j: number, k: number): number {
  return v.data[i + v.size[0] * (j + v.size[1] * k)]!;
}

test('logSigmaFits is PyRadiomics getLoGImage’s size check', () => {
  // all(size >= ceil(sigma / spacing) + 1): ceil(9 / 1) + 1 = 10 fits a size of 10, 9.5 does not.
  assert.equal(logSigmaFits([10, 10, 10], [1, 1, 1], 9), true);
  assert.equal(logSigmaFits([10, 10, 10], [1, 1, 1], 9.5), false);
  // Per axis: ceil(5 / 0.5) + 1 = 11 voxels needed along i.
  assert.equal(logSigmaFits([10, 40, 40], [0.5, 1, 1], 5), false);
  assert.equal(logSigmaFits([11, 40, 40], [0.5, 1, 1], 5), true);
  // min(size) < 4 yields no LoG image at all; sigma must be > 0.
  assert.equal(logSigmaFits([3, 40, 40], [1, 1, 1], 0.5), false);
  assert.equal(logSigmaFits([40, 40, 40], [1, 1, 1], 0), false);
});

test('a constant image has a zero LoG everywhere, borders included (int16 input)', () => {
  const size: Vec3 = [9, 6, 5];
  const image: Volume = {
    size,
    spacingMm: [1, 1, 1.25],
    originMm: [0, 0, 0],
    direction: IDENTITY,
    data: new Int16Array(9 * 6 * 5).fill(-1000),
  };
  for (const sigma of [1, 2, 3]) {
    const log = laplacianOfGaussian(image, sigma);
    assert.ok(log.data instanceof Float32Array);
    log.data.forEach((v) => assert.ok(Math.abs(v) < 1e-8 * 1000, `sigma ${sigma}: ${v}`));
  }
});

test('LoG of a x² + b y² + c z² is 2σ²(a + b + c) in the interior, non-isotropic spacing', () => {
  // ∇²f = 2(a + b + c) everywhere, Gaussian smoothing of a quadratic adds only a constant
  // (σ²(a + b + c)), so ∇²(G_σ * f) = 2(a + b + c) and the scale-normalised LoG is σ² times that.
  // ITK's second-order kernel has Σ k²·h = 2 exactly (alpha2) and its smoothing kernel unit sum, so
  // this holds to rounding where the borders (continued with a constant) are > 10 σ away.
  const [a, b, c] = [1, 2, 3];
  const spacing: Vec3 = [1, 1.25, 0.8];
  const image = sampled([40, 32, 50], spacing, (x, y, z) => a * x * x + b * y * y + c * z * z);
  for (const sigma of [1, 1.5]) {
    const log = laplacianOfGaussian(image, sigma);
    const expected = 2 * sigma * sigma * (a + b + c);
    for (const [i, j, k] of [
      [20, 16, 25],
      [19, 15, 24],
      [21, 17, 26],
    ] as const) {
      const v = at(log, i, j, k);
      assert.ok(
        Math.abs(v - expected) < 1e-5 * expected,
        `sigma ${sigma} at ${i},${j},${k}: ${v} vs ${expected}`,
      );
    }
  }
});

test('LoG of a Gaussian blob follows the analytic σ²∇²(G_σ * f) within the IIR fit accuracy', () => {
  // f = 1000·exp(−r²/2s²) ⇒ G_σ * f = 1000·(s²/S²)^(3/2)·exp(−r²/2S²) with S² = s² + σ², whose
  // Laplacian is that times (r²/S⁴ − 3/S²). The recursive kernels approximate the Gaussian to
  // ~1e-2 of the peak (see recursive-gaussian.test.ts), hence the 2 % bound.
  const s = 3;
  const spacing: Vec3 = [1, 1.25, 0.8];
  const image = sampled(
    [37, 29, 45],
    spacing,
    (x, y, z) => 1000 * Math.exp(-(x * x + y * y + z * z) / (2 * s * s)),
  );
  for (const sigma of [1, 2]) {
    const S2 = s * s + sigma * sigma;
    const amp = 1000 * ((s * s) / S2) ** 1.5;
    const analytic = (r2: number): number =>
      sigma * sigma * amp * Math.exp(-r2 / (2 * S2)) * (r2 / (S2 * S2) - 3 / S2);
    const log = laplacianOfGaussian(image, sigma);
    const peak = Math.abs(analytic(0));
    let worst = 0;
    for (const [i, j, k] of [
      [18, 14, 22],
      [21, 14, 22],
      [18, 17, 22],
      [18, 14, 27],
      [24, 18, 16],
      [10, 10, 30],
    ] as const) {
      const x = (i - 18) * spacing[0];
      const y = (j - 14) * spacing[1];
      const z = (k - 22) * spacing[2];
      worst = Math.max(worst, Math.abs(at(log, i, j, k) - analytic(x * x + y * y + z * z)));
    }
    assert.ok(worst < 0.02 * peak, `sigma ${sigma}: worst ${worst} of peak ${peak}`);
  }
});

test('precision as ITK: float32 between the passes and in the accumulator, double inside each pass', () => {
  // itkLaplacianRecursiveGaussianImageFilter.hxx: derivative filter input → Image<float>, two
  // smoothing filters Image<float> → Image<float>, accumulator float(acc + b · (1 / spacing²)).
  const spacing: Vec3 = [0.9, 1.1, 1.25];
  const image = sampled(
    [12, 10, 9],
    spacing,
    (x, y, z) => 37.3 * Math.sin(x) + y * z * 1.7 + 0.01 * x * x * x,
  );
  const sigma = 1.7;
  const acc = new Float32Array(image.data.length);
  const others = [
    [1, 2],
    [0, 2],
    [0, 1],
  ] as const;
  for (const d of [0, 1, 2] as const) {
    let v: Volume<VoxelArray> = recursiveGaussian(image, {
      axis: d,
      sigmaMm: sigma,
      order: 2,
      normalizeAcrossScale: true,
    });
    for (const o of others[d])
      v = recursiveGaussian(v, { axis: o, sigmaMm: sigma, normalizeAcrossScale: true });
    v.data.forEach((b, p) => {
      acc[p] = acc[p]! + b * (1.0 / (spacing[d] * spacing[d]));
    });
  }
  const log = laplacianOfGaussian(image, sigma);
  assert.deepEqual(log.data, acc);
});

test('geometry is kept and the direction cosines do not change the values', () => {
  const f = (x: number, y: number, z: number): number => Math.cos(x / 2) * 100 + y * y - z;
  const a = sampled([8, 7, 6], [1, 1.5, 2], f);
  const b = sampled([8, 7, 6], [1, 1.5, 2], f, [0, 0, 1, 1, 0, 0, 0, 1, 0]);
  const la = laplacianOfGaussian(a, 1.2);
  const lb = laplacianOfGaussian(b, 1.2);
  assert.deepEqual(la.data, lb.data);
  assert.deepEqual(
    [lb.size, lb.spacingMm, lb.originMm, lb.direction],
    [b.size, b.spacingMm, b.originMm, b.direction],
  );
  assert.throws(() => laplacianOfGaussian(sampled([8, 3, 6], [1, 1, 1], f), 1), /at least 4/);
});
