import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeGlrlmFeatures, glrlmMatrices } from './glrlm.ts';
import { DEFAULT_TEXTURE_SETTINGS, roiFromRows } from './texture/fixture.ts';
import { registerParityTests } from './texture/parity.ts';

const close = (a: number | undefined, b: number) => assert.ok(Math.abs(a! - b) < 1e-9, `${a} ≠ ${b}`);

test('GLRLM of a 4×1×1 line [1 1 2 2] (hand-computed)', () => {
  // One angle (along i): runs (gray 1, length 2) and (gray 2, length 2). N_r = 2, N_p = 4.
  const roi = roiFromRows([[1, 1, 2, 2]]);
  const [m] = glrlmMatrices(roi, DEFAULT_TEXTURE_SETTINGS);
  assert.deepEqual([...m!.P].slice(0, 2 * m!.nj), [0, 1, 0, 0, 0, 1, 0, 0]);
  const f = computeGlrlmFeatures(roi, DEFAULT_TEXTURE_SETTINGS);
  close(f['RunPercentage'], 0.5);
  close(f['ShortRunEmphasis'], 0.25);
  close(f['LongRunEmphasis'], 4);
  close(f['GrayLevelNonUniformity'], 1);
  close(f['HighGrayLevelRunEmphasis'], 2.5);
  close(f['LowGrayLevelRunEmphasis'], (1 + 1 / 4) / 2);
  close(f['GrayLevelVariance'], 0.25);
  close(f['RunVariance'], 0);
});

test('GLRLM 2×2 checkerboard: 4 angles, runs of 1 except along the diagonal of equal levels', () => {
  // [[1,2],[2,1]], 4 in-plane angles. Along i and along j: four runs of length 1 (SRE 1).
  // Along the diagonal through the two 1s: one run of length 2 (gray 1) and two runs of length
  // 1 (gray 2); along the other diagonal the same with the levels swapped: SRE (1/4 + 2)/3.
  const f = computeGlrlmFeatures(
    roiFromRows([
      [1, 2],
      [2, 1],
    ]),
    DEFAULT_TEXTURE_SETTINGS,
  );
  close(f['ShortRunEmphasis'], (1 + 1 + 0.75 + 0.75) / 4);
});

registerParityTests('glrlm', computeGlrlmFeatures);
