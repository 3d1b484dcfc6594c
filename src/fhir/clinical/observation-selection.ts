/**
 * Choosing the observation that decides one clinical input.
 *
 * Pathology results are re-reported (amended, corrected, repeated on a new specimen), so the
 * latest counted result is the one that stands. Where the order cannot be established, or the
 * latest result cannot be read, the input is reported missing rather than guessed
 * (DESIGN §6 rule 1: never compute from unknown receptor status).
 */
import type { Observation } from '@medplum/fhirtypes';
import type { ClinicalValue, ResourceProvenance } from '../clinical-inputs.ts';
import { compareFhirDates, mayBeAtOrAfter, parseFhirDate, type FhirDate } from './fhir-date.ts';
import { mergeProvenance, provenanceOf, referenceOf } from './provenance.ts';

/** What one resource says about an input: a value, or why it cannot be read. */
export type Reading<T> = { ok: true; value: T; basis: string } | { ok: false; problem: string };

/** One dated statement about an input, ready for selection. */
export interface Finding<T> {
  /** How reasons name the source, e.g. `Observation/er-1`. */
  label: string;
  /** Clinical date; undefined when the resource carries no usable date. */
  when?: FhirDate;
  /** Every resource this finding rests on (the observation itself, plus e.g. an ISH result). */
  provenance: ResourceProvenance[];
  reading: Reading<T>;
}

/** The outcome for one input: a value with its derivation, or the reason there is none. */
export type Decision<T> =
  { ok: true; value: ClinicalValue<T> } | { ok: false; reason: string; provenance: ResourceProvenance[] };

/** Statuses whose result stands (FHIR R4 ObservationStatus): final, amended and corrected. */
const COUNTED_STATUSES: ReadonlySet<Observation['status']> = new Set(['final', 'amended', 'corrected']);

export function isCountedObservation(observation: Observation): boolean {
  return COUNTED_STATUSES.has(observation.status);
}

/**
 * The clinical date of an observation: effectiveDateTime, effectivePeriod.start,
 * effectiveInstant, then issued (the report time, a last resort). The first usable one wins.
 */
export function observationDate(observation: Observation): FhirDate | undefined {
  const candidates = [
    observation.effectiveDateTime,
    observation.effectivePeriod?.start,
    observation.effectiveInstant,
    observation.issued,
  ];
  for (const text of candidates) {
    const parsed = parseFhirDate(text);
    if (parsed) return parsed;
  }
  return undefined;
}

/** A finding for an observation, with its own provenance first and any extra sources after. */
export function observationFinding<T>(
  observation: Observation,
  reading: Reading<T>,
  extraProvenance: readonly ResourceProvenance[] = [],
): Finding<T> {
  const when = observationDate(observation);
  return {
    label: referenceOf(observation),
    when,
    provenance: mergeProvenance([provenanceOf(observation, when?.text)], extraProvenance),
    reading,
  };
}

/**
 * The reason given when no counted observation exists. Observations that were not counted are
 * named, so the clinician knows a preliminary or retracted result exists and was set aside.
 */
export function noCountedResult(
  what: string,
  ignored: readonly Observation[],
): { reason: string; provenance: ResourceProvenance[] } {
  if (ignored.length === 0) return { reason: `no ${what} recorded`, provenance: [] };
  const named = [...ignored]
    .map((o) => `${referenceOf(o)} is ${o.status}`)
    .sort()
    .join(', ');
  return {
    reason: `no ${what} recorded (not counted: ${named})`,
    provenance: mergeProvenance(ignored.map((o) => provenanceOf(o, observationDate(o)?.text))),
  };
}

function byLabel<T>(a: Finding<T>, b: Finding<T>): number {
  return a.label < b.label ? -1 : a.label > b.label ? 1 : 0;
}

/**
 * The findings that stand: those that may be as recent as the latest dated one. A finding whose
 * date span overlaps the latest one (same instant, or a partial date that may be later) cannot be
 * ordered before it, so it is kept beside it. Undated findings count as the oldest and are used
 * only when nothing is dated.
 */
export function latestGroup<T>(findings: readonly Finding<T>[]): { group: Finding<T>[]; when?: FhirDate } {
  const dated = findings.filter((f): f is Finding<T> & { when: FhirDate } => f.when !== undefined);
  if (dated.length === 0) return { group: [...findings].sort(byLabel) };
  const latest = dated.reduce((best, f) => (compareFhirDates(f.when, best.when) > 0 ? f : best));
  const group = dated.filter((f) => mayBeAtOrAfter(f.when, latest.when)).sort(byLabel);
  return { group, when: latest.when };
}

export interface SelectionOptions<T> {
  /** Short text for a value in a contradiction reason; equal texts mean the values agree. */
  show: (value: T) => string;
}

/**
 * Picks the value of the latest finding. Several equally recent findings must agree; a latest
 * finding that cannot be read makes the input missing. Undefined when there are no findings.
 */
export function selectLatest<T>(
  findings: readonly Finding<T>[],
  options: SelectionOptions<T>,
): Decision<T> | undefined {
  if (findings.length === 0) return undefined;
  const { group, when } = latestGroup(findings);
  const provenance = mergeProvenance(...group.map((f) => f.provenance));
  // An unreadable newest result is not skipped in favour of an older readable one: the newest
  // result may be the one that supersedes (corrects or re-tests) the older one, so the older
  // value may no longer be true.
  const problems = group.flatMap((f) => (f.reading.ok ? [] : [f.reading.problem]));
  if (problems.length > 0) return { ok: false, reason: problems.join('; '), provenance };
  const readings = group.map((f) => ({
    label: f.label,
    reading: f.reading as Extract<Reading<T>, { ok: true }>,
  }));
  const shown = new Set(readings.map((r) => options.show(r.reading.value)));
  if (shown.size > 1) {
    const at = when ? `on ${when.text}` : 'without a date';
    const listed = readings.map((r) => `${r.label} ${options.show(r.reading.value)}`).join(', ');
    return { ok: false, reason: `contradictory results ${at}: ${listed}`, provenance };
  }
  const first = readings[0];
  if (!first) return undefined;
  const bases = [...new Set(readings.map((r) => r.reading.basis))].join('; ');
  const basis = when ? bases : `${bases}, undated`;
  const value: ClinicalValue<T> = { value: first.reading.value, basis, provenance };
  if (when) value.date = when.text;
  return { ok: true, value };
}

/**
 * The decision for one input: the latest counted finding among its observations (plus any
 * findings from other resources, such as Condition.stage), else why there is none.
 */
export function decideFromObservations<T>(
  relevant: readonly Observation[],
  read: (observation: Observation) => Reading<T>,
  options: SelectionOptions<T>,
  otherFindings: readonly Finding<T>[] = [],
): Decision<T> {
  const findings = [
    ...relevant.filter(isCountedObservation).map((o) => observationFinding(o, read(o))),
    ...otherFindings,
  ];
  return (
    selectLatest(findings, options) ?? {
      ok: false,
      ...noCountedResult(
        'final result',
        relevant.filter((o) => !isCountedObservation(o)),
      ),
    }
  );
}
