import { z } from 'zod';

/** A FHIR Coding reduced to what matching needs. */
export const codingSchema = z.strictObject({
  system: z.string().min(1),
  code: z.string().min(1),
  display: z.string().optional(),
});
export type CodingRef = z.infer<typeof codingSchema>;

const codings = z.array(codingSchema).min(1);

export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const V3_INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

const loinc = (code: string, display: string): CodingRef => ({ system: LOINC, code, display });
const snomed = (code: string, display: string): CodingRef => ({ system: SNOMED, code, display });

/**
 * Which FHIR codes carry each clinical input. Defaults follow mCODE's Tumor Marker Test and
 * TNM profiles (LOINC-coded Observations) and the LOINC answer lists used with them; a site
 * whose EHR codes differently overrides any list in its configuration.
 */
export const clinicalCodesSchema = z.strictObject({
  /** Estrogen receptor: qualitative result (positive / negative). */
  er: codings.default([
    loinc('85337-4', 'Estrogen receptor Ag [Presence] in Breast cancer specimen by Immune stain'),
    loinc('16112-5', 'Estrogen receptor [Interpretation] in Tissue'),
  ]),
  /** Estrogen receptor: percentage of stained nuclei; >= receptorPositiveMinPercent is positive. */
  erPercent: codings.default([
    loinc('85329-1', 'Cells.estrogen receptor/100 cells in Breast cancer specimen by Immune stain'),
  ]),
  pr: codings.default([
    loinc('85339-0', 'Progesterone receptor Ag [Presence] in Breast cancer specimen by Immune stain'),
    loinc('16113-3', 'Progesterone receptor [Interpretation] in Tissue'),
  ]),
  prPercent: codings.default([
    loinc('85325-9', 'Cells.progesterone receptor/100 cells in Breast cancer specimen by Immune stain'),
  ]),
  /** ASCO/CAP 2020 ER/PR guideline: >= 1 % stained tumour nuclei counts as positive. */
  receptorPositiveMinPercent: z.number().min(0).max(100).default(1),
  /** HER2 by immunohistochemistry: a score 0, 1+, 2+ or 3+ (or positive / negative). */
  her2Ihc: codings.default([
    loinc('85319-2', 'HER2 [Presence] in Breast cancer specimen by Immune stain'),
    loinc('18474-7', 'HER2 Ag [Presence] in Tissue by Immune stain'),
  ]),
  /** HER2 by in-situ hybridisation: resolves an IHC 2+ (ASCO/CAP 2018 HER2 guideline). */
  her2Ish: codings.default([
    loinc('85318-4', 'ERBB2 gene duplication [Presence] in Breast cancer specimen by FISH'),
  ]),
  /** HER2 overall interpretation, when the laboratory reports one. */
  her2Overall: codings.default([loinc('48676-1', 'HER2 [Interpretation] in Tissue')]),
  ki67: codings.default([
    loinc('85330-9', 'Cells.Ki-67 nuclear Ag/100 cells in Breast cancer specimen by Immune stain'),
  ]),
  /** Clinical primary tumour category (cT); as an Observation code or Condition.stage.type. */
  clinicalT: codings.default([
    loinc('21905-5', 'Primary tumor.clinical [Class] Cancer'),
    // mCODE STU2+ TNM Primary Tumor Category uses SNOMED CT for the code (TNMPrimaryTumorStagingTypeVS);
    // see the mCODE IG example tnm-clinical-primary-tumor-category-jenny-m
    // (github.com/HL7/fhir-mCODE-ig, input/fsh/EX_ExtendedExample.fsh), which replaced LOINC 21905-5.
    snomed('399504009', 'cT category'),
  ]),
  answers: z
    .strictObject({
      positive: codings.default([
        loinc('LA6576-8', 'Positive'),
        snomed('10828004', 'Positive'),
        { system: V3_INTERPRETATION, code: 'POS', display: 'Positive' },
      ]),
      negative: codings.default([
        loinc('LA6577-6', 'Negative'),
        snomed('260385009', 'Negative'),
        { system: V3_INTERPRETATION, code: 'NEG', display: 'Negative' },
      ]),
      equivocal: codings.default([
        snomed('42425007', 'Equivocal'),
        { system: V3_INTERPRETATION, code: 'IND', display: 'Indeterminate' },
      ]),
      /** LOINC answer list for HER2 IHC scores (LL2019-9 style answers). */
      her2Score0: codings.default([loinc('LA6111-4', '0')]),
      her2Score1: codings.default([loinc('LA11841-6', '1+')]),
      her2Score2: codings.default([loinc('LA11842-4', '2+')]),
      her2Score3: codings.default([loinc('LA11843-2', '3+')]),
    })
    .prefault({}),
  /** Neoadjuvant systemic therapy as Procedure.code or MedicationAdministration.category. */
  neoadjuvantTherapy: codings.default([snomed('367336001', 'Chemotherapy')]),
  /** Draft ServiceRequest codes that mean axillary surgery is being planned. */
  axillarySurgery: codings.default([
    snomed('234262008', 'Excision of axillary lymph node'),
    snomed('396487001', 'Sentinel lymph node biopsy'),
    snomed('443497002', 'Excision of sentinel lymph node'),
  ]),
});
export type ClinicalCodes = z.infer<typeof clinicalCodesSchema>;

/** True when a CodeableConcept-like value carries one of the given codings. */
export function hasCoding(
  concept: { coding?: readonly { system?: string; code?: string }[] } | undefined,
  wanted: readonly CodingRef[],
): boolean {
  return (concept?.coding ?? []).some((c) => wanted.some((w) => w.system === c.system && w.code === c.code));
}
