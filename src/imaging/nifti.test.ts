import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readNifti } from './nifti.ts';
import { ImageReadError } from './nrrd.ts';

const PHANTOM = path.resolve(import.meta.dirname, '../../../shared/reference/ibsi1/digital_phantom');

test('reads the IBSI 1 digital phantom: 5 × 4 × 4 voxels of 2 mm, 74 ROI voxels, integer grey levels from 1 to 6', async (t) => {
  if (!existsSync(PHANTOM)) return t.skip(`reference data absent: ${PHANTOM}`);
  // Expected figures from shared/reference/ibsi1/README.md (the IBSI 1 phantom description).
  const image = await readNifti(path.join(PHANTOM, 'phantom.nii.gz'));
  const mask = await readNifti(path.join(PHANTOM, 'mask.nii.gz'));
  assert.deepEqual([...image.size], [5, 4, 4]);
  assert.deepEqual([...image.spacingMm], [2, 2, 2]);
  assert.deepEqual([...mask.size], [5, 4, 4]);
  let inRoi = 0;
  const levels = new Set<number>();
  for (let n = 0; n < mask.data.length; n += 1)
    if (mask.data[n] === 1) {
      inRoi += 1;
      levels.add(image.data[n]!);
    }
  assert.equal(inRoi, 74);
  assert.ok([...levels].every(Number.isInteger));
  assert.deepEqual([Math.min(...levels), Math.max(...levels)], [1, 6]);
});

test('a file that is not NIfTI is refused with ImageReadError', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'axilla-nifti-'));
  const file = path.join(dir, 'broken.nii');
  writeFileSync(file, 'not an image');
  await assert.rejects(
    readNifti(file),
    (err) => err instanceof ImageReadError && /no NIfTI-1\/2 header/.test(err.message),
  );
  // A valid header size followed by garbage reaches the ITK reader, which must fail cleanly.
  const truncated = Buffer.alloc(400);
  truncated.writeInt32LE(348, 0);
  writeFileSync(file, truncated);
  await assert.rejects(readNifti(file), ImageReadError);
  assert.notEqual(process.exitCode, 1, 'a refused file leaves the exit status alone');
});
