export { readClinicalInputs, CLINICAL_INPUT_ORDER } from './read-clinical-inputs.ts';
export type { ClinicalResources, ReadClinicalInputsOptions } from './read-clinical-inputs.ts';
export { describeMissing, CLINICAL_INPUT_LABELS } from './describe-missing.ts';
export { clinicalInputsDigest } from './inputs-digest.ts';
