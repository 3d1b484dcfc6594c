import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  COHORT_SEQUENCES,
  readCohortManifest,
  stratifiedSplit,
  TIME_POINTS,
  writeCohortManifest,
  type CohortRow,
} from './manifest.ts';

const hash = (t: string) => parseInt(createHash('sha256').update(t).digest('hex').slice(0, 8), 16);

function row(id: string, apcr: 0 | 1): CohortRow {
  const seqs = (tp: string) =>
    Object.fromEntries(
      COHORT_SEQUENCES.map((s, n) => [
        s,
        {
          seriesInstanceUid: `1.2.3.${n}`,
          segSopInstanceUid: `1.2.4.${n}`,
          segSeriesInstanceUid: `1.2.5.${n}`,
          imageDir: `${id}/${tp}/${s}`,
          segPath: `${id}/${tp}/${s}-seg.dcm`,
        },
      ]),
    ) as CohortRow['studies']['pre']['sequences'];
  return {
    patientId: id,
    apcr,
    split: 'train',
    age: 51,
    er: 'positive',
    pr: 'negative',
    her2: 'positive',
    her2Ihc: '2+',
    ki67Percent: 32.5,
    cT: 'T2',
    cN: 'N1',
    natStart: '2026-01-10',
    natEnd: '2026-06-01',
    studies: Object.fromEntries(
      TIME_POINTS.map((tp) => [
        tp,
        {
          studyInstanceUid: tp === 'pre' ? '1.2.9.1' : '1.2.9.2',
          studyDate: tp === 'pre' ? '2026-01-03' : '2026-06-20',
          sequences: seqs(tp),
        },
      ]),
    ) as CohortRow['studies'],
  };
}

describe('cohort manifest', () => {
  it('round-trips every field', () => {
    const rows = [row('SYN0001', 1), row('SYN0002', 0)];
    assert.deepEqual(readCohortManifest(writeCohortManifest(rows)), rows);
  });

  it('names the line and column of a bad value', () => {
    const text = writeCohortManifest([row('SYN0001', 1)]).replace(',T2,', ',T9,');
    assert.throws(() => readCohortManifest(text), /line 2, column ct/);
    const escape = writeCohortManifest([row('SYN0001', 1)]).replace('SYN0001/pre/DCE', '../outside');
    assert.throws(
      () => readCohortManifest(escape),
      /pre_DCE_image_dir: must be a path inside the cohort folder/,
    );
    assert.throws(() => readCohortManifest('patient_id,apcr\nx,1\n'), /lacks columns: split/);
    const dup = writeCohortManifest([row('SYN0001', 1), row('SYN0001', 0)]);
    assert.throws(() => readCohortManifest(dup), /patient SYN0001 appears twice/);
  });

  it('splits stratified by outcome, seeded, independent of row order', () => {
    const patients = Array.from({ length: 200 }, (_, n) => ({
      patientId: `P${n}`,
      apcr: (n % 7 < 4 ? 1 : 0) as 0 | 1,
    }));
    const a = stratifiedSplit(patients, 'seed-1', 144 / 254, hash);
    const b = stratifiedSplit([...patients].reverse(), 'seed-1', 144 / 254, hash);
    assert.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
    const rate = (split: string) => {
      const ids = patients.filter((p) => a.get(p.patientId) === split);
      return ids.filter((p) => p.apcr === 1).length / ids.length;
    };
    assert.ok(
      Math.abs(rate('train') - rate('validation')) < 0.02,
      `${rate('train')} vs ${rate('validation')}`,
    );
    const c = stratifiedSplit(patients, 'seed-2', 144 / 254, hash);
    assert.notDeepEqual([...a.entries()].sort(), [...c.entries()].sort());
  });
});
