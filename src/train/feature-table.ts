/**
 * The training data: one row per patient of the cohort's chosen split, the outcome, the model's
 * candidate columns (radiomics from the features table `axilla extract-cohort` wrote, deep
 * features, and the clinical inputs encoded exactly as the service encodes them).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { CohortRow } from '../cohort/manifest.ts';
import type { ClinicalInputs, ClinicalValue } from '../fhir/clinical-inputs.ts';
import { clinicalVector } from '../pipeline/clinical-features.ts';

/** Column-wise numeric table; a missing cell is NaN. */
export interface FeatureTable {
  patientIds: string[];
  columns: Map<string, Float64Array>;
}

export class FeatureTableError extends Error {
  override name = 'FeatureTableError';
}

/** Reads the wide CSV of `axilla extract-cohort` (patient_id first; empty cells for failed jobs). */
export function readFeatureTable(file: string): FeatureTable {
  let records: string[][];
  try {
    records = parse(readFileSync(file, 'utf8'), { skip_empty_lines: true }) as string[][];
  } catch (e) {
    throw new FeatureTableError(`cannot read features table ${file}: ${(e as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header || header[0] !== 'patient_id') {
    throw new FeatureTableError(`features table ${file} must start with a patient_id column`);
  }
  const columns = new Map<string, Float64Array>();
  header.slice(1).forEach((name) => columns.set(name, new Float64Array(rows.length)));
  const patientIds = rows.map((row, r) => {
    header.slice(1).forEach((name, c) => {
      const text = row[c + 1] ?? '';
      const value = text === '' ? Number.NaN : Number(text);
      if (text !== '' && !Number.isFinite(value)) {
        throw new FeatureTableError(
          `features table ${file} line ${r + 2}, column ${name}: not a number (${text})`,
        );
      }
      columns.get(name)![r] = value;
    });
    return row[0]!;
  });
  return { patientIds, columns };
}

/** The table's rows for `patientIds`, in that order; every patient must be present. */
export function selectRows(
  table: FeatureTable,
  patientIds: readonly string[],
  names: readonly string[],
): FeatureTable {
  const index = new Map(table.patientIds.map((id, i) => [id, i]));
  const rows = patientIds.map((id) => {
    const i = index.get(id);
    if (i === undefined) throw new FeatureTableError(`patient ${id} is not in the features table`);
    return i;
  });
  const columns = new Map<string, Float64Array>();
  for (const name of names) {
    const source = table.columns.get(name);
    if (!source) throw new FeatureTableError(`features table has no column ${name}`);
    columns.set(
      name,
      Float64Array.from(rows, (i) => source[i]!),
    );
  }
  return { patientIds: [...patientIds], columns };
}

/** The cohort row's clinical data as the clinical-input contract the FHIR reader fills. */
export function cohortClinicalInputs(row: CohortRow): ClinicalInputs {
  const v = <T>(value: T): ClinicalValue<T> => ({ value, basis: 'cohort manifest', provenance: [] });
  return {
    er: v(row.er),
    pr: v(row.pr),
    her2: v(row.her2),
    ki67Percent: v(row.ki67Percent),
    cT: v(row.cT),
    nat: v({ start: row.natStart, end: row.natEnd }),
    missing: [],
  };
}

/** Clinical model inputs of every row, encoded by the service's own encoder (pipeline/clinical-features). */
export function clinicalColumns(
  rows: readonly CohortRow[],
  names: readonly string[],
): Map<string, Float64Array> {
  const columns = new Map(names.map((n) => [n, new Float64Array(rows.length)]));
  rows.forEach((row, r) => {
    const vector = clinicalVector(names, [], cohortClinicalInputs(row));
    if (!vector.ok) throw new FeatureTableError(`patient ${row.patientId}: clinical inputs missing`);
    names.forEach((n, c) => (columns.get(n)![r] = vector.values[c]!));
  });
  return columns;
}

/** Column names of the features table for the configured sequences and time points, in table order. */
export function radiomicsColumnNames(
  table: FeatureTable,
  sequences: readonly string[],
  timePoints: readonly string[],
): string[] {
  const prefixes = sequences.flatMap((s) => timePoints.map((tp) => `${s}_${tp}_`));
  return [...table.columns.keys()].filter((name) => prefixes.some((p) => name.startsWith(p)));
}

/** Deep feature column names of the blocks (DL_pre_0001…), in block order. */
export function deepColumnNames(table: FeatureTable, blocks: readonly string[]): string[] {
  const names = [...table.columns.keys()];
  return blocks.flatMap((b) => names.filter((n) => n.startsWith(`${b}_`) && /_\d{4}$/.test(n)));
}

/** Reads the value of `column` per patient from the manifest CSV (e.g. a fold column). */
export function manifestColumn(file: string, column: string): Map<string, string> {
  const records = parse(readFileSync(file, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    trim: true,
  }) as Record<string, string>[];
  if (records.length > 0 && !(column in records[0]!)) {
    throw new FeatureTableError(`cohort manifest ${file} has no column ${column}`);
  }
  return new Map(records.map((r) => [r.patient_id!, r[column]!]));
}
