import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allPoints, farthestPairSquared } from './farthestPair.ts';

/** Every pair, as PyRadiomics' cshape.c compares them. */
function bruteForce(xyz: Float64Array, dim: 2 | 3): number {
  const n = xyz.length / dim;
  let best = 0;
  for (let p = 0; p < n; p += 1)
    for (let q = p + 1; q < n; q += 1) {
      let d = 0;
      for (let c = 0; c < dim; c += 1) d += (xyz[p * dim + c]! - xyz[q * dim + c]!) ** 2;
      if (d > best) best = d;
    }
  return best;
}

test('farthestPairSquared is bit for bit the all-pairs maximum', () => {
  let seed = 1;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let t = 0; t < 40; t += 1) {
    const dim = t % 2 === 0 ? 3 : 2;
    const n = [0, 1, 2, 50, 399, 400, 1500, 2500][t % 8]!;
    const spacing = [0.3 + next(), 0.3 + next(), 0.3 + next()];
    const xyz = new Float64Array(n * dim);
    for (let p = 0; p < n; p += 1) {
      // Surface of a sphere on a half-voxel grid (many ties), or a flat set, or uniform noise.
      const u = 2 * next() - 1;
      const phi = 2 * Math.PI * next();
      const sphere = [u, Math.sqrt(1 - u * u) * Math.cos(phi), Math.sqrt(1 - u * u) * Math.sin(phi)];
      for (let c = 0; c < dim; c += 1) {
        const v =
          t % 3 === 0
            ? Math.round(sphere[c]! * 40) / 2
            : t % 3 === 1
              ? c === 0
                ? 1
                : Math.floor(next() * 20) / 2
              : next() * 30;
        xyz[p * dim + c] = v * spacing[c]!;
      }
    }
    assert.equal(farthestPairSquared(xyz, dim, allPoints(n)), bruteForce(xyz, dim), `case ${t}`);
  }
});
