/**
 * Clinical primary-tumour category (cT), from mCODE TNM Clinical Primary Tumor Category
 * Observations or from Condition.stage entries whose type is a clinical T code (both shapes are
 * used in practice; the latest of either decides).
 */
import type { CodeableConcept, Condition, ConditionStage, Observation } from '@medplum/fhirtypes';
import type { TCategory } from '../clinical-inputs.ts';
import { hasCoding, type ClinicalCodes } from '../../config/codes.ts';
import { parseTCategories, type TCategoryParse } from './ajcc-t-category.ts';
import { parseFhirDate } from './fhir-date.ts';
import {
  decideFromObservations,
  type Decision,
  type Finding,
  type Reading,
} from './observation-selection.ts';
import { unexpectedValue } from './observation-value.ts';
import { provenanceOf, referenceOf } from './provenance.ts';

const SCOPE_NOTE = "not in the model's scope (T0/Tis/TX)";

function conceptTexts(concept: CodeableConcept): string[] {
  const fromCodings = (concept.coding ?? []).flatMap((c) => [c.code, c.display]);
  return [...fromCodings, concept.text].filter((t): t is string => t !== undefined && t.trim() !== '');
}

function parseKey(p: TCategoryParse): string {
  return `${p.kind}:${p.value}`;
}

/** One T category from all the texts of a value; disagreeing or unrecognised texts are refused. */
export function readTCategory(label: string, texts: readonly string[]): Reading<TCategory> {
  const parses = texts.flatMap(parseTCategories);
  const distinct = [...new Map(parses.map((p) => [parseKey(p), p])).values()];
  const [only] = distinct;
  if (only === undefined) {
    const shown = texts.length > 0 ? texts.map((t) => `"${t}"`).join(', ') : 'nothing';
    return { ok: false, problem: `${label} has no recognisable T category (found ${shown})` };
  }
  if (distinct.length > 1) {
    return {
      ok: false,
      problem: `${label} names several T categories (${distinct.map((p) => p.form).join(', ')})`,
    };
  }
  if (only.kind === 'out-of-scope')
    return { ok: false, problem: `${label} reports ${only.value}, ${SCOPE_NOTE}` };
  if (only.kind === 'not-clinical') {
    return { ok: false, problem: `${label} reports ${only.value}, not a pre-treatment clinical T category` };
  }
  const forms = [...new Set(parses.map((p) => p.form))].join(', ');
  return {
    ok: true,
    value: only.value,
    basis: forms === only.value ? only.value : `${forms} → ${only.value}`,
  };
}

function readObservationT(observation: Observation): Reading<TCategory> {
  const label = referenceOf(observation);
  if (observation.valueCodeableConcept)
    return readTCategory(label, conceptTexts(observation.valueCodeableConcept));
  if (observation.valueString !== undefined) return readTCategory(label, [observation.valueString]);
  return { ok: false, problem: unexpectedValue(observation, 'a coded T category') };
}

/** Conditions whose verification says they are wrong carry no staging (FHIR R4 Condition). */
function isRetracted(condition: Condition): boolean {
  return hasCoding(condition.verificationStatus, [
    { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' },
    { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'refuted' },
  ]);
}

function stageFinding(
  condition: Condition,
  stage: ConditionStage,
  index: number,
  count: number,
): Finding<TCategory> {
  const ref = referenceOf(condition);
  const label = count > 1 ? `${ref} stage[${index}]` : ref;
  const when = parseFhirDate(condition.recordedDate) ?? parseFhirDate(condition.onsetDateTime);
  const reading: Reading<TCategory> = stage.summary
    ? readTCategory(label, conceptTexts(stage.summary))
    : { ok: false, problem: `${label} has a clinical T stage without a summary` };
  return { label, when, provenance: [provenanceOf(condition, when?.text)], reading };
}

function conditionFindings(conditions: readonly Condition[], codes: ClinicalCodes): Finding<TCategory>[] {
  return conditions
    .filter((c) => !isRetracted(c))
    .flatMap((c) => {
      const stages = c.stage ?? [];
      return stages.flatMap((s, i) =>
        hasCoding(s.type, codes.clinicalT) ? [stageFinding(c, s, i, stages.length)] : [],
      );
    });
}

export function readClinicalT(
  observations: readonly Observation[],
  conditions: readonly Condition[],
  codes: ClinicalCodes,
): Decision<TCategory> {
  const relevant = observations.filter((o) => hasCoding(o.code, codes.clinicalT));
  return decideFromObservations(
    relevant,
    readObservationT,
    { show: (v) => v },
    conditionFindings(conditions, codes),
  );
}
