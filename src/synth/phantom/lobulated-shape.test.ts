import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDENTITY } from '../../imaging/volume.ts';
import { createRng } from '../random.ts';
import {
  boundingRadiusMm,
  CompiledShape,
  drawLobulatedShape,
  normalisedRadius,
  shapeVolumeMm3,
  type LobulatedShape,
} from './lobulated-shape.ts';

test('without lobules the shape is the ellipsoid: V = 4/3·π·a·b·c', () => {
  const shape: LobulatedShape = {
    centreMm: [1, 2, 3],
    rotation: IDENTITY,
    semiAxesMm: [10, 7, 5],
    bumps: [],
  };
  const want = (4 / 3) * Math.PI * 10 * 7 * 5;
  assert.ok(Math.abs(shapeVolumeMm3(shape) - want) / want < 1e-10);
  assert.ok(Math.abs(shapeVolumeMm3(shape, 0.5) - want / 8) / want < 1e-10);
  assert.ok(Math.abs(normalisedRadius(shape, 1, 11, 2, 3) - 1) < 1e-12);
  assert.ok(Math.abs(normalisedRadius(shape, 1, 1, 2, 8) - 1) < 1e-12);
});

test('lobulated volume by quadrature agrees with Monte Carlo; the bounding sphere holds the shape', () => {
  const rng = createRng('shape-test');
  for (let s = 0; s < 3; s += 1) {
    const shape = drawLobulatedShape(rng, 30, [5, -40, 12]);
    const volume = shapeVolumeMm3(shape);
    const r = boundingRadiusMm(shape);
    let inside = 0;
    const n = 200_000;
    for (let i = 0; i < n; i += 1) {
      const x = 5 + rng.uniformIn(-r, r);
      const y = -40 + rng.uniformIn(-r, r);
      const z = 12 + rng.uniformIn(-r, r);
      if (normalisedRadius(shape, 1, x, y, z) <= 1) {
        inside += 1;
        assert.ok(Math.hypot(x - 5, y + 40, z - 12) <= r);
      }
    }
    const mc = (inside / n) * (2 * r) ** 3;
    const se = Math.sqrt(((inside / n) * (1 - inside / n)) / n) * (2 * r) ** 3;
    assert.ok(Math.abs(mc - volume) < 4 * se, `quadrature ${volume}, Monte Carlo ${mc} ± ${se}`);
  }
});

test('the cube-map evaluation matches the exact normalised radius', () => {
  const rng = createRng('compiled');
  const shape = drawLobulatedShape(rng, 40, [0, 0, 0]);
  const compiled = new CompiledShape(shape, 0.8);
  let worst = 0;
  for (let i = 0; i < 50_000; i += 1) {
    const p = [rng.uniformIn(-25, 25), rng.uniformIn(-25, 25), rng.uniformIn(-25, 25)] as const;
    const exact = normalisedRadius(shape, 0.8, ...p);
    worst = Math.max(worst, Math.abs(compiled.normalisedRadius(...p) - exact) / Math.max(exact, 1e-9));
  }
  assert.ok(worst < 2e-3, `worst relative error ${worst}`);
});
