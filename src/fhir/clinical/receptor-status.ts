/**
 * Estrogen and progesterone receptor status (ER / PR).
 *
 * Either a qualitative result (positive / negative) or the percentage of tumour nuclei stained.
 * ASCO/CAP 2020 ER/PR testing guideline (Allison et al., J Clin Oncol 2020;38:1346-66): a tumour
 * with ≥ 1 % of nuclei staining is ER/PR positive, < 1 % negative. The threshold is configurable
 * (`receptorPositiveMinPercent`) and defaults to 1.
 */
import type { Observation } from '@medplum/fhirtypes';
import type { ReceptorStatus } from '../clinical-inputs.ts';
import { hasCoding, type ClinicalCodes, type CodingRef } from '../../config/codes.ts';
import { decideFromObservations, type Decision, type Reading } from './observation-selection.ts';
import { readCodedValue, readPercent, type AnswerOption, type Percent } from './observation-value.ts';
import { referenceOf } from './provenance.ts';

export interface ReceptorCodes {
  /** Codes of the qualitative (positive / negative) observation. */
  qualitative: readonly CodingRef[];
  /** Codes of the percentage-of-stained-nuclei observation. */
  percent: readonly CodingRef[];
}

export function receptorCodes(codes: ClinicalCodes, receptor: 'ER' | 'PR'): ReceptorCodes {
  return receptor === 'ER'
    ? { qualitative: codes.er, percent: codes.erPercent }
    : { qualitative: codes.pr, percent: codes.prPercent };
}

const QUALITATIVE_EXPECTED = 'a coded positive/negative result';
const PERCENT_EXPECTED = 'a percentage of stained nuclei (%)';

function qualitativeOptions(codes: ClinicalCodes): AnswerOption<ReceptorStatus | 'equivocal'>[] {
  return [
    { key: 'positive', codings: codes.answers.positive, texts: ['positive'] },
    { key: 'negative', codings: codes.answers.negative, texts: ['negative'] },
    // Recognised only to name it in the reason: an equivocal ER/PR is not a binary status.
    { key: 'equivocal', codings: codes.answers.equivocal, texts: [] },
  ];
}

function readQualitative(observation: Observation, codes: ClinicalCodes): Reading<ReceptorStatus> {
  const reading = readCodedValue(observation, qualitativeOptions(codes), QUALITATIVE_EXPECTED);
  if (!reading.ok) return reading;
  if (reading.value === 'equivocal') {
    return {
      ok: false,
      problem: `${referenceOf(observation)} reports equivocal; expected ${QUALITATIVE_EXPECTED}`,
    };
  }
  return { ok: true, value: reading.value, basis: `${reading.basis} ${reading.value}` };
}

/**
 * Classifies a percentage against the ASCO/CAP 2020 cut-off. A bound ("< 1 %") decides only
 * when every value it admits falls on the same side of the cut-off.
 */
export function classifyPercent(percent: Percent, minPositive: number): ReceptorStatus | undefined {
  const { value, comparator } = percent;
  switch (comparator) {
    case undefined:
      return value >= minPositive ? 'positive' : 'negative';
    case '<':
      return value <= minPositive ? 'negative' : undefined;
    case '<=':
      return value < minPositive ? 'negative' : undefined;
    case '>':
    case '>=':
      return value >= minPositive ? 'positive' : undefined;
  }
}

function readPercentStatus(observation: Observation, minPositive: number): Reading<ReceptorStatus> {
  const reading = readPercent(observation, PERCENT_EXPECTED);
  if (!reading.ok) return reading;
  const status = classifyPercent(reading.value, minPositive);
  if (status === undefined) {
    return {
      ok: false,
      problem: `${referenceOf(observation)} reports ${reading.basis}, which does not decide against the ${minPositive} % cut-off`,
    };
  }
  const side = status === 'positive' ? '≥' : '<';
  return {
    ok: true,
    value: status,
    basis: `${reading.basis} stained nuclei (${side} ${minPositive} %, ASCO/CAP 2020) ${status}`,
  };
}

/** Reads one observation by its code: a percentage code with a quantity is read as a percentage. */
function readReceptorObservation(
  observation: Observation,
  receptor: ReceptorCodes,
  codes: ClinicalCodes,
): Reading<ReceptorStatus> {
  const isPercent = hasCoding(observation.code, receptor.percent);
  const isQualitative = hasCoding(observation.code, receptor.qualitative);
  if (isPercent && (observation.valueQuantity !== undefined || !isQualitative)) {
    return readPercentStatus(observation, codes.receptorPositiveMinPercent);
  }
  return readQualitative(observation, codes);
}

/**
 * ER or PR status from all observations: qualitative and percentage results compete, and the
 * latest of all of them decides (a re-test on the surgical or a new core specimen supersedes).
 */
export function readReceptorStatus(
  receptor: 'ER' | 'PR',
  observations: readonly Observation[],
  codes: ClinicalCodes,
): Decision<ReceptorStatus> {
  const wanted = receptorCodes(codes, receptor);
  const relevant = observations.filter(
    (o) => hasCoding(o.code, wanted.qualitative) || hasCoding(o.code, wanted.percent),
  );
  return decideFromObservations(relevant, (o) => readReceptorObservation(o, wanted, codes), {
    show: (v) => v,
  });
}
