/**
 * Neoadjuvant systemic therapy (NAT) dates, from Procedures whose code is the therapy (the way
 * many EHRs record a treatment course, e.g. SNOMED 367336001 Chemotherapy) and from
 * MedicationAdministrations (mCODE Cancer-Related Medication Administration) whose category or
 * medication is the therapy. The start is the first treatment, the end the last one.
 *
 * The end matters for safety: post-NAT imaging must not be older than the end of NAT (DESIGN §6
 * rule 1), so an end is given only when every matching record has ended. A record whose dates
 * cannot be read could lie after every other one, so it makes the dates missing, not ignored.
 */
import type { MedicationAdministration, Period, Procedure } from '@medplum/fhirtypes';
import type { NeoadjuvantTherapy, ResourceProvenance } from '../clinical-inputs.ts';
import { hasCoding, type ClinicalCodes, type CodingRef } from '../../config/codes.ts';
import { compareFhirDates, parseFhirDate, type FhirDate } from './fhir-date.ts';
import type { Decision } from './observation-selection.ts';
import { mergeProvenance, provenanceOf, referenceOf } from './provenance.ts';

/** Statuses meaning the therapy was given: completed, or in progress (given and continuing). */
const GIVEN_STATUSES: ReadonlySet<string> = new Set(['completed', 'in-progress']);

type TherapyResource = Procedure | MedicationAdministration;

/** One treatment record with readable dates. */
interface Episode {
  ref: string;
  provenance: ResourceProvenance;
  start: FhirDate;
  /** Undefined while the record is ongoing. */
  end?: FhirDate;
}

type EpisodeReading =
  { ok: true; episode: Episode } | { ok: false; problem: string; provenance: ResourceProvenance };

function isTherapy(resource: TherapyResource, codings: readonly CodingRef[]): boolean {
  if (resource.resourceType === 'Procedure') return hasCoding(resource.code, codings);
  return hasCoding(resource.category, codings) || hasCoding(resource.medicationCodeableConcept, codings);
}

function timing(resource: TherapyResource): { period?: Period; dateTime?: string } {
  return resource.resourceType === 'Procedure'
    ? { period: resource.performedPeriod, dateTime: resource.performedDateTime }
    : { period: resource.effectivePeriod, dateTime: resource.effectiveDateTime };
}

function readEpisode(resource: TherapyResource): EpisodeReading {
  const ref = referenceOf(resource);
  const { period, dateTime } = timing(resource);
  const startText = period ? period.start : dateTime;
  const start = parseFhirDate(startText);
  const provenance = provenanceOf(resource, startText);
  if (!start) {
    const found = startText === undefined ? 'no start date' : `an unreadable start date "${startText}"`;
    return { ok: false, problem: `${ref} has ${found}`, provenance };
  }
  const endText = period ? period.end : dateTime;
  const end = parseFhirDate(endText);
  if (endText !== undefined && !end)
    return { ok: false, problem: `${ref} has an unreadable end date "${endText}"`, provenance };
  if (end && end.hi <= start.lo) return { ok: false, problem: `${ref} ends before it starts`, provenance };
  // An in-progress record is ongoing whatever end it carries (FHIR: the event is still happening).
  const ongoing = resource.status === 'in-progress' || end === undefined;
  return { ok: true, episode: { ref, provenance, start, end: ongoing ? undefined : end } };
}

function summarise(episodes: readonly Episode[]): Decision<NeoadjuvantTherapy> {
  const byStart = [...episodes].sort((a, b) => compareFhirDates(a.start, b.start));
  const first = byStart[0];
  if (!first) throw new Error('summarise needs at least one episode');
  const ongoing = episodes
    .filter((e) => e.end === undefined)
    .map((e) => e.ref)
    .sort();
  const provenance = mergeProvenance(episodes.map((e) => e.provenance));
  const count = `${episodes.length} record${episodes.length === 1 ? '' : 's'}`;
  if (ongoing.length > 0) {
    const basis = `${count}, ongoing since ${first.start.text} (${ongoing.join(', ')} not ended)`;
    return {
      ok: true,
      value: { value: { start: first.start.text }, basis, date: first.start.text, provenance },
    };
  }
  const last = episodes
    .map((e) => e.end)
    .filter((e): e is FhirDate => e !== undefined)
    .reduce((a, b) => (a.hi > b.hi || (a.hi === b.hi && a.text <= b.text) ? a : b));
  const basis = `${count} from ${first.start.text} to ${last.text}`;
  return {
    ok: true,
    value: { value: { start: first.start.text, end: last.text }, basis, date: last.text, provenance },
  };
}

function noTherapy(
  notGiven: readonly TherapyResource[],
  later: readonly Episode[],
  asOf?: FhirDate,
): Decision<NeoadjuvantTherapy> {
  const notes = [
    ...notGiven.map((r) => `${referenceOf(r)} is ${r.status}`),
    ...later.map((e) => `${e.ref} starts after ${asOf?.text ?? ''}`),
  ].sort();
  const upTo = asOf ? ` up to ${asOf.text}` : '';
  const reason = `no neoadjuvant therapy recorded${upTo}${notes.length > 0 ? ` (not counted: ${notes.join(', ')})` : ''}`;
  const provenance = mergeProvenance(
    notGiven.map((r) => provenanceOf(r, timing(r).period?.start ?? timing(r).dateTime)),
    later.map((e) => e.provenance),
  );
  return { ok: false, reason, provenance };
}

export interface TherapyResources {
  procedures: readonly Procedure[];
  medicationAdministrations: readonly MedicationAdministration[];
}

/**
 * NAT start (earliest start) and end (latest end, absent while any record is ongoing).
 * With `asOf`, therapy starting after that date is ignored (it cannot precede the decision).
 */
export function readNeoadjuvantTherapy(
  resources: TherapyResources,
  codes: ClinicalCodes,
  asOf?: FhirDate,
): Decision<NeoadjuvantTherapy> {
  const matching = [...resources.procedures, ...resources.medicationAdministrations].filter((r) =>
    isTherapy(r, codes.neoadjuvantTherapy),
  );
  const given = matching.filter((r) => GIVEN_STATUSES.has(r.status));
  const readings = given.map(readEpisode);
  const problems = readings.filter((r): r is Extract<EpisodeReading, { ok: false }> => !r.ok);
  if (problems.length > 0) {
    const sorted = [...problems].sort((a, b) => a.problem.localeCompare(b.problem));
    return {
      ok: false,
      reason: sorted.map((p) => p.problem).join('; '),
      provenance: mergeProvenance(sorted.map((p) => p.provenance)),
    };
  }
  const episodes = readings.flatMap((r) => (r.ok ? [r.episode] : []));
  const later = asOf ? episodes.filter((e) => e.start.lo >= asOf.hi) : [];
  const counted = episodes.filter((e) => !later.includes(e));
  if (counted.length === 0)
    return noTherapy(
      matching.filter((r) => !GIVEN_STATUSES.has(r.status)),
      later,
      asOf,
    );
  return summarise(counted);
}
