import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeGlcmFeatures, glcmMatrices } from './glcm.ts';
import { DEFAULT_TEXTURE_SETTINGS, roiFromRows } from './texture/fixture.ts';
import { registerParityTests } from './texture/parity.ts';

const close = (a: number | undefined, b: number) => assert.ok(Math.abs(a! - b) < 1e-9, `${a} ≠ ${b}`);

test('GLCM of a 4×1×1 line [1 1 2 2] (hand-computed)', () => {
  // Only angle (0,0,1) survives (the other 12 leave the 4×1×1 box). Pairs (v, v+1): (1,1),
  // (1,2), (2,2); symmetric P = [[2,1],[1,2]], ΣP = 6, p = [[1/3,1/6],[1/6,1/3]],
  // p_x = p_y = (1/2, 1/2), μ = 1.5, σ² = 1/4, p_{x−y} = (2/3, 1/3).
  const roi = roiFromRows([[1, 1, 2, 2]]);
  const mats = glcmMatrices(roi, DEFAULT_TEXTURE_SETTINGS, 2);
  assert.deepEqual([...mats[0]!], [2, 1, 1, 2]);
  const f = computeGlcmFeatures(roi, DEFAULT_TEXTURE_SETTINGS);
  close(f['JointAverage'], 1.5);
  close(f['Autocorrelation'], 1 / 3 + 4 / 6 + 4 / 3); // Σ p·i·j
  close(f['Contrast'], 1 / 3); // 2 · 1/6 · 1²
  close(f['JointEnergy'], 2 / 9 + 2 / 36);
  close(f['Correlation'], 1 / 3); // cov 1/12 over σ² 1/4
  close(f['Idmn'], 2 / 3 + 1 / 3 / (1 + 1 / 4)); // Ng = 2
  close(f['MaximumProbability'], 1 / 3);
  close(f['SumSquares'], 0.25);
  // Q = [[5/9, 4/9], [4/9, 5/9]]: eigenvalues 1 and 1/9.
  close(f['MCC'], 1 / 3);
  assert.equal(Object.keys(f).length, 24);
});

test('GLCM flat region: Correlation 1, MCC 1, Imc1 0', () => {
  const f = computeGlcmFeatures(
    roiFromRows([
      [1, 1],
      [1, 1],
    ]),
    DEFAULT_TEXTURE_SETTINGS,
  );
  assert.equal(f['Correlation'], 1);
  assert.equal(f['MCC'], 1);
  assert.equal(f['Imc1'], 0);
  assert.equal(f['Imc2'], 0);
});

registerParityTests('glcm', computeGlcmFeatures);
