/**
 * IBSI 1 digital phantom (../shared/reference/ibsi1: phantom, mask and the IBSI reference values
 * parsed from the IBSI reference manual, see its README). Every IBSI value whose feature
 * PyRadiomics defines the same way (src/radiomics/ibsi/feature-map.ts) must be reproduced within
 * tolerance + rounding tolerance (README, "Tolerances and how to compare"), and every value with a
 * recorded transformation after it. Deliberate differences are printed, not asserted. The counts
 * docs/ibsi.md claims must still hold, so the report cannot silently rot.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  allowedDeviation,
  compareDigitalPhantom,
  summarise,
  type RowResult,
} from '../src/radiomics/ibsi/compare.ts';
import { IBSI_FAMILY, resolveIbsiFeature } from '../src/radiomics/ibsi/feature-map.ts';
import { parseClaims } from '../src/radiomics/ibsi/report.ts';

const REF_DIR = path.resolve(import.meta.dirname, '../../shared/reference/ibsi1');
const REPORT = path.resolve(import.meta.dirname, '../docs/ibsi.md');

const label = (r: RowResult): string =>
  `${r.row.family} / ${r.row.feature} (${r.row.code}${r.row.aggregation ? `, ${r.row.aggregation}` : ''})`;

test('IBSI map: aggregation methods select the PyRadiomics settings that build the same matrices', () => {
  const merged = resolveIbsiFeature(IBSI_FAMILY.glcm, 'Contrast', '3D, merged');
  assert.equal(merged.kind, 'mapped');
  assert.ok(merged.kind === 'mapped');
  assert.equal(merged.setting.weightingNorm, 'no_weighting');
  assert.equal(merged.setting.binWidth, 1);
  const slices = resolveIbsiFeature(IBSI_FAMILY.glrlm, 'Run entropy', '2.5D, direction-merged');
  assert.ok(
    slices.kind === 'mapped' && slices.setting.force2D === true && !('weightingNorm' in slices.setting),
  );
  assert.equal(resolveIbsiFeature(IBSI_FAMILY.glcm, 'Contrast', '2D, averaged').kind, 'not computed');
  assert.equal(resolveIbsiFeature(IBSI_FAMILY.gldzm, 'Zone percentage', '3D').kind, 'not computed');
  assert.throws(
    () => resolveIbsiFeature(IBSI_FAMILY.glcm, 'No such feature', '3D, averaged'),
    /not in the map/,
  );
});

if (!existsSync(REF_DIR)) {
  test('IBSI 1 digital phantom', (t) => t.skip(`IBSI reference data not found at ${REF_DIR}`));
} else {
  const results = await compareDigitalPhantom(REF_DIR);

  test('IBSI digital phantom: every reference row is computed or explained', () => {
    assert.ok(results.length > 0, 'no reference rows');
    for (const r of results) {
      if (r.status === 'not computed') assert.ok(r.reason, `${label(r)}: no reason given`);
      else assert.ok(Number.isFinite(r.ours), `${label(r)}: ${r.pyradiomicsName} = ${r.ours}`);
    }
  });

  // Rows the engine must reproduce: same definition, or a recorded transformation.
  const asserted = results.filter(
    (r) => r.mapping && (r.mapping.classification === 'same definition' || r.mapping.transform),
  );
  for (const family of [...new Set(asserted.map((r) => r.row.family))]) {
    test(`IBSI digital phantom, ${family}: values reproduced within tolerance`, (t) => {
      const rows = asserted.filter((r) => r.row.family === family);
      const failures = rows
        .filter((r) => !r.withinTolerance)
        .map((r) => {
          const how = r.mapping?.transform ? ` (${r.mapping.transform.description} of ${r.ours})` : '';
          return `${label(r)}: IBSI ${r.row.value} ± ${allowedDeviation(r.row)}, got ${r.compared}${how} from ${r.pyradiomicsName} with ${JSON.stringify(r.setting)}`;
        });
      t.diagnostic(`${rows.length - failures.length} of ${rows.length} values reproduced`);
      assert.deepEqual(failures, []);
    });
  }

  test('IBSI digital phantom: deliberate differences (values printed, equality not asserted)', (t) => {
    const rows = results.filter((r) => r.status === 'differs deliberately');
    for (const r of rows)
      t.diagnostic(`${label(r)}: IBSI ${r.row.value}, PyRadiomics ${r.pyradiomicsName} ${r.ours}`);
    assert.ok(
      rows.every(
        (r) => r.mapping?.classification === 'PyRadiomics differs deliberately' && !r.mapping.transform,
      ),
    );
  });

  test('IBSI digital phantom: the counts docs/ibsi.md claims still hold', () => {
    const claims = parseClaims(readFileSync(REPORT, 'utf8'));
    assert.ok(
      claims,
      'docs/ibsi.md has no ibsi-claims line (regenerate: node --import tsx scripts/ibsi-report.ts)',
    );
    const s = summarise(results);
    assert.ok(
      s.match >= claims.match,
      `${s.match} same-definition matches, docs/ibsi.md claims ${claims.match}`,
    );
    assert.ok(
      s.matchAfterTransformation >= claims.matchAfterTransformation,
      `${s.matchAfterTransformation} matches after transformation, docs/ibsi.md claims ${claims.matchAfterTransformation}`,
    );
  });
}
