/**
 * Renders docs/ibsi.md from the judged IBSI digital phantom rows (compare.ts). Deterministic (no
 * dates, fixed number formatting) so that regenerating an unchanged result changes nothing.
 */
import {
  AGGREGATIONS,
  FAMILY_NOTES,
  IBSI_PHANTOM_SETTING,
  type FeatureMapping,
  type IbsiFamily,
} from './feature-map.ts';
import { allowedDeviation, summarise, type RowResult, type Summary } from './compare.ts';

/** The machine-readable claim the test checks the engine against (test/ibsi-digital-phantom.test.ts). */
export function claimLine(s: Summary): string {
  return `<!-- ibsi-claims: match=${s.match} match-after-transformation=${s.matchAfterTransformation} -->`;
}

/** Reads the claim back from a rendered report; null when absent. */
export function parseClaims(markdown: string): { match: number; matchAfterTransformation: number } | null {
  const m = /<!-- ibsi-claims: match=(\d+) match-after-transformation=(\d+) -->/.exec(markdown);
  return m ? { match: Number(m[1]), matchAfterTransformation: Number(m[2]) } : null;
}

const fmt = (v: number): string => String(Number(v.toPrecision(6)));
const cell = (text: string): string => text.replace(/\|/g, '\\|');

function ibsiValue(r: RowResult): string {
  const { value, tolerance } = r.row;
  return tolerance > 0 ? `${fmt(value)} ± ${fmt(tolerance)}` : fmt(value);
}

function oursCell(r: RowResult): string {
  if (r.ours === undefined) return '';
  if (r.mapping?.transform && r.compared !== undefined) return `${fmt(r.ours)} → ${fmt(r.compared)}`;
  return fmt(r.ours);
}

function resultCell(r: RowResult): string {
  switch (r.status) {
    case 'match':
      return 'match';
    case 'match after transformation':
      return `match after ${r.mapping?.transform?.description ?? 'transformation'}`;
    case 'mismatch':
      return `**MISMATCH** (allowed ±${fmt(allowedDeviation(r.row))})`;
    case 'differs deliberately':
      return r.withinTolerance ? 'differs (not compared; coincides here)' : 'differs (not compared)';
    case 'not computed':
      return 'not computed';
  }
}

function familyTable(results: readonly RowResult[]): string[] {
  const computed = results.filter((r) => r.status !== 'not computed');
  if (computed.length === 0) return [];
  const lines = [
    '| IBSI feature | code | aggregation | IBSI value | ours | PyRadiomics feature | result |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of computed)
    lines.push(
      `| ${cell(r.row.feature)} | ${r.row.code} | ${r.row.aggregation || '–'} | ${ibsiValue(r)} | ${oursCell(r)} | ${r.mapping?.pyradiomics.featureClass}_${r.mapping?.pyradiomics.feature} | ${resultCell(r)} |`,
    );
  const mappings = [...new Set(computed.map((r) => r.mapping).filter((m): m is FeatureMapping => !!m))];
  const familyNote = FAMILY_NOTES[computed[0]!.row.family as IbsiFamily];
  lines.push('', ...(familyNote ? [familyNote, ''] : []), 'Definitions:', '');
  for (const m of mappings)
    lines.push(
      `- ${m.feature} ↔ \`${m.pyradiomics.featureClass}_${m.pyradiomics.feature}\`, *${m.classification}*` +
        `${m.transform ? ` (IBSI = ${m.transform.description})` : ''}: ${m.note}`,
    );
  return lines;
}

function countsRow(label: string, rs: readonly RowResult[]): string {
  const s = summarise(rs);
  return `| ${label} | ${s.rows} | ${s.match} | ${s.matchAfterTransformation} | ${s.differsDeliberately} | ${s.mismatch} | ${s.notComputed} |`;
}

function notComputedSection(results: readonly RowResult[]): string[] {
  const byFeature = new Map<string, { r: RowResult; aggregations: string[] }>();
  const byAggregation = new Map<string, RowResult[]>();
  for (const r of results) {
    if (r.status !== 'not computed') continue;
    if (r.reason?.startsWith('aggregation ')) {
      byAggregation.set(r.row.aggregation, [...(byAggregation.get(r.row.aggregation) ?? []), r]);
      continue;
    }
    const key = `${r.row.family}\u0000${r.row.feature}`;
    const entry = byFeature.get(key) ?? { r, aggregations: [] };
    if (r.row.aggregation) entry.aggregations.push(r.row.aggregation);
    byFeature.set(key, entry);
  }
  const lines = [
    '## IBSI features PyRadiomics does not compute',
    '',
    '| family | IBSI feature | code | reason |',
    '| --- | --- | --- | --- |',
  ];
  for (const { r, aggregations } of byFeature.values())
    lines.push(
      `| ${r.row.family} | ${cell(r.row.feature)}${aggregations.length > 0 ? ` (${aggregations.join('; ')})` : ''} | ${r.row.code} | ${cell(r.reason ?? '')} |`,
    );
  lines.push('', '### Aggregation methods PyRadiomics does not offer', '');
  for (const [aggregation, rs] of byAggregation) {
    const families = [...new Set(rs.map((r) => r.row.family))].join(', ');
    const support = AGGREGATIONS[aggregation];
    const reason = support && !support.available ? support.reason : '';
    lines.push(`- \`${aggregation}\` (${rs.length} rows: ${families}): ${reason}.`);
  }
  return lines;
}

export function renderIbsiReport(results: readonly RowResult[]): string {
  const s = summarise(results);
  const families = [...new Set(results.map((r) => r.row.family))];
  const lines: string[] = [
    '# IBSI 1 digital phantom: which reference values the engine reproduces',
    '',
    '<!-- Generated by `node --import tsx scripts/ibsi-report.ts`; do not edit by hand. -->',
    '',
    'The IBSI 1 reference values of the digital phantom (`../shared/reference/ibsi1`, see its',
    'README: 5 × 4 × 4 voxels of 2 mm, grey levels 1–6, 74 ROI voxels) compared with the',
    'PyRadiomics-compatible extractor (`src/radiomics/extractor.ts`, `docs/radiomics.md`).',
    '',
    '- How: `src/radiomics/ibsi/compare.ts` resolves every reference row through the mapping table',
    '  `src/radiomics/ibsi/feature-map.ts` (IBSI feature ↔ PyRadiomics feature, with the',
    '  PyRadiomics settings of each aggregation method), runs `extractFeatures` on',
    '  `digital_phantom/phantom.nii.gz` and `mask.nii.gz` once per setting and judges each value.',
    '- Check: `node --import tsx --test test/ibsi-digital-phantom.test.ts` asserts every',
    '  *same definition* value (and every value with a recorded transformation) is reproduced, and',
    '  that the number of reproduced values is at least the one claimed here.',
    '- Regenerate this file: `node --import tsx scripts/ibsi-report.ts`.',
    '- Match rule (README): |ours − IBSI| ≤ tolerance + rounding tolerance, the rounding tolerance',
    '  being half a unit in the third significant digit (IBSI values have 3 significant digits);',
    '  1e-6 for the single zero-valued reference.',
    '- The CT phantom (IBSI configurations A–E) was not run: its image is licensed CC BY-NC 3.0',
    '  (non-commercial) and is not shipped; only its reference values are.',
    '',
    '## Summary',
    '',
    '| outcome | rows |',
    '| --- | --- |',
    `| same definition, reproduced within tolerance | ${s.match} |`,
    `| PyRadiomics differs deliberately by a known transformation, reproduced after it | ${s.matchAfterTransformation} |`,
    `| PyRadiomics differs deliberately, not compared (${s.differsButWithinTolerance} of them coincide on this phantom) | ${s.differsDeliberately} |`,
    `| expected to match but does not (suspected engine bug) | ${s.mismatch} |`,
    `| not computed by PyRadiomics (feature or aggregation method absent) | ${s.notComputed} |`,
    `| **reference rows** | **${s.rows}** |`,
    '',
    claimLine(s),
    '',
    '| family | rows | match | match after transformation | differs deliberately | mismatch | not computed |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...families.map((f) =>
      countsRow(
        f,
        results.filter((r) => r.row.family === f),
      ),
    ),
    countsRow('**all**', results),
    '',
    '## Settings',
    '',
    `Every run uses the PyRadiomics \`setting:\` \`${JSON.stringify(IBSI_PHANTOM_SETTING)}\` (IBSI digital`,
    'phantom configuration: no resampling, re-segmentation or normalisation; `binWidth: 1` keeps the',
    'grey levels 1–6; symmetric GLCM at Chebyshev distance 1; NGTDM and NGLDM distance 1, NGLDM',
    'α = `gldm_a` = 0; no intensity shift), image type Original, all feature classes, plus per',
    'aggregation method:',
    '',
    '| IBSI aggregation | PyRadiomics settings | matrices |',
    '| --- | --- | --- |',
  ];
  for (const [aggregation, support] of Object.entries(AGGREGATIONS)) {
    if (aggregation === '') continue;
    lines.push(
      support.available
        ? `| ${aggregation} | \`${JSON.stringify(support.setting)}\` | ${support.explanation} |`
        : `| ${aggregation} | – | not available: ${support.reason} |`,
    );
  }
  lines.push(
    '',
    '`weightingNorm: no_weighting` is the norm that reproduces IBSI merging (weight 1 per direction).',
    '`infinity` weights every direction equally for isotropic voxels but multiplies the merged',
    'counts by exp(−(2 mm)²), which changes the non-normalised GLRLM non-uniformities; `euclidean`',
    'and `manhattan` weight the directions unequally.',
  );
  for (const family of families) {
    const rs = results.filter((r) => r.row.family === family);
    const table = familyTable(rs);
    if (table.length === 0) continue;
    lines.push('', `## ${family} (${rs[0]?.row.familyCode ?? ''})`, '', ...table);
  }
  lines.push('', ...notComputedSection(results), '');
  return lines.join('\n');
}
