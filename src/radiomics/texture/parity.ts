/**
 * Registers one node:test case per reference file for a texture family (used by the family
 * *.test.ts files). Skips with a message when the breast1 reference data are absent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiscretisedRoi, TextureSettings } from '../types.ts';
import { PARITY_FILES, REFERENCE_DIR, checkParity, loadReference, referenceAvailable } from './fixture.ts';

export function registerParityTests(
  family: string,
  compute: (roi: DiscretisedRoi, s: TextureSettings) => Record<string, number>,
): void {
  const available = referenceAvailable();
  for (const file of PARITY_FILES) {
    const has =
      available && Object.keys(loadReference(file).features).some((k) => k.startsWith(`original_${family}_`));
    if (available && !has) continue;
    const skip = available ? false : `breast1 reference data not found under ${REFERENCE_DIR}`;
    test(`${family} matches PyRadiomics ${file} (rel 1e-3)`, { skip }, () => {
      const r = checkParity(family, file, compute);
      assert.ok(r, `${file} has no ${family} features`);
      assert.deepEqual(
        r.mismatches,
        [],
        `${file}: ${r.mismatches.length}/${r.total} ${family} features differ`,
      );
    });
  }
}
