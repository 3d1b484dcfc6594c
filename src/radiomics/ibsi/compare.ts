/**
 * Compares this engine with the IBSI 1 reference values of the digital phantom
 * (../shared/reference/ibsi1, README.md there): every reference row is resolved through the
 * feature map, the extractor runs once per distinct PyRadiomics setting, and each value is judged
 * with the README's rule |x − value| ≤ tolerance + rounding_tolerance (1e-6 for the one
 * zero-valued reference, whose tolerances are both 0).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { readNifti } from '../../imaging/nifti.ts';
import { extractFeatures } from '../extractor.ts';
import { settingsFromParams } from '../settings.ts';
import { pyradiomicsKey, resolveIbsiFeature, type FeatureMapping } from './feature-map.ts';

export interface ReferenceRow {
  family: string;
  familyCode: string;
  feature: string;
  code: string;
  /** Texture aggregation method; '' for the other families. */
  aggregation: string;
  value: number;
  tolerance: number;
  roundingTolerance: number;
  consensus: string;
}

const COLUMNS = [
  'family',
  'family_code',
  'feature',
  'feature_code',
  'aggregation',
  'value',
  'tolerance',
  'rounding_tolerance',
  'consensus',
] as const;

function toNumber(text: string, what: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new RangeError(`${what}: not a number: "${text}"`);
  return v;
}

/** reference_values_digital_phantom.csv (columns as its README describes). */
export function parseReferenceCsv(text: string): ReferenceRow[] {
  const records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return records.map((r, n) => {
    const missing = COLUMNS.filter((c) => r[c] === undefined);
    if (missing.length > 0)
      throw new RangeError(`reference row ${n + 2}: missing column(s) ${missing.join(', ')}`);
    const where = `reference row ${n + 2} (${r.feature})`;
    return {
      family: r.family!,
      familyCode: r.family_code!,
      feature: r.feature!,
      code: r.feature_code!,
      aggregation: r.aggregation!,
      value: toNumber(r.value!, where),
      tolerance: toNumber(r.tolerance!, where),
      roundingTolerance: toNumber(r.rounding_tolerance!, where),
      consensus: r.consensus!,
    };
  });
}

/** The README's acceptance band: tolerance + rounding tolerance, 1e-6 when both are 0. */
export function allowedDeviation(row: ReferenceRow): number {
  const band = row.tolerance + row.roundingTolerance;
  return band > 0 ? band : 1e-6;
}

export type RowStatus =
  'match' | 'match after transformation' | 'mismatch' | 'differs deliberately' | 'not computed';

export interface RowResult {
  row: ReferenceRow;
  status: RowStatus;
  /** Why nothing is computed (status 'not computed'). */
  reason?: string;
  mapping?: FeatureMapping;
  /** The extractor's output key and the `setting:` section it ran with. */
  pyradiomicsName?: string;
  setting?: Record<string, unknown>;
  /** The PyRadiomics value as the engine computes it. */
  ours?: number;
  /** `ours` after the mapping's recorded transformation (= ours without one). */
  compared?: number;
  /** |compared − value| ≤ allowedDeviation(row). */
  withinTolerance?: boolean;
}

/**
 * Judges one mapped row. A same-definition feature outside the band is a 'mismatch' (a suspected
 * engine bug), and so is a recorded transformation that no longer reproduces the IBSI value.
 */
export function judge(row: ReferenceRow, mapping: FeatureMapping, ours: number, voxelCount: number) {
  const compared = mapping.transform ? mapping.transform.apply(ours, { voxelCount }) : ours;
  const withinTolerance = Math.abs(compared - row.value) <= allowedDeviation(row);
  let status: RowStatus;
  if (mapping.classification === 'same definition') status = withinTolerance ? 'match' : 'mismatch';
  else if (mapping.transform) status = withinTolerance ? 'match after transformation' : 'mismatch';
  else status = 'differs deliberately';
  return { status, compared, withinTolerance };
}

export interface PhantomFiles {
  image: string;
  mask: string;
  reference: string;
}

/** Where the README puts the digital phantom and its reference values. */
export function phantomFiles(referenceDir: string): PhantomFiles {
  return {
    image: path.join(referenceDir, 'digital_phantom', 'phantom.nii.gz'),
    mask: path.join(referenceDir, 'digital_phantom', 'mask.nii.gz'),
    reference: path.join(referenceDir, 'reference_values_digital_phantom.csv'),
  };
}

/** Every reference row of the digital phantom, judged (CSV order). */
export async function compareDigitalPhantom(referenceDir: string): Promise<RowResult[]> {
  const files = phantomFiles(referenceDir);
  const rows = parseReferenceCsv(readFileSync(files.reference, 'utf8'));
  const image = await readNifti(files.image);
  const mask = await readNifti(files.mask);
  let voxelCount = 0;
  for (let i = 0; i < mask.data.length; i += 1) if (mask.data[i] === 1) voxelCount += 1;

  const runs = new Map<string, Record<string, number>>();
  const featuresFor = (setting: Record<string, unknown>): Record<string, number> => {
    const key = JSON.stringify(setting);
    let features = runs.get(key);
    if (!features) {
      features = extractFeatures(image, mask, settingsFromParams({ setting }));
      runs.set(key, features);
    }
    return features;
  };

  return rows.map((row): RowResult => {
    const r = resolveIbsiFeature(row.family, row.feature, row.aggregation);
    if (r.kind === 'not computed') return { row, status: 'not computed', reason: r.reason };
    const pyradiomicsName = pyradiomicsKey(r.mapping);
    const ours = featuresFor(r.setting)[pyradiomicsName];
    if (ours === undefined) throw new RangeError(`the extractor did not return ${pyradiomicsName}`);
    return {
      row,
      mapping: r.mapping,
      pyradiomicsName,
      setting: r.setting,
      ours,
      ...judge(row, r.mapping, ours, voxelCount),
    };
  });
}

export interface Summary {
  rows: number;
  match: number;
  matchAfterTransformation: number;
  mismatch: number;
  differsDeliberately: number;
  /** Deliberate differences (without a transformation) whose values still fall in the band here. */
  differsButWithinTolerance: number;
  notComputed: number;
}

export function summarise(results: readonly RowResult[]): Summary {
  const count = (s: RowStatus) => results.filter((r) => r.status === s).length;
  return {
    rows: results.length,
    match: count('match'),
    matchAfterTransformation: count('match after transformation'),
    mismatch: count('mismatch'),
    differsDeliberately: count('differs deliberately'),
    differsButWithinTolerance: results.filter((r) => r.status === 'differs deliberately' && r.withinTolerance)
      .length,
    notComputed: count('not computed'),
  };
}
