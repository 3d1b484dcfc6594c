/**
 * HER2 status.
 *
 * ASCO/CAP 2018 HER2 testing guideline (Wolff et al., J Clin Oncol 2018;36:2105-22):
 * IHC 0 and 1+ are negative, 3+ positive, 2+ equivocal and decided by in-situ hybridisation
 * (ISH). A laboratory's overall interpretation, when reported, already integrates both tests.
 * The latest overall interpretation or IHC score decides; an ISH result alone decides only when
 * there is neither.
 */
import type { Observation } from '@medplum/fhirtypes';
import type { ReceptorStatus } from '../clinical-inputs.ts';
import { hasCoding, type ClinicalCodes } from '../../config/codes.ts';
import {
  isCountedObservation,
  noCountedResult,
  observationFinding,
  selectLatest,
  type Decision,
  type Finding,
  type Reading,
} from './observation-selection.ts';
import { readCodedValue, type AnswerOption } from './observation-value.ts';
import { referenceOf } from './provenance.ts';

type CodedCall = ReceptorStatus | 'equivocal';
type IhcKey = '0' | '1+' | '2+' | '3+' | CodedCall;
type IshDecision = Decision<CodedCall> | undefined;

const CALL_EXPECTED = 'a coded positive/negative/equivocal result';
const IHC_EXPECTED = 'an IHC score 0, 1+, 2+ or 3+';

function callOptions(codes: ClinicalCodes): AnswerOption<CodedCall>[] {
  return [
    { key: 'positive', codings: codes.answers.positive, texts: ['positive'] },
    { key: 'negative', codings: codes.answers.negative, texts: ['negative'] },
    { key: 'equivocal', codings: codes.answers.equivocal, texts: ['equivocal'] },
  ];
}

function ihcOptions(codes: ClinicalCodes): AnswerOption<IhcKey>[] {
  const a = codes.answers;
  return [
    { key: '0', codings: a.her2Score0, texts: ['0'] },
    { key: '1+', codings: a.her2Score1, texts: ['1+'] },
    { key: '2+', codings: a.her2Score2, texts: ['2+'] },
    { key: '3+', codings: a.her2Score3, texts: ['3+'] },
    ...callOptions(codes),
  ];
}

const INTEGER_SCORES: Readonly<Record<number, IhcKey>> = { 0: '0', 1: '1+', 2: '2+', 3: '3+' };

function readIhcKey(observation: Observation, codes: ClinicalCodes): Reading<IhcKey> {
  const int = observation.valueInteger;
  if (int !== undefined) {
    const key = INTEGER_SCORES[int];
    if (key !== undefined) return { ok: true, value: key, basis: 'integer' };
    return {
      ok: false,
      problem: `${referenceOf(observation)} has valueInteger ${int}; expected ${IHC_EXPECTED}`,
    };
  }
  return readCodedValue(observation, ihcOptions(codes), IHC_EXPECTED);
}

/** The latest counted ISH result, or undefined when none is recorded. */
function readIsh(observations: readonly Observation[], codes: ClinicalCodes): IshDecision {
  const findings = observations
    .filter((o) => isCountedObservation(o) && hasCoding(o.code, codes.her2Ish))
    .map((o) => observationFinding(o, readCodedValue(o, callOptions(codes), CALL_EXPECTED)));
  return selectLatest(findings, { show: (v) => v });
}

/** IHC 2+ is equivocal: ASCO/CAP 2018 requires ISH to decide it. */
function resolveEquivocalIhc(observation: Observation, ish: IshDecision): Finding<ReceptorStatus> {
  const ref = referenceOf(observation);
  if (ish === undefined) {
    return observationFinding(observation, {
      ok: false,
      problem: `HER2 IHC 2+ without an ISH result (${ref})`,
    });
  }
  if (!ish.ok) {
    const problem = `HER2 IHC 2+ (${ref}) and its ISH result cannot be used: ${ish.reason}`;
    return observationFinding(observation, { ok: false, problem }, ish.provenance);
  }
  const used = ish.value.provenance;
  if (ish.value.value === 'equivocal') {
    const refs = used.map((p) => p.reference).join(', ');
    return observationFinding(
      observation,
      { ok: false, problem: `HER2 IHC 2+ (${ref}) with an equivocal ISH result (${refs})` },
      used,
    );
  }
  const status = ish.value.value;
  return observationFinding(observation, { ok: true, value: status, basis: `IHC 2+, ISH ${status}` }, used);
}

/**
 * IHC 0/1+/3+ decide on their own; an ISH result that says the opposite is a discordance the
 * guideline sends back to the pathologist, so it is not resolved here.
 */
function decidedIhc(
  observation: Observation,
  key: IhcKey,
  status: ReceptorStatus,
  ish: IshDecision,
): Finding<ReceptorStatus> {
  const label = /^\d/.test(key) ? `IHC ${key}` : `IHC coded ${key}`;
  if (ish?.ok && ish.value.value !== 'equivocal' && ish.value.value !== status) {
    const refs = ish.value.provenance.map((p) => p.reference).join(', ');
    const problem = `HER2 ${label} (${referenceOf(observation)}) and ISH ${ish.value.value} (${refs}) disagree; an overall HER2 interpretation is needed`;
    return observationFinding(observation, { ok: false, problem }, ish.value.provenance);
  }
  return observationFinding(observation, { ok: true, value: status, basis: `${label} ${status}` });
}

function ihcFinding(
  observation: Observation,
  codes: ClinicalCodes,
  ish: IshDecision,
): Finding<ReceptorStatus> {
  const reading = readIhcKey(observation, codes);
  if (!reading.ok) return observationFinding(observation, reading);
  switch (reading.value) {
    case '0':
    case '1+':
    case 'negative':
      return decidedIhc(observation, reading.value, 'negative', ish);
    case '3+':
    case 'positive':
      return decidedIhc(observation, reading.value, 'positive', ish);
    case '2+':
    case 'equivocal':
      return resolveEquivocalIhc(observation, ish);
  }
}

function overallFinding(observation: Observation, codes: ClinicalCodes): Finding<ReceptorStatus> {
  const reading = readCodedValue(observation, callOptions(codes), 'a coded positive/negative interpretation');
  if (!reading.ok) return observationFinding(observation, reading);
  if (reading.value === 'equivocal') {
    return observationFinding(observation, {
      ok: false,
      problem: `${referenceOf(observation)} reports an equivocal overall HER2 interpretation`,
    });
  }
  return observationFinding(observation, {
    ok: true,
    value: reading.value,
    basis: `overall interpretation ${reading.value}`,
  });
}

/** ISH alone (no IHC, no overall interpretation): positive or negative decide, equivocal does not. */
function ishAlone(ish: Decision<CodedCall>): Decision<ReceptorStatus> {
  if (!ish.ok) return ish;
  const { value, provenance } = ish.value;
  if (value === 'equivocal') {
    return { ok: false, reason: 'HER2 ISH equivocal without an IHC result', provenance };
  }
  return { ok: true, value: { ...ish.value, value, basis: `ISH ${value} (no IHC result)` } };
}

export function readHer2(
  observations: readonly Observation[],
  codes: ClinicalCodes,
): Decision<ReceptorStatus> {
  const counted = observations.filter(isCountedObservation);
  const ish = readIsh(counted, codes);
  const overall = counted.filter((o) => hasCoding(o.code, codes.her2Overall));
  const ihc = counted.filter(
    (o) => !hasCoding(o.code, codes.her2Overall) && hasCoding(o.code, codes.her2Ihc),
  );
  const findings = [
    ...overall.map((o) => overallFinding(o, codes)),
    ...ihc.map((o) => ihcFinding(o, codes, ish)),
  ];
  const decision = selectLatest(findings, { show: (v) => v });
  if (decision) return decision;
  if (ish) return ishAlone(ish);
  const ignored = observations.filter(
    (o) =>
      !isCountedObservation(o) &&
      (hasCoding(o.code, codes.her2Overall) ||
        hasCoding(o.code, codes.her2Ihc) ||
        hasCoding(o.code, codes.her2Ish)),
  );
  return { ok: false, ...noCountedResult('final result', ignored) };
}
