/**
 * Reading Observation.value[x] strictly. A value of an unexpected type, an unmapped code or
 * unrecognisable text is never interpreted: the reading reports what was found so the reason
 * shown to the clinician names the resource and the problem.
 */
import type { CodeableConcept, Observation } from '@medplum/fhirtypes';
import { hasCoding, type CodingRef } from '../../config/codes.ts';
import type { Reading } from './observation-selection.ts';
import { referenceOf } from './provenance.ts';

export const UCUM = 'http://unitsofmeasure.org';

const VALUE_FIELDS = [
  'valueQuantity',
  'valueCodeableConcept',
  'valueString',
  'valueBoolean',
  'valueInteger',
  'valueRange',
  'valueRatio',
  'valueSampledData',
  'valueTime',
  'valueDateTime',
  'valuePeriod',
] as const satisfies readonly (keyof Observation)[];

/** The name of the value[x] element an observation carries, if any. */
export function valueKind(observation: Observation): string | undefined {
  return VALUE_FIELDS.find((field) => observation[field] !== undefined);
}

function conceptText(concept: CodeableConcept | undefined): string {
  const coding = concept?.coding?.[0];
  return concept?.text ?? coding?.code ?? coding?.display ?? 'unspecified';
}

/** "Observation/x has valueQuantity; expected …", or the data-absent / no-value variants. */
export function unexpectedValue(observation: Observation, expected: string): string {
  const ref = referenceOf(observation);
  const kind = valueKind(observation);
  if (kind !== undefined) return `${ref} has ${kind}; expected ${expected}`;
  if (observation.dataAbsentReason) {
    return `${ref} has no value (dataAbsentReason: ${conceptText(observation.dataAbsentReason)}); expected ${expected}`;
  }
  return `${ref} has no value; expected ${expected}`;
}

/** One accepted answer: its key, the codings that mean it and the exact texts that mean it. */
export interface AnswerOption<K extends string> {
  key: K;
  codings: readonly CodingRef[];
  /** Accepted texts, compared trimmed and case-insensitively. */
  texts: readonly string[];
}

function matchText<K extends string>(text: string, options: readonly AnswerOption<K>[]): K | undefined {
  const wanted = text.trim().toLowerCase();
  return options.find((o) => o.texts.some((t) => t.toLowerCase() === wanted))?.key;
}

function formatCoding(c: { system?: string; code?: string }): string {
  return `${c.system ?? '(no system)'}|${c.code ?? '(no code)'}`;
}

/**
 * A coded answer from valueCodeableConcept (codings first; text only when there is no coding)
 * or valueString. Codings are authoritative: a concept whose codings are all unmapped is not
 * read from its text, because the code may carry a nuance ("low positive") the text drops.
 */
export function readCodedValue<K extends string>(
  observation: Observation,
  options: readonly AnswerOption<K>[],
  expected: string,
): Reading<K> {
  const ref = referenceOf(observation);
  const concept = observation.valueCodeableConcept;
  if (concept) return readConcept(ref, concept, options, expected);
  if (observation.valueString !== undefined) {
    const key = matchText(observation.valueString, options);
    if (key !== undefined) return { ok: true, value: key, basis: `"${observation.valueString.trim()}"` };
    return {
      ok: false,
      problem: `${ref} has valueString "${observation.valueString}"; expected ${expected}`,
    };
  }
  return { ok: false, problem: unexpectedValue(observation, expected) };
}

function readConcept<K extends string>(
  ref: string,
  concept: CodeableConcept,
  options: readonly AnswerOption<K>[],
  expected: string,
): Reading<K> {
  const codings = concept.coding ?? [];
  if (codings.length > 0) {
    const keys = options.filter((o) => hasCoding(concept, o.codings)).map((o) => o.key);
    const [only] = keys;
    if (keys.length === 1 && only !== undefined) return { ok: true, value: only, basis: 'coded' };
    if (keys.length > 1)
      return { ok: false, problem: `${ref} carries conflicting codings (${keys.join(' and ')})` };
    return {
      ok: false,
      problem: `${ref} has an unmapped code ${codings.map(formatCoding).join(', ')}; expected ${expected}`,
    };
  }
  if (concept.text !== undefined) {
    const key = matchText(concept.text, options);
    if (key !== undefined) return { ok: true, value: key, basis: `"${concept.text.trim()}"` };
    return { ok: false, problem: `${ref} has text "${concept.text}"; expected ${expected}` };
  }
  return { ok: false, problem: `${ref} has an empty valueCodeableConcept; expected ${expected}` };
}

/** A percentage as reported; a comparator marks a bound ("< 1 %") rather than a measurement. */
export interface Percent {
  value: number;
  comparator?: '<' | '<=' | '>=' | '>';
}

function isPercentUnit(q: { unit?: string; code?: string; system?: string }): boolean {
  if (q.unit?.trim() === '%') return true;
  return q.code === '%' && (q.system === undefined || q.system === UCUM);
}

/** A valueQuantity in percent (unit "%" or UCUM code "%") between 0 and 100. */
export function readPercent(observation: Observation, expected: string): Reading<Percent> {
  const ref = referenceOf(observation);
  const q = observation.valueQuantity;
  if (!q) return { ok: false, problem: unexpectedValue(observation, expected) };
  if (!isPercentUnit(q)) {
    const unit = q.unit ?? q.code ?? 'no unit';
    return { ok: false, problem: `${ref} has valueQuantity in "${unit}"; expected ${expected}` };
  }
  const value = q.value;
  if (value === undefined || !Number.isFinite(value) || value < 0 || value > 100) {
    return { ok: false, problem: `${ref} has valueQuantity ${value ?? '(no number)'} %, outside 0–100` };
  }
  const percent: Percent = q.comparator ? { value, comparator: q.comparator } : { value };
  return { ok: true, value: percent, basis: `${q.comparator ?? ''}${value} %` };
}
