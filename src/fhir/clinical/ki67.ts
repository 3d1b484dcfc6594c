/**
 * Ki-67 proliferation index: the percentage of tumour nuclei stained (International Ki67 in
 * Breast Cancer Working Group, Nielsen et al., J Natl Cancer Inst 2021;113:808-19). Only a
 * measured percentage is a value; a bound ("< 5 %") or another unit is not converted.
 */
import type { Observation } from '@medplum/fhirtypes';
import { hasCoding, type ClinicalCodes } from '../../config/codes.ts';
import { decideFromObservations, type Decision, type Reading } from './observation-selection.ts';
import { readPercent } from './observation-value.ts';
import { referenceOf } from './provenance.ts';

const EXPECTED = 'a percentage of stained nuclei (%)';

function readKi67(observation: Observation): Reading<number> {
  const reading = readPercent(observation, EXPECTED);
  if (!reading.ok) return reading;
  if (reading.value.comparator !== undefined) {
    return {
      ok: false,
      problem: `${referenceOf(observation)} reports a bound (${reading.basis}), not a measured percentage`,
    };
  }
  return { ok: true, value: reading.value.value, basis: `${reading.value.value} % of nuclei stained` };
}

export function readKi67Percent(
  observations: readonly Observation[],
  codes: ClinicalCodes,
): Decision<number> {
  const relevant = observations.filter((o) => hasCoding(o.code, codes.ki67));
  return decideFromObservations(relevant, readKi67, { show: (v) => `${v} %` });
}
