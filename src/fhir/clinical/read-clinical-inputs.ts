/**
 * Reads every clinical input the models use from the patient's FHIR resources. Pure: the caller
 * fetches the resources (already restricted to the patient) and passes them in.
 *
 * Each input ends up either with a value or in `missing` with a reason, never both and never
 * neither, so the card can always say what is missing (DESIGN §4 Outcomes, §6 rule 1).
 */
import type { Condition, MedicationAdministration, Observation, Procedure } from '@medplum/fhirtypes';
import type { ClinicalInputName, ClinicalInputs, ClinicalValue, MissingInput } from '../clinical-inputs.ts';
import type { ClinicalCodes } from '../../config/codes.ts';
import { parseFhirDate } from './fhir-date.ts';
import { readHer2 } from './her2.ts';
import { readKi67Percent } from './ki67.ts';
import { readNeoadjuvantTherapy } from './neoadjuvant-therapy.ts';
import type { Decision } from './observation-selection.ts';
import { readReceptorStatus } from './receptor-status.ts';
import { readClinicalT } from './tumour-stage.ts';

export interface ClinicalResources {
  observations: Observation[];
  conditions: Condition[];
  procedures: Procedure[];
  medicationAdministrations: MedicationAdministration[];
}

export interface ReadClinicalInputsOptions {
  /** ISO 8601 date or date-time; therapy starting after it is ignored. */
  asOf?: string;
}

/** The order inputs are listed in `missing`, fixed so output and digest never depend on input order. */
export const CLINICAL_INPUT_ORDER: readonly ClinicalInputName[] = ['ER', 'PR', 'HER2', 'Ki67', 'cT', 'NAT'];

function valueOrMissing<T>(
  input: ClinicalInputName,
  decision: Decision<T>,
  missing: MissingInput[],
): ClinicalValue<T> | undefined {
  if (decision.ok) return decision.value;
  missing.push({ input, reason: decision.reason, provenance: decision.provenance });
  return undefined;
}

export function readClinicalInputs(
  resources: ClinicalResources,
  codes: ClinicalCodes,
  options: ReadClinicalInputsOptions = {},
): ClinicalInputs {
  const asOf = options.asOf === undefined ? undefined : parseFhirDate(options.asOf);
  if (options.asOf !== undefined && asOf === undefined) {
    throw new RangeError(`asOf is not an ISO 8601 date or date-time: "${options.asOf}"`);
  }
  const { observations, conditions } = resources;
  const missing: MissingInput[] = [];
  const inputs: ClinicalInputs = { missing };
  const er = valueOrMissing('ER', readReceptorStatus('ER', observations, codes), missing);
  const pr = valueOrMissing('PR', readReceptorStatus('PR', observations, codes), missing);
  const her2 = valueOrMissing('HER2', readHer2(observations, codes), missing);
  const ki67 = valueOrMissing('Ki67', readKi67Percent(observations, codes), missing);
  const cT = valueOrMissing('cT', readClinicalT(observations, conditions, codes), missing);
  const nat = valueOrMissing('NAT', readNeoadjuvantTherapy(resources, codes, asOf), missing);
  if (er) inputs.er = er;
  if (pr) inputs.pr = pr;
  if (her2) inputs.her2 = her2;
  if (ki67) inputs.ki67Percent = ki67;
  if (cT) inputs.cT = cT;
  if (nat) inputs.nat = nat;
  return inputs;
}
