import type {
  ClinicalInputName,
  ClinicalInputs,
  ClinicalValue,
  MissingInput,
  ResourceProvenance,
} from '../fhir/clinical-inputs.ts';

/**
 * Clinical model inputs by their DESIGN §4 names. Each encodes one clinical input; the
 * reference level of a categorical variable (cT1, receptor negative) has no column.
 */
const CLINICAL_FEATURES: Record<
  string,
  { input: ClinicalInputName; encode: (inputs: ClinicalInputs) => number }
> = {
  ER_positive: { input: 'ER', encode: (i) => (i.er!.value === 'positive' ? 1 : 0) },
  PR_positive: { input: 'PR', encode: (i) => (i.pr!.value === 'positive' ? 1 : 0) },
  HER2_positive: { input: 'HER2', encode: (i) => (i.her2!.value === 'positive' ? 1 : 0) },
  cT_T2: { input: 'cT', encode: (i) => (i.cT!.value === 'T2' ? 1 : 0) },
  cT_T3: { input: 'cT', encode: (i) => (i.cT!.value === 'T3' ? 1 : 0) },
  cT_T4: { input: 'cT', encode: (i) => (i.cT!.value === 'T4' ? 1 : 0) },
  Ki67_percent: { input: 'Ki67', encode: (i) => i.ki67Percent!.value },
};

export function isKnownClinicalFeature(name: string): boolean {
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
    const spec = CLINICAL_FEATURES[name];
    if (!spec) throw new Error(`model input ${name} is not a known clinical feature`);
    needed.add(spec.input);
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
  return { ok: true, values: featureNames.map((n) => CLINICAL_FEATURES[n]!.encode(inputs)), provenance };
}
