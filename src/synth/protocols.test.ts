import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDENTITY, indexToWorld, sameGeometry, type Vec3 } from '../imaging/volume.ts';
import { gridContainsSphere, studyProtocol, type FieldOfViewTarget } from './protocols.ts';

const target: FieldOfViewTarget = {
  bilateralCentreMm: [0, 30, 0],
  tumourCentreMm: [70, -40, 10],
  tumourRadiusMm: 12,
};

const centre = (g: { size: Vec3; spacingMm: Vec3; originMm: Vec3; direction: typeof IDENTITY }): Vec3 =>
  indexToWorld(g, (g.size[0] - 1) / 2, (g.size[1] - 1) / 2, (g.size[2] - 1) / 2);

test('each sequence has its voxel spacing, axial orientation and one frame of reference', () => {
  for (const size of ['small', 'realistic'] as const) {
    const p = studyProtocol(size, target);
    assert.deepEqual(p.dce.geometry.spacingMm, [0.7, 0.7, 1.2]);
    assert.deepEqual(p.t2.geometry.spacingMm, [0.6, 0.6, 3]);
    assert.deepEqual(p.dwi.geometry.spacingMm, [1.8, 1.8, 4]);
    assert.ok(sameGeometry(p.adc.geometry, p.dwi.geometry), 'ADC lies on the DWI grid');
    for (const s of [p.dce, p.t2, p.dwi, p.adc]) {
      assert.deepEqual(s.geometry.direction, IDENTITY);
      assert.equal(s.acquisition.magneticFieldStrengthT, 3);
    }
    // Different grids: spacing, extent and origin all differ between DCE, T2 and DWI.
    assert.ok(!sameGeometry(p.dce.geometry, p.t2.geometry));
    assert.ok(!sameGeometry(p.dce.geometry, p.dwi.geometry));
    assert.notDeepEqual(p.dce.geometry.originMm, p.t2.geometry.originMm);
    assert.notDeepEqual(p.t2.geometry.originMm, p.dwi.geometry.originMm);
    assert.notDeepEqual(centre(p.dce.geometry), centre(p.dwi.geometry));
    // Every series covers the tumour with its margin.
    for (const s of [p.dce, p.t2, p.dwi]) {
      assert.ok(
        gridContainsSphere(s.geometry, target.tumourCentreMm, target.tumourRadiusMm),
        s.acquisition.sequence,
      );
    }
  }
});

test('realistic grids are bilateral (DCE 448 × 448 × 144); small grids crop around the tumour', () => {
  const r = studyProtocol('realistic', target);
  assert.deepEqual(r.dce.geometry.size, [448, 448, 144]);
  assert.deepEqual(r.t2.geometry.size, [560, 560, 56]);
  assert.deepEqual(r.dwi.geometry.size, [190, 190, 42]);
  const fovX = r.dce.geometry.size[0] * r.dce.geometry.spacingMm[0];
  assert.ok(fovX > 300, 'both breasts fit');

  // A T1 tumour gets the minimum small grid.
  const s = studyProtocol('small', { ...target, tumourRadiusMm: 8 });
  assert.deepEqual(s.dce.geometry.size, [64, 64, 32]);
  const c = centre(s.dce.geometry);
  for (let k = 0; k < 3; k += 1) assert.ok(Math.abs(c[k]! - target.tumourCentreMm[k]!) < 1e-9);
  // A large tumour gets a larger small field of view, never a clipped one.
  const big = studyProtocol('small', { ...target, tumourRadiusMm: 40 });
  assert.ok(big.dce.geometry.size[0] > 64);
  for (const series of [big.dce, big.t2, big.dwi]) {
    assert.ok(gridContainsSphere(series.geometry, target.tumourCentreMm, 40 + 7));
  }
});

test('DCE has a pre-contrast and four post-contrast phases; DWI has b = 0 and 800 s/mm²', () => {
  const p = studyProtocol('small', target);
  assert.deepEqual(
    p.dce.phases.map((x) => [x.temporalPositionIdentifier, x.triggerTimeMs]),
    [
      [1, 0],
      [2, 90_000],
      [3, 180_000],
      [4, 270_000],
      [5, 360_000],
    ],
  );
  assert.ok(p.dce.contrastInjectionTimeMs > 0 && p.dce.contrastInjectionTimeMs < 90_000);
  assert.deepEqual(p.dwi.bValues, [0, 800]);
  assert.equal(p.adc.acquisition.derived, true);
  assert.equal(p.dce.acquisition.derived, false);
  assert.ok(p.dce.acquisition.repetitionTimeMs < 10 && p.t2.acquisition.repetitionTimeMs > 2000);
  assert.ok(p.t2.acquisition.echoTimeMs > p.dwi.acquisition.echoTimeMs);
});
