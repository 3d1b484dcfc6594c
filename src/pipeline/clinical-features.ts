import type {
  ClinicalInputName,
  ClinicalInputs,
  ClinicalValue,
  MissingInput,
  ResourceProvenance,
} from '../fhir/clinical-inputs.ts';
import { CLINICAL_FEATURES, type ClinicalFeatureName } from '../model/manifest.ts';

/**
 * How each clinical model input (names and meanings in the manifest's CLINICAL_FEATURES, DESIGN
 * §4) is encoded from the clinical inputs; the reference level of a categorical variable (cT1,
 * receptor negative) has no column. Typed against the manifest list, so the two cannot drift.
 */
const ENCODE: Record<ClinicalFeatureName, (inputs: ClinicalInputs) => number> = {
  ER_positive: (i) => (i.er!.value === 'positive' ? 1 : 0),
  PR_positive: (i) => (i.pr!.value === 'positive' ? 1 : 0),
  HER2_positive: (i) => (i.her2!.value === 'positive' ? 1 : 0),
  Ki67_percent: (i) => i.ki67Percent!.value,
  cT_T2: (i) => (i.cT!.value === 'T2' ? 1 : 0),
  cT_T3: (i) => (i.cT!.value === 'T3' ? 1 : 0),
  cT_T4: (i) => (i.cT!.value === 'T4' ? 1 : 0),
};

export function isKnownClinicalFeature(name: string): name is ClinicalFeatureName {
  return Object.hasOwn(CLINICAL_FEATURES, name);
}

function valueOf(inputs: ClinicalInputs, name: ClinicalInputName): ClinicalValue<unknown> | undefined {
  switch (name) {
    case 'ER':
      return inputs.er;
    case 'PR':
      return inputs.pr;
    case 'HER2':
      return inputs.her2;
    case 'Ki67':
      return inputs.ki67Percent;
    case 'cT':
      return inputs.cT;
    case 'NAT':
      return inputs.nat;
  }
}

export type ClinicalVector =
  { ok: true; values: number[]; provenance: ResourceProvenance[] } | { ok: false; missing: MissingInput[] };

/**
 * Builds the ordered clinical part of a model's input vector. Every required input must have a
 * value; otherwise the missing ones are returned, with their reasons, and no vector at all
 * (DESIGN §6 rule 1: never a probability from incomplete inputs).
 */
export function clinicalVector(
  featureNames: readonly string[],
  required: readonly ClinicalInputName[],
  inputs: ClinicalInputs,
): ClinicalVector {
  const needed = new Set<ClinicalInputName>(required);
  for (const name of featureNames) {
    if (!isKnownClinicalFeature(name)) throw new Error(`model input ${name} is not a known clinical feature`);
    needed.add(CLINICAL_FEATURES[name].from);
  }
  const missing: MissingInput[] = [];
  for (const n of needed) {
    if (valueOf(inputs, n) !== undefined) continue;
    missing.push(
      inputs.missing.find((m) => m.input === n) ?? { input: n, reason: 'not recorded', provenance: [] },
    );
  }
  if (missing.length > 0) return { ok: false, missing };
  const provenance = [...needed].flatMap((n) => valueOf(inputs, n)!.provenance);
  return { ok: true, values: featureNames.map((n) => ENCODE[n as ClinicalFeatureName](inputs)), provenance };
}
