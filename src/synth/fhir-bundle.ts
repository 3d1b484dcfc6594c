import type {
  Bundle,
  BundleEntry,
  Endpoint,
  ImagingStudy,
  Observation,
  Patient,
  Procedure,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { LOINC, SNOMED } from '../config/codes.ts';
import { uuidV5 } from '../dicom/uid.ts';

/** What the FHIR side of a synthetic patient needs to know; filled by the cohort writer. */
export interface PatientRecord {
  /** DICOM Patient ID and FHIR MRN. */
  patientId: string;
  family: string;
  given: string;
  /** YYYY-MM-DD */
  birthDate: string;
  er: { status: 'positive' | 'negative'; percent: number };
  pr: { status: 'positive' | 'negative'; percent: number };
  her2: { ihc: '0' | '1+' | '2+' | '3+'; ish?: 'positive' | 'negative' };
  ki67Percent: number;
  cT: 'T1' | 'T2' | 'T3' | 'T4';
  cN: 'N1' | 'N2' | 'N3';
  /** YYYY-MM-DD: biopsy / staging date. */
  diagnosisDate: string;
  natStart: string;
  natEnd: string;
  studies: { pre: StudyRecord; post: StudyRecord };
}

export interface StudyRecord {
  studyInstanceUid: string;
  /** YYYY-MM-DD */
  date: string;
  description: string;
  series: {
    seriesInstanceUid: string;
    number: number;
    modality: 'MR' | 'SEG';
    description: string;
    instances: number;
  }[];
}

/** Code systems the bundle uses besides LOINC and SNOMED CT. */
export const MRN_SYSTEM = 'urn:axilla-cds:synthetic:mrn';
const AJCC = 'http://cancerstaging.org';
const DICOM_UID_PREFIX = 'urn:oid:';

type Coding = { system: string; code: string; display: string };
const POSITIVE: Coding = { system: LOINC, code: 'LA6576-8', display: 'Positive' };
const NEGATIVE: Coding = { system: LOINC, code: 'LA6577-6', display: 'Negative' };
const IHC_SCORE: Record<PatientRecord['her2']['ihc'], Coding> = {
  '0': { system: LOINC, code: 'LA6111-4', display: '0' },
  '1+': { system: LOINC, code: 'LA11841-6', display: '1+' },
  '2+': { system: LOINC, code: 'LA11842-4', display: '2+' },
  '3+': { system: LOINC, code: 'LA11843-2', display: '3+' },
};

/** LOINC codes of the mCODE Tumor Marker Test and TNM staging observations. */
const CODE = {
  er: {
    system: LOINC,
    code: '85337-4',
    display: 'Estrogen receptor Ag [Presence] in Breast cancer specimen by Immune stain',
  },
  erPercent: {
    system: LOINC,
    code: '85329-1',
    display: 'Cells.estrogen receptor/100 cells in Breast cancer specimen by Immune stain',
  },
  pr: {
    system: LOINC,
    code: '85339-0',
    display: 'Progesterone receptor Ag [Presence] in Breast cancer specimen by Immune stain',
  },
  her2Ihc: {
    system: LOINC,
    code: '85319-2',
    display: 'HER2 [Presence] in Breast cancer specimen by Immune stain',
  },
  her2Ish: {
    system: LOINC,
    code: '85318-4',
    display: 'ERBB2 gene duplication [Presence] in Breast cancer specimen by FISH',
  },
  ki67: {
    system: LOINC,
    code: '85330-9',
    display: 'Cells.Ki-67 nuclear Ag/100 cells in Breast cancer specimen by Immune stain',
  },
  cT: { system: LOINC, code: '21905-5', display: 'Primary tumor.clinical [Class] Cancer' },
  cN: { system: LOINC, code: '21906-3', display: 'Regional lymph nodes.clinical [Class] Cancer' },
} as const;

const uuidUrn = (patientId: string, local: string): string => `urn:uuid:${uuidV5(`${patientId}/${local}`)}`;

function observation(
  p: PatientRecord,
  id: string,
  code: Coding,
  date: string,
  value: Partial<Observation>,
): Observation {
  return {
    resourceType: 'Observation',
    id: `${p.patientId}-${id}`,
    meta: { profile: ['http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tumor-marker-test'] },
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
        ],
      },
    ],
    code: { coding: [code], text: code.display },
    subject: { reference: `Patient/${p.patientId}` },
    effectiveDateTime: date,
    ...value,
  };
}

const coded = (c: Coding): Partial<Observation> => ({
  valueCodeableConcept: { coding: [c], text: c.display },
});
const percent = (v: number): Partial<Observation> => ({
  valueQuantity: {
    value: Math.round(v * 10) / 10,
    unit: '%',
    system: 'http://unitsofmeasure.org',
    code: '%',
  },
});
const status = (s: 'positive' | 'negative'): Coding => (s === 'positive' ? POSITIVE : NEGATIVE);

function staging(p: PatientRecord, id: 'ct' | 'cn', code: Coding, value: string): Observation {
  const obs = observation(p, id, code, p.diagnosisDate, {
    valueCodeableConcept: {
      coding: [{ system: AJCC, code: `c${value}`, display: `c${value}` }],
      text: `c${value}`,
    },
  });
  obs.meta = {
    profile: [
      `http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tnm-${id === 'ct' ? 'primary-tumor' : 'regional-nodes'}-category`,
    ],
  };
  obs.category = [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] },
  ];
  return obs;
}

function imagingStudy(p: PatientRecord, key: 'pre' | 'post', endpointId: string): ImagingStudy {
  const s = p.studies[key];
  const modalities = [...new Set(s.series.map((x) => x.modality))];
  return {
    resourceType: 'ImagingStudy',
    id: `${p.patientId}-mri-${key}`,
    identifier: [{ system: 'urn:dicom:uid', value: `${DICOM_UID_PREFIX}${s.studyInstanceUid}` }],
    status: 'available',
    modality: modalities.map((m) => ({ system: 'http://dicom.nema.org/resources/ontology/DCM', code: m })),
    subject: { reference: `Patient/${p.patientId}` },
    started: `${s.date}T09:00:00Z`,
    endpoint: [{ reference: `Endpoint/${endpointId}` }],
    numberOfSeries: s.series.length,
    numberOfInstances: s.series.reduce((n, x) => n + x.instances, 0),
    description: s.description,
    series: s.series.map((x) => ({
      uid: x.seriesInstanceUid,
      number: x.number,
      modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: x.modality },
      description: x.description,
      numberOfInstances: x.instances,
      bodySite: { system: SNOMED, code: '76752008', display: 'Breast' },
    })),
  };
}

/** The DICOMweb endpoint ImagingStudy resources point at (FHIR R4 Endpoint, connection type dicom-wado-rs). */
export function dicomWebEndpoint(id: string, address: string): Endpoint {
  return {
    resourceType: 'Endpoint',
    id,
    status: 'active',
    connectionType: {
      system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type',
      code: 'dicom-wado-rs',
    },
    name: 'PACS DICOMweb',
    payloadType: [{ text: 'DICOM' }],
    payloadMimeType: ['application/dicom'],
    address,
  };
}

export const ENDPOINT_ID = 'pacs-dicomweb';

/**
 * Every FHIR resource of one synthetic patient, shaped as mCODE / US Core: Patient with MRN =
 * DICOM Patient ID, tumour markers (HER2 ISH only for IHC 2+), cT and cN, neoadjuvant therapy
 * as a Procedure with its period, both MRI studies as ImagingStudy, and the draft
 * ServiceRequest for axillary surgery that triggers the order-sign hook.
 */
export function patientResources(p: PatientRecord): Resource[] {
  const patient: Patient = {
    resourceType: 'Patient',
    id: p.patientId,
    meta: { profile: ['http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-cancer-patient'] },
    identifier: [
      {
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v2-0203',
              code: 'MR',
              display: 'Medical record number',
            },
          ],
        },
        system: MRN_SYSTEM,
        value: p.patientId,
      },
    ],
    name: [{ family: p.family, given: [p.given] }],
    gender: 'female',
    birthDate: p.birthDate,
  };
  const markers: Observation[] = [
    observation(p, 'er', CODE.er, p.diagnosisDate, coded(status(p.er.status))),
    observation(p, 'er-percent', CODE.erPercent, p.diagnosisDate, percent(p.er.percent)),
    observation(p, 'pr', CODE.pr, p.diagnosisDate, coded(status(p.pr.status))),
    observation(p, 'her2-ihc', CODE.her2Ihc, p.diagnosisDate, coded(IHC_SCORE[p.her2.ihc])),
    ...(p.her2.ish
      ? [observation(p, 'her2-ish', CODE.her2Ish, p.diagnosisDate, coded(status(p.her2.ish)))]
      : []),
    observation(p, 'ki67', CODE.ki67, p.diagnosisDate, percent(p.ki67Percent)),
    staging(p, 'ct', CODE.cT, p.cT),
    staging(p, 'cn', CODE.cN, p.cN),
  ];
  const nat: Procedure = {
    resourceType: 'Procedure',
    id: `${p.patientId}-nat`,
    status: 'completed',
    category: { coding: [{ system: SNOMED, code: '367336001', display: 'Chemotherapy' }] },
    code: {
      coding: [{ system: SNOMED, code: '367336001', display: 'Chemotherapy' }],
      text: 'Neoadjuvant systemic therapy',
    },
    subject: { reference: `Patient/${p.patientId}` },
    performedPeriod: { start: p.natStart, end: p.natEnd },
  };
  const order: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: `${p.patientId}-axillary-surgery`,
    status: 'draft',
    intent: 'order',
    code: {
      coding: [{ system: SNOMED, code: '234262008', display: 'Excision of axillary lymph node' }],
      text: 'Axillary surgery after neoadjuvant therapy',
    },
    subject: { reference: `Patient/${p.patientId}` },
  };
  return [
    patient,
    ...markers,
    nat,
    imagingStudy(p, 'pre', ENDPOINT_ID),
    imagingStudy(p, 'post', ENDPOINT_ID),
    order,
  ];
}

/**
 * One patient as a FHIR transaction (PUT by id, so loading twice is harmless), with the
 * DICOMweb Endpoint the ImagingStudy resources reference.
 */
export function patientTransaction(p: PatientRecord, dicomWebRoot: string): Bundle {
  const resources: Resource[] = [dicomWebEndpoint(ENDPOINT_ID, dicomWebRoot), ...patientResources(p)];
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r): BundleEntry => ({
      fullUrl: uuidUrn(p.patientId, `${r.resourceType}/${r.id}`),
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
    })),
  };
}
