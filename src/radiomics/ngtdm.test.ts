import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeNgtdmFeatures, ngtdmMatrix } from './ngtdm.ts';
import { DEFAULT_TEXTURE_SETTINGS, roiFromRows } from './texture/fixture.ts';
import { registerParityTests } from './texture/parity.ts';

const close = (a: number | undefined, b: number) => assert.ok(Math.abs(a! - b) < 1e-9, `${a} ≠ ${b}`);

test('NGTDM of a 3×2×1 image (hand-computed)', () => {
  // 1 2 1
  // 2 1 2
  // Gray 1: corners see (2,2,1) → Ā = 5/3, |1 − Ā| = 2/3 each; the centre-bottom 1 sees
  // (1,2,1,2,2) → Ā = 8/5, 3/5. s_1 = 29/15; by symmetry s_2 = 29/15. n = (3,3), p = (½,½).
  const roi = roiFromRows([
    [1, 2, 1],
    [2, 1, 2],
  ]);
  const m = ngtdmMatrix(roi, DEFAULT_TEXTURE_SETTINGS);
  assert.deepEqual(m.levels, [1, 2]);
  close(m.s[0], 29 / 15);
  close(m.s[1], 29 / 15);
  const f = computeNgtdmFeatures(roi, DEFAULT_TEXTURE_SETTINGS);
  close(f['Coarseness'], 15 / 29); // 1 / Σ p_i s_i
  close(f['Contrast'], (0.5 / 2) * (58 / 15 / 6)); // (Σ p_i p_j (i−j)² / (2·1)) · Σ s_i / N_vp
  close(f['Busyness'], 29 / 15); // Σ p_i s_i / Σ |i p_i − j p_j| = (29/15) / 1
  close(f['Complexity'], (2 * (29 / 15)) / 6);
  close(f['Strength'], 2 / (58 / 15));
});

test('NGTDM flat region: Coarseness 10⁶, others 0', () => {
  const f = computeNgtdmFeatures(
    roiFromRows([
      [1, 1],
      [1, 1],
    ]),
    DEFAULT_TEXTURE_SETTINGS,
  );
  assert.deepEqual(f, { Busyness: 0, Coarseness: 1e6, Complexity: 0, Contrast: 0, Strength: 0 });
});

registerParityTests('ngtdm', computeNgtdmFeatures);
