/**
 * Builders for mCODE-shaped FHIR R4 resources used by the tests in this folder. They produce
 * the JSON a FHIR server returns (meta.versionId, profile, subject, category), so the tests
 * read like the records a hospital system holds.
 */
import type { Coding, Condition, MedicationAdministration, Observation, Procedure } from '@medplum/fhirtypes';
import { clinicalCodesSchema, type ClinicalCodes } from '../../config/codes.ts';

export const codes: ClinicalCodes = clinicalCodesSchema.parse({});

const MCODE = 'http://hl7.org/fhir/us/mcode/StructureDefinition';
export const PATIENT = { reference: 'Patient/breast-1' };

export const LOINC_CODES = {
  erPresence: {
    system: 'http://loinc.org',
    code: '85337-4',
    display: 'Estrogen receptor Ag [Presence] in Breast cancer specimen by Immune stain',
  },
  erPercent: {
    system: 'http://loinc.org',
    code: '85329-1',
    display: 'Cells.estrogen receptor/100 cells in Breast cancer specimen by Immune stain',
  },
  prPresence: {
    system: 'http://loinc.org',
    code: '85339-0',
    display: 'Progesterone receptor Ag [Presence] in Breast cancer specimen by Immune stain',
  },
  prPercent: {
    system: 'http://loinc.org',
    code: '85325-9',
    display: 'Cells.progesterone receptor/100 cells in Breast cancer specimen by Immune stain',
  },
  her2Ihc: {
    system: 'http://loinc.org',
    code: '85319-2',
    display: 'HER2 [Presence] in Breast cancer specimen by Immune stain',
  },
  her2Ish: {
    system: 'http://loinc.org',
    code: '85318-4',
    display: 'ERBB2 gene duplication [Presence] in Breast cancer specimen by FISH',
  },
  her2Overall: { system: 'http://loinc.org', code: '48676-1', display: 'HER2 [Interpretation] in Tissue' },
  ki67: {
    system: 'http://loinc.org',
    code: '85330-9',
    display: 'Cells.Ki-67 nuclear Ag/100 cells in Breast cancer specimen by Immune stain',
  },
  clinicalT: {
    system: 'http://loinc.org',
    code: '21905-5',
    display: 'Primary tumor.clinical [Class] Cancer',
  },
} satisfies Record<string, Coding>;

export const ANSWERS = {
  positive: { system: 'http://loinc.org', code: 'LA6576-8', display: 'Positive' },
  negative: { system: 'http://loinc.org', code: 'LA6577-6', display: 'Negative' },
  snomedPositive: {
    system: 'http://snomed.info/sct',
    code: '10828004',
    display: 'Positive (qualifier value)',
  },
  snomedNegative: {
    system: 'http://snomed.info/sct',
    code: '260385009',
    display: 'Negative (qualifier value)',
  },
  equivocal: { system: 'http://snomed.info/sct', code: '42425007', display: 'Equivocal (qualifier value)' },
  score0: { system: 'http://loinc.org', code: 'LA6111-4', display: '0' },
  score1: { system: 'http://loinc.org', code: 'LA11841-6', display: '1+' },
  score2: { system: 'http://loinc.org', code: 'LA11842-4', display: '2+' },
  score3: { system: 'http://loinc.org', code: 'LA11843-2', display: '3+' },
} satisfies Record<string, Coding>;

export type ObservationValue = Pick<
  Observation,
  | 'valueCodeableConcept'
  | 'valueQuantity'
  | 'valueString'
  | 'valueInteger'
  | 'valueBoolean'
  | 'dataAbsentReason'
>;

export interface ObservationOptions {
  status?: Observation['status'];
  /** effectiveDateTime; null for an observation without any date. */
  date?: string | null;
  versionId?: string;
  profile?: string;
}

/** An mCODE Tumor Marker Test (or TNM category) Observation. */
export function observation(
  id: string,
  code: Coding,
  value: ObservationValue,
  options: ObservationOptions = {},
): Observation {
  const date = options.date === undefined ? '2024-01-15' : options.date;
  return {
    resourceType: 'Observation',
    id,
    meta: {
      versionId: options.versionId ?? '1',
      profile: [options.profile ?? `${MCODE}/mcode-tumor-marker-test`],
    },
    status: options.status ?? 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
        ],
      },
    ],
    code: { coding: [code] },
    subject: PATIENT,
    ...(date === null ? {} : { effectiveDateTime: date }),
    ...value,
  };
}

export const coded = (...coding: Coding[]): ObservationValue => ({ valueCodeableConcept: { coding } });
export const percent = (value: number, unit = '%'): ObservationValue => ({
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});

/** An mCODE Primary Cancer Condition with a stage entry. */
export function cancerCondition(
  id: string,
  stages: Condition['stage'],
  recordedDate = '2024-01-20',
): Condition {
  return {
    resourceType: 'Condition',
    id,
    meta: { versionId: '3', profile: [`${MCODE}/mcode-primary-cancer-condition`] },
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
    },
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' },
        ],
      },
    ],
    code: {
      coding: [
        {
          system: 'http://snomed.info/sct',
          code: '353431000119107',
          display: 'Primary malignant neoplasm of female left breast',
        },
      ],
    },
    subject: PATIENT,
    recordedDate,
    stage: stages,
  };
}

export const CHEMOTHERAPY: Coding = {
  system: 'http://snomed.info/sct',
  code: '367336001',
  display: 'Chemotherapy',
};

export function chemotherapyProcedure(
  id: string,
  timing: Pick<Procedure, 'performedPeriod' | 'performedDateTime'>,
  status: Procedure['status'] = 'completed',
): Procedure {
  return {
    resourceType: 'Procedure',
    id,
    meta: { versionId: '1', profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-procedure'] },
    status,
    code: { coding: [CHEMOTHERAPY], text: 'Neoadjuvant chemotherapy (EC-T)' },
    subject: PATIENT,
    ...timing,
  };
}

export function chemotherapyAdministration(
  id: string,
  timing: Pick<MedicationAdministration, 'effectivePeriod' | 'effectiveDateTime'>,
  status: MedicationAdministration['status'] = 'completed',
): MedicationAdministration {
  return {
    resourceType: 'MedicationAdministration',
    id,
    meta: { versionId: '2', profile: [`${MCODE}/mcode-cancer-related-medication-administration`] },
    status,
    category: { coding: [CHEMOTHERAPY] },
    medicationCodeableConcept: {
      coding: [
        { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '56946', display: 'paclitaxel' },
      ],
    },
    subject: PATIENT,
    ...timing,
  };
}
