import type {
  Bundle,
  Condition,
  MedicationAdministration,
  Observation,
  Patient,
  Procedure,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { LOINC, SNOMED } from '../config/codes.ts';

/**
 * Demo patients of the embedded FHIR server, shaped as mCODE / US Core resources. They exercise
 * what a surgeon sees: two complete records (one through HER2 IHC 2+ resolved by ISH), one
 * without ER status, and one with contradictory HER2 results.
 */
export interface DemoPatient {
  id: string;
  story: string;
  resources: Resource[];
  /** The draft order an EHR would send in order-sign / order-select context. */
  draftOrder: ServiceRequest;
}

type Coded = { system: string; code: string; display: string };
const positive: Coded = { system: LOINC, code: 'LA6576-8', display: 'Positive' };
const negative: Coded = { system: LOINC, code: 'LA6577-6', display: 'Negative' };
const ihc: Record<string, Coded> = {
  '1+': { system: LOINC, code: 'LA11841-6', display: '1+' },
  '2+': { system: LOINC, code: 'LA11842-4', display: '2+' },
  '3+': { system: LOINC, code: 'LA11843-2', display: '3+' },
};

function observation(
  patientId: string,
  id: string,
  code: Coded,
  date: string,
  value: Pick<Observation, 'valueCodeableConcept' | 'valueQuantity'>,
): Observation {
  return {
    resourceType: 'Observation',
    id: `${patientId}-${id}`,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
        ],
      },
    ],
    code: { coding: [code], text: code.display },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: date,
    ...value,
  };
}

const coded = (c: Coded): Pick<Observation, 'valueCodeableConcept'> => ({
  valueCodeableConcept: { coding: [c], text: c.display },
});
const percent = (v: number): Pick<Observation, 'valueQuantity'> => ({
  valueQuantity: { value: v, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
});

const ER: Coded = {
  system: LOINC,
  code: '85337-4',
  display: 'Estrogen receptor Ag [Presence] in Breast cancer specimen by Immune stain',
};
const PR: Coded = {
  system: LOINC,
  code: '85339-0',
  display: 'Progesterone receptor Ag [Presence] in Breast cancer specimen by Immune stain',
};
const HER2_IHC: Coded = {
  system: LOINC,
  code: '85319-2',
  display: 'HER2 [Presence] in Breast cancer specimen by Immune stain',
};
const HER2_ISH: Coded = {
  system: LOINC,
  code: '85318-4',
  display: 'ERBB2 gene duplication [Presence] in Breast cancer specimen by FISH',
};
const KI67: Coded = {
  system: LOINC,
  code: '85330-9',
  display: 'Cells.Ki-67 nuclear Ag/100 cells in Breast cancer specimen by Immune stain',
};
const CLINICAL_T: Coded = {
  system: LOINC,
  code: '21905-5',
  display: 'Primary tumor.clinical [Class] Cancer',
};
const ajccT = (t: string): Coded => ({ system: 'http://cancerstaging.org', code: `c${t}`, display: `c${t}` });

function patient(id: string, family: string, given: string, birthDate: string): Patient {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: 'urn:axilla-cds:demo:mrn', value: id.toUpperCase() }],
    name: [{ family, given: [given] }],
    gender: 'female',
    birthDate,
  };
}

function chemotherapy(patientId: string, start: string, end: string): Procedure {
  return {
    resourceType: 'Procedure',
    id: `${patientId}-nat`,
    status: 'completed',
    code: {
      coding: [{ system: SNOMED, code: '367336001', display: 'Chemotherapy' }],
      text: 'Neoadjuvant chemotherapy',
    },
    subject: { reference: `Patient/${patientId}` },
    performedPeriod: { start, end },
  };
}

function axillarySurgeryOrder(patientId: string): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    id: `${patientId}-axillary-surgery`,
    status: 'draft',
    intent: 'order',
    code: {
      coding: [{ system: SNOMED, code: '234262008', display: 'Excision of axillary lymph node' }],
      text: 'Axillary surgery after neoadjuvant therapy',
    },
    subject: { reference: `Patient/${patientId}` },
  };
}

function demo(id: string, story: string, resources: Resource[]): DemoPatient {
  return { id, story, resources, draftOrder: axillarySurgeryOrder(id) };
}

export const DEMO_PATIENTS: DemoPatient[] = [
  demo('demo-her2-positive', 'ER−, PR−, HER2 3+, cT2, NAT completed: a probability is shown', [
    patient('demo-her2-positive', 'Demo', 'Alice', '1971-04-12'),
    observation('demo-her2-positive', 'er', ER, '2026-04-02', coded(negative)),
    observation('demo-her2-positive', 'pr', PR, '2026-04-02', coded(negative)),
    observation('demo-her2-positive', 'her2-ihc', HER2_IHC, '2026-04-02', coded(ihc['3+']!)),
    observation('demo-her2-positive', 'ki67', KI67, '2026-04-02', percent(45)),
    observation('demo-her2-positive', 'ct', CLINICAL_T, '2026-04-05', coded(ajccT('T2'))),
    chemotherapy('demo-her2-positive', '2026-04-20', '2026-09-30'),
  ]),
  demo('demo-her2-equivocal', 'ER+, PR+, HER2 IHC 2+ with ISH negative, cT3: a probability is shown', [
    patient('demo-her2-equivocal', 'Demo', 'Beatrice', '1965-11-03'),
    observation('demo-her2-equivocal', 'er', ER, '2026-03-10', coded(positive)),
    observation('demo-her2-equivocal', 'pr', PR, '2026-03-10', coded(positive)),
    observation('demo-her2-equivocal', 'her2-ihc', HER2_IHC, '2026-03-10', coded(ihc['2+']!)),
    observation('demo-her2-equivocal', 'her2-ish', HER2_ISH, '2026-03-17', coded(negative)),
    observation('demo-her2-equivocal', 'ki67', KI67, '2026-03-10', percent(20)),
    observation('demo-her2-equivocal', 'ct', CLINICAL_T, '2026-03-12', coded(ajccT('T3'))),
    chemotherapy('demo-her2-equivocal', '2026-03-30', '2026-09-01'),
  ]),
  demo('demo-missing-er', 'no ER result on record: the card says ER is missing instead of a probability', [
    patient('demo-missing-er', 'Demo', 'Carla', '1980-02-21'),
    observation('demo-missing-er', 'pr', PR, '2026-05-02', coded(positive)),
    observation('demo-missing-er', 'her2-ihc', HER2_IHC, '2026-05-02', coded(ihc['1+']!)),
    observation('demo-missing-er', 'ct', CLINICAL_T, '2026-05-04', coded(ajccT('T1'))),
    chemotherapy('demo-missing-er', '2026-05-20', '2026-10-15'),
  ]),
  demo('demo-contradictory-her2', 'two HER2 results on the same day disagree: the card says so', [
    patient('demo-contradictory-her2', 'Demo', 'Dana', '1975-07-30'),
    observation('demo-contradictory-her2', 'er', ER, '2026-02-11', coded(positive)),
    observation('demo-contradictory-her2', 'pr', PR, '2026-02-11', coded(negative)),
    observation('demo-contradictory-her2', 'her2-ihc-a', HER2_IHC, '2026-02-11', coded(ihc['3+']!)),
    observation('demo-contradictory-her2', 'her2-ihc-b', HER2_IHC, '2026-02-11', coded(ihc['1+']!)),
    observation('demo-contradictory-her2', 'ct', CLINICAL_T, '2026-02-12', coded(ajccT('T2'))),
    chemotherapy('demo-contradictory-her2', '2026-03-01', '2026-08-10'),
  ]),
];

/** The demo data as one FHIR transaction, as a site would load it. */
export function demoTransaction(patients: readonly DemoPatient[] = DEMO_PATIENTS): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: patients.flatMap((p) =>
      p.resources.map((r) => ({
        resource: r,
        request: { method: 'PUT' as const, url: `${r.resourceType}/${r.id}` },
      })),
    ),
  };
}

export type { Condition, MedicationAdministration };
