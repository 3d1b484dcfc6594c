import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeGlszmFeatures, glszmMatrix } from './glszm.ts';
import { DEFAULT_TEXTURE_SETTINGS, roiFromRows } from './texture/fixture.ts';
import { registerParityTests } from './texture/parity.ts';

const close = (a: number | undefined, b: number) => assert.ok(Math.abs(a! - b) < 1e-9, `${a} ≠ ${b}`);

test('GLSZM of a 3×2×1 image (hand-computed, 8-connectivity)', () => {
  // 1 2 1
  // 2 1 2
  // The three 1s touch diagonally through the centre-bottom 1: one zone of size 3; the three 2s
  // likewise (4-connectivity would give six zones of size 1). P(1,3) = P(2,3) = 1, N_z = 2, N_p = 6.
  const roi = roiFromRows([
    [1, 2, 1],
    [2, 1, 2],
  ]);
  const m = glszmMatrix(roi, DEFAULT_TEXTURE_SETTINGS);
  assert.deepEqual([...m.P], [0, 0, 1, 0, 0, 1]);
  const f = computeGlszmFeatures(roi, DEFAULT_TEXTURE_SETTINGS);
  close(f['ZonePercentage'], 1 / 3);
  close(f['SmallAreaEmphasis'], 1 / 9);
  close(f['LargeAreaEmphasis'], 9);
  close(f['GrayLevelNonUniformity'], 1);
  close(f['GrayLevelNonUniformityNormalized'], 0.5);
  close(f['SizeZoneNonUniformity'], 2);
  close(f['ZoneVariance'], 0);
  close(f['GrayLevelVariance'], 0.25);
  close(f['ZoneEntropy'], 1);
  close(f['HighGrayLevelZoneEmphasis'], 2.5);
  close(f['LargeAreaHighGrayLevelEmphasis'], (9 + 36) / 2);
});

registerParityTests('glszm', computeGlszmFeatures);
