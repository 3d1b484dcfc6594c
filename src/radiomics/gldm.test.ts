import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeGldmFeatures, gldmMatrix } from './gldm.ts';
import { DEFAULT_TEXTURE_SETTINGS, roiFromRows } from './texture/fixture.ts';
import { registerParityTests } from './texture/parity.ts';

const close = (a: number | undefined, b: number) => assert.ok(Math.abs(a! - b) < 1e-9, `${a} ≠ ${b}`);

const IMAGE = [
  [1, 2, 1],
  [2, 1, 2],
];

test('GLDM of a 3×2×1 image, α = 0 (hand-computed)', () => {
  // 8-neighbours of equal level: corner 1s have 1 (the centre-bottom 1) → j = 2; the
  // centre-bottom 1 has 2 → j = 3; the 2s mirror this. P(1,2) = P(2,2) = 2, P(1,3) = P(2,3) = 1.
  const roi = roiFromRows(IMAGE);
  const m = gldmMatrix(roi, DEFAULT_TEXTURE_SETTINGS);
  assert.deepEqual([...m.P], [0, 2, 1, 0, 2, 1]);
  const f = computeGldmFeatures(roi, DEFAULT_TEXTURE_SETTINGS);
  close(f['SmallDependenceEmphasis'], (4 / 4 + 2 / 9) / 6);
  close(f['LargeDependenceEmphasis'], (4 * 4 + 2 * 9) / 6);
  close(f['DependenceNonUniformity'], (16 + 4) / 6);
  close(f['DependenceNonUniformityNormalized'], 20 / 36);
  close(f['GrayLevelNonUniformity'], 3);
  close(f['DependenceVariance'], 2 / 9); // j ∈ {2,2,3} per level: mean 7/3
});

test('GLDM with gldm_a = 1: every neighbour is dependent', () => {
  // Neighbour counts: corners 3, centre column 5 → j = 4 (×4) and 6 (×2).
  const f = computeGldmFeatures(roiFromRows(IMAGE), { ...DEFAULT_TEXTURE_SETTINGS, gldmA: 1 });
  close(f['LargeDependenceEmphasis'], (4 * 16 + 2 * 36) / 6);
});

registerParityTests('gldm', computeGldmFeatures);
