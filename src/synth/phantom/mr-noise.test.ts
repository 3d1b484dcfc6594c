import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../random.ts';
import { inverseNormalCdf, RicianNoise } from './mr-noise.ts';

test('inverse normal CDF matches reference quantiles', () => {
  assert.ok(Math.abs(inverseNormalCdf(0.975) - 1.959963984540054) < 1e-8);
  assert.ok(Math.abs(inverseNormalCdf(0.5)) < 1e-12);
  assert.ok(Math.abs(inverseNormalCdf(0.001) + 3.090232306167813) < 1e-8);
  assert.throws(() => inverseNormalCdf(0), RangeError);
});

test('Rician noise: Rayleigh in air (mean σ·√(π/2)), unbiased Gaussian at high SNR', () => {
  const noise = new RicianNoise(createRng('noise'));
  const n = 100_000;
  const sigma = 20;
  const run = (signal: number): { mean: number; sd: number } => {
    const clean = new Float32Array(n).fill(signal);
    const gain = new Float32Array(n).fill(1);
    const out = new Uint16Array(n);
    noise.apply(clean, gain, n, sigma, out, 0, 4095);
    let s = 0;
    let s2 = 0;
    for (const v of out) {
      s += v;
      s2 += v * v;
    }
    return { mean: s / n, sd: Math.sqrt(s2 / n - (s / n) ** 2) };
  };
  const air = run(0);
  assert.ok(Math.abs(air.mean - sigma * Math.sqrt(Math.PI / 2)) < 0.3, `air mean ${air.mean}`);
  const tissue = run(1000);
  assert.ok(Math.abs(tissue.mean - 1000) < 0.5, `tissue mean ${tissue.mean}`);
  assert.ok(Math.abs(tissue.sd - sigma) < 0.5, `tissue SD ${tissue.sd}`);
  // Saturation at the stored maximum.
  assert.equal(run(5000).mean, 4095);
});
