/**
 * The clinical inputs a model may use, read from FHIR, each with the resources it came from
 * so that the audit trail can name the exact resource versions behind every number.
 */

/** A FHIR resource as the audit names it: type/id plus the version that was read. */
export interface ResourceProvenance {
  /** `ResourceType/id`. */
  reference: string;
  /** meta.versionId when the server reported one. */
  versionId?: string;
  /** The clinically relevant date of the resource (effective / performed), ISO 8601. */
  date?: string;
}

export type ReceptorStatus = 'positive' | 'negative';
export type TCategory = 'T1' | 'T2' | 'T3' | 'T4';

export interface NeoadjuvantTherapy {
  /** ISO 8601 date or date-time of the first treatment. */
  start: string;
  /** ISO 8601 end of the last treatment; absent while therapy is ongoing. */
  end?: string;
}

/** One input that was read: its value, how it was derived, and from which resources. */
export interface ClinicalValue<T> {
  value: T;
  /** Short human-readable derivation, e.g. "IHC 2+, ISH positive". */
  basis: string;
  /** Date of the deciding observation, ISO 8601. */
  date?: string;
  provenance: ResourceProvenance[];
}

export type ClinicalInputName = 'ER' | 'PR' | 'HER2' | 'Ki67' | 'cT' | 'NAT';

/** Why an input could not be given a value; shown to the clinician as is. */
export interface MissingInput {
  input: ClinicalInputName;
  reason: string;
  provenance: ResourceProvenance[];
}

export interface ClinicalInputs {
  er?: ClinicalValue<ReceptorStatus>;
  pr?: ClinicalValue<ReceptorStatus>;
  her2?: ClinicalValue<ReceptorStatus>;
  ki67Percent?: ClinicalValue<number>;
  cT?: ClinicalValue<TCategory>;
  nat?: ClinicalValue<NeoadjuvantTherapy>;
  /** Every input that has no value, with the reason; an input is either set or listed here. */
  missing: MissingInput[];
}

// The reader that fills this contract from FHIR resources (src/fhir/clinical/).
export {
  readClinicalInputs,
  CLINICAL_INPUT_ORDER,
  describeMissing,
  CLINICAL_INPUT_LABELS,
  clinicalInputsDigest,
} from './clinical/index.ts';
export type { ClinicalResources, ReadClinicalInputsOptions } from './clinical/index.ts';
