import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SmoothField } from './smooth-field.ts';

test('a field has one value everywhere, whatever block was materialised', () => {
  const spec = { seed: 1234, latticeMm: 1.25, sigmaMm: 2.5 };
  const small = new SmoothField(spec);
  small.ensure([10, -5, 0], [20, 5, 8]);
  const large = new SmoothField(spec);
  large.ensure([-100, -100, -100], [100, 100, 100]);
  for (const [x, y, z] of [
    [12.3, 0.4, 3.3],
    [19.9, -4.9, 7.7],
    [15, 2.5, 0.1],
  ] as const) {
    assert.equal(small.sample(x, y, z), large.sample(x, y, z));
  }
  // Growing the cached block keeps the old values.
  const before = small.sample(12.3, 0.4, 3.3);
  small.ensure([-50, -50, -50], [-40, -40, -40]);
  assert.equal(small.sample(12.3, 0.4, 3.3), before);
  const other = new SmoothField({ ...spec, seed: 4321 });
  other.ensure([10, -5, 0], [20, 5, 8]);
  assert.notEqual(other.sample(12.3, 0.4, 3.3), before);
});

test('fields have zero mean, unit variance and a correlation length set by σ', () => {
  const stats = (sigmaMm: number): { mean: number; sd: number; neighbour: number } => {
    const f = new SmoothField({ seed: 99, latticeMm: sigmaMm / 2, sigmaMm });
    f.ensure([0, 0, 0], [200, 200, 200]);
    let s = 0;
    let s2 = 0;
    let cross = 0;
    const n = 20_000;
    for (let i = 0; i < n; i += 1) {
      // A quasi-random walk over the box (no RNG needed).
      const x = 5 + ((i * 37.13) % 190);
      const y = 5 + ((i * 91.71) % 190);
      const z = 5 + ((i * 13.97) % 190);
      const v = f.sample(x, y, z);
      s += v;
      s2 += v * v;
      cross += v * f.sample(x + 2, y, z);
    }
    const mean = s / n;
    return { mean, sd: Math.sqrt(s2 / n - mean * mean), neighbour: cross / n };
  };
  const fine = stats(1.5);
  const coarse = stats(6);
  for (const st of [fine, coarse]) {
    assert.ok(Math.abs(st.mean) < 0.1, `mean ${st.mean}`);
    // Trilinear interpolation between lattice points lowers the variance a little.
    assert.ok(st.sd > 0.8 && st.sd < 1.1, `sd ${st.sd}`);
  }
  // Gaussian-smoothed white noise has correlation exp(−d²/(4σ²)) at distance d: at d = 2 mm
  // 0.64 for σ = 1.5 mm and 0.97 for σ = 6 mm.
  assert.ok(Math.abs(fine.neighbour - 0.64) < 0.1, `fine ${fine.neighbour}`);
  assert.ok(Math.abs(coarse.neighbour - 0.97) < 0.05, `coarse ${coarse.neighbour}`);
});
