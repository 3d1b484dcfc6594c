/**
 * DESIGN §6.1 for the imaging model: a probability is never shown from incomplete, mismatched or
 * out-of-scope inputs, and the answer says what is wrong. Each case damages a private copy of a
 * one-patient synthetic cohort in one way a site's data can be wrong and runs the whole answer
 * path without HTTP (`runPredict`: FHIR Bundle file + DICOM folder, the shipped
 * radiomics-clinical-synthetic bundle). The expected problem codes and wording are those the
 * pipeline documents (src/pipeline/imaging/imaging-problem.ts, cds-hooks/cards.yaml); the
 * expected values in messages (dates, UIDs, sizes) come from the damage the test itself did.
 */
import assert from 'node:assert/strict';
import { cp, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundleEntry, ImagingStudy, Observation, Procedure } from '@medplum/fhirtypes';
import { loadConfig } from '../src/config/config.ts';
import { BackboneStore } from '../src/deep/backbone-store.ts';
import { FolderSource } from '../src/dicom/folder-source.ts';
import { InstanceCache } from '../src/dicom/instance-cache.ts';
import { loadBundle } from '../src/model/bundle.ts';
import type { LoadedBundle } from '../src/model/bundle-types.ts';
import {
  makeTestKey,
  readManifestJson,
  shippedModelsDir,
  trustedKeysWith,
  writeSignedManifest,
} from '../src/model/testing.ts';
import { computeImaging } from '../src/pipeline/imaging/compute-imaging.ts';
import { prepareImagingModel } from '../src/pipeline/imaging/imaging-model.ts';
import { ImagingGateError } from '../src/pipeline/imaging/imaging-problem.ts';
import { candidatesFromImagingStudies, chooseStudies } from '../src/pipeline/imaging/locate-studies.ts';
import {
  copyCohort,
  dcmodify,
  dcmodifySkipReason,
  editFhirBundle,
  predictFor,
  readDataset,
  readFhirResources,
  removeTempFolders,
  segFile,
  segReferencedFiles,
  segRoiVolumeMm3,
  seriesDir,
  seriesFiles,
  tempFolder,
  writeBaseCohort,
  type PredictProblem,
  type PredictResult,
} from './support/imaging-cohort.test-helper.ts';

const IMAGING_MODEL = 'radiomics-clinical-synthetic';
const FALLBACK_MODEL = 'clinical-synthetic';
const noDcmodify = dcmodifySkipReason();

let base: string;
before(async () => {
  base = await writeBaseCohort('imaging-gating-1');
});
after(removeTempFolders);

/** A copy of the cohort with `damage` done to it. */
async function damaged(damage: (cohort: string) => Promise<void>): Promise<string> {
  const cohort = await copyCohort(base);
  await damage(cohort);
  return cohort;
}

interface Expected {
  code: string;
  timePoint?: 'pre' | 'post';
  sequence?: string;
  /** What the message must say: the time point in words, the sequence, the offending value. */
  message: RegExp[];
}

/**
 * The imaging model gave no number, and the answer names the problem. With a clinical fallback
 * the only probability shown is the fallback's, labelled "Clinical model only"; without one the
 * card is the imaging "not computed" warning with no percentage at all.
 */
function assertNotComputed(r: PredictResult, expected: Expected): PredictProblem {
  assert.equal(r.outcome, 'cannot-compute');
  assert.equal(r.detail.output, undefined, 'no imaging-model output');
  assert.equal(r.detail.features, undefined, 'no imaging-model feature vector');
  const problems = r.detail.imagingProblems ?? [];
  assert.deepEqual(
    problems.map((p) => p.code),
    [expected.code],
    `problems: ${JSON.stringify(problems)}`,
  );
  const problem = problems[0]!;
  if ('timePoint' in expected) assert.equal(problem.timePoint, expected.timePoint);
  if ('sequence' in expected) assert.equal(problem.sequence, expected.sequence);
  for (const re of expected.message) assert.match(problem.message, re);

  assert.equal(r.cards.length, 1);
  const [card] = r.cards;
  assert.ok(card!.detail.includes(problem.message), 'the card states the problem');
  const shown = [...card!.summary.matchAll(/(\d+)\s*%/g)].map((m) => Number(m[1]));
  const estimates = [...card!.detail.matchAll(/Estimated probability[^:]*: (\d+)%/g)].map((m) =>
    Number(m[1]),
  );
  if (r.detail.fallback) {
    const percent = Math.round(r.detail.fallback.output.probability * 100);
    assert.equal(r.detail.fallback.model.id, FALLBACK_MODEL);
    assert.match(card!.summary, /^Clinical model only/);
    assert.match(card!.detail, /^\*\*Clinical model only\.\*\*/);
    assert.deepEqual(shown, [percent], 'the summary shows the clinical model’s number only');
    assert.deepEqual(estimates, [percent], 'the detail shows the clinical model’s number only');
  } else {
    assert.match(card!.summary, /^apCR probability not computed/);
    assert.deepEqual(shown, [], 'no percentage without a fallback');
    assert.deepEqual(estimates, []);
    // The only percentage left is the confidence level of the validation AUC's interval.
    assert.doesNotMatch(card!.detail.replace(/\(95% CI [^)]*\)/g, ''), /\d\s*%/);
  }
  return problem;
}

/** Adds `days` to a YYYY-MM-DD date. */
function plusDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function postStudyDate(cohort: string): Promise<string> {
  const studies = (await readFhirResources(cohort)).filter(
    (r): r is ImagingStudy => r.resourceType === 'ImagingStudy',
  );
  const post = studies.find((s) => /post/i.test(s.description ?? ''));
  assert.ok(post?.started, 'the synthetic cohort records the post-NAT ImagingStudy date');
  return post.started.slice(0, 10);
}

test('control: the undamaged patient gets the imaging model’s probability', async () => {
  const r = await predictFor(base);
  assert.equal(r.outcome, 'prediction');
  const p = r.detail.output?.probability;
  assert.ok(typeof p === 'number' && p > 0 && p < 1);
  assert.equal(r.detail.imagingProblems, undefined);
  assert.match(r.cards[0]!.summary, new RegExp(`^apCR probability ${Math.round(p * 100)}%`));
});

describe('1 and 10: a missing sequence, with and without the clinical fallback', () => {
  let cohort: string;
  before(async () => {
    cohort = await damaged(async (c) => {
      await rm(seriesDir(c, 'post', 'T2'), { recursive: true });
      await rm(segFile(c, 'post', 'T2'));
    });
  });
  const expected: Expected = {
    code: 'missing-sequence',
    timePoint: 'post',
    sequence: 'T2',
    message: [/post-NAT/, /T2/],
  };

  test('missing-sequence; the clinical model’s result, labelled "Clinical model only"', async () => {
    const r = await predictFor(cohort);
    const problem = assertNotComputed(r, expected);
    assert.ok(r.detail.fallback, 'the clinical fallback is shown');
    assert.equal(r.detail.fallback.model.id, 'clinical-synthetic');
    const card = r.cards[0]!;
    assert.match(
      card.summary,
      /^Clinical model only: apCR probability \d+%; the imaging model could not be used/,
    );
    assert.equal(card.indicator, 'warning');
    assert.match(card.detail, /\*\*Clinical model only\.\*\*/);
    assert.ok(card.detail.includes(problem.message));

    // The fallback number is the clinical model's own answer for this patient, not a mix.
    const own = await predictFor(cohort, { model: FALLBACK_MODEL });
    assert.equal(own.outcome, 'prediction');
    assert.equal(own.detail.output?.probability, r.detail.fallback.output.probability);
  });

  test('without a fallback model: the imaging "not computed" warning, no probability at all', async () => {
    const r = await predictFor(cohort, { fallbackModel: null });
    const problem = assertNotComputed(r, expected);
    assert.equal(r.detail.fallback, undefined);
    const card = r.cards[0]!;
    assert.equal(card.summary, 'apCR probability not computed: MRI sequence missing');
    assert.equal(card.indicator, 'warning');
    assert.match(card.detail, /No apCR probability is shown/);
    assert.ok(card.detail.includes(problem.message));
  });
});

test('2. missing SEG: only the post-NAT T2 segmentation deleted', async () => {
  const cohort = await damaged((c) => rm(segFile(c, 'post', 'T2')));
  assertNotComputed(await predictFor(cohort), {
    code: 'missing-seg',
    timePoint: 'post',
    sequence: 'T2',
    message: [/post-NAT/, /T2 series "ax T2 TSE"/, /no tumour SEG/],
  });
});

describe('DICOM edits', { skip: noDcmodify }, () => {
  test('3. SEG referencing a series that is not in the study', async () => {
    const foreign = '2.25.111111111111111111111111111111';
    const cohort = await damaged((c) =>
      dcmodify([segFile(c, 'post', 'DCE')], ['-m', `(0008,1115)[0].(0020,000e)=${foreign}`]),
    );
    assertNotComputed(await predictFor(cohort), {
      code: 'seg-mismatch',
      timePoint: 'post',
      sequence: 'DCE',
      message: [/post-NAT/, /DCE/, new RegExp(foreign.replaceAll('.', '\\.')), /not in this study/],
    });
  });

  test('4a. SEG pixel spacing off the image grid', async () => {
    const cohort = await damaged((c) =>
      dcmodify([segFile(c, 'post', 'DCE')], ['-m', '(5200,9229)[0].(0028,9110)[0].(0028,0030)=0.8\\0.8']),
    );
    assertNotComputed(await predictFor(cohort), {
      code: 'seg-mismatch',
      timePoint: 'post',
      sequence: 'DCE',
      message: [/post-NAT DCE/, /does not match its image/, /pixel spacing 0\.8\\0\.8/],
    });
  });

  test('4b. a SEG frame positioned off the image grid', async () => {
    // Half a pixel (0.35 mm for 0.7 mm pixels) off in x: no slice of the image holds the frame.
    const cohort = await damaged(async (c) => {
      const file = segFile(c, 'post', 'DCE');
      const seg = await readDataset(file);
      const frames = seg.PerFrameFunctionalGroupsSequence as Record<string, unknown>[];
      const position = (frames[0]!.PlanePositionSequence as Record<string, unknown>[])[0]!
        .ImagePositionPatient as number[];
      const moved = [position[0]! + 0.35, position[1]!, position[2]!];
      await dcmodify([file], ['-m', `(5200,9230)[0].(0020,9113)[0].(0020,0032)=${moved.join('\\')}`]);
    });
    assertNotComputed(await predictFor(cohort), {
      code: 'seg-mismatch',
      timePoint: 'post',
      sequence: 'DCE',
      message: [/post-NAT DCE/, /does not match its image/, /SEG frame 1 .* is not on a slice/],
    });
  });

  test('6. wrong modality: the post-NAT DCE instances are CT', async (t) => {
    const cohort = await damaged(async (c) =>
      dcmodify(await seriesFiles(c, 'post', 'DCE'), ['-i', '(0008,0060)=CT']),
    );
    const r = await predictFor(cohort);
    // What must hold whatever the code: no number, and the problem is the post-NAT DCE.
    assert.equal(r.outcome, 'cannot-compute');
    assert.equal(r.detail.output, undefined);
    const problems = r.detail.imagingProblems ?? [];
    assert.deepEqual(
      problems.map((p) => [p.timePoint, p.sequence]),
      [['post', 'DCE']],
    );
    // Clinically right: a CT series where the MR DCE should be is a wrong modality, and says CT.
    await t.test('reported as wrong-modality naming CT', () => {
      assertNotComputed(r, {
        code: 'wrong-modality',
        timePoint: 'post',
        sequence: 'DCE',
        message: [/post-NAT/, /DCE/, /\bCT\b/, /\bMR\b/],
      });
    });
  });

  test('6b. wrong modality: the post-NAT T2 instances are CT', async () => {
    const cohort = await damaged(async (c) =>
      dcmodify(await seriesFiles(c, 'post', 'T2'), ['-i', '(0008,0060)=CT']),
    );
    assertNotComputed(await predictFor(cohort), {
      code: 'wrong-modality',
      timePoint: 'post',
      sequence: 'T2',
      message: [/post-NAT/, /T2/, /is CT, the model needs MR/],
    });
  });

  test('7. wrong body part: BodyPartExamined CHEST on the pre-NAT T2 instances', async () => {
    const cohort = await damaged(async (c) =>
      dcmodify(await seriesFiles(c, 'pre', 'T2'), ['-i', '(0018,0015)=CHEST']),
    );
    assertNotComputed(await predictFor(cohort), {
      code: 'wrong-body-part',
      timePoint: 'pre',
      sequence: 'T2',
      message: [/pre-NAT/, /T2/, /body part CHEST/, /BREAST/],
    });
  });
});

test('5. post-NAT study dated before NAT end', async () => {
  let natEnd = '';
  let studyDate = '';
  const cohort = await damaged(async (c) => {
    studyDate = await postStudyDate(c);
    natEnd = plusDays(studyDate, 14);
    await editFhirBundle(c, (entries) =>
      entries.map((e) => {
        const r = e.resource as Procedure | undefined;
        if (r?.resourceType === 'Procedure' && r.performedPeriod?.end)
          return { ...e, resource: { ...r, performedPeriod: { ...r.performedPeriod, end: natEnd } } };
        return e;
      }),
    );
  });
  assertNotComputed(await predictFor(cohort), {
    code: 'post-before-nat-end',
    timePoint: 'post',
    message: [new RegExp(`\\(${studyDate}\\) is dated before NAT end \\(${natEnd}\\)`)],
  });
});

test('9. receptor status unknown: no ER observation → cannot compute, naming ER, no imaging work', async () => {
  const codes = loadConfig({ env: {} }).fhir.codes;
  const erCodes = new Set([...codes.er, ...codes.erPercent].map((c) => `${c.system}|${c.code}`));
  const isEr = (e: BundleEntry) =>
    e.resource?.resourceType === 'Observation' &&
    ((e.resource as Observation).code.coding ?? []).some((c) => erCodes.has(`${c.system}|${c.code}`));
  let removed = 0;
  const cohort = await damaged((c) =>
    editFhirBundle(c, (entries) => {
      removed = entries.filter(isEr).length;
      return entries.filter((e) => !isEr(e));
    }),
  );
  assert.ok(removed >= 1, 'the synthetic record had ER observations to remove');
  // An empty DICOM folder: any imaging work would end in imaging problems, not in `missing`.
  const empty = await tempFolder('axilla-gating-nodicom-');
  const r = await predictFor(cohort, { dicomDir: empty });
  assert.equal(r.outcome, 'cannot-compute');
  assert.deepEqual(
    (r.detail.missing ?? []).map((m) => m.input),
    ['ER'],
  );
  assert.equal(r.detail.imagingProblems, undefined, 'no imaging was attempted');
  assert.equal(r.detail.resultKey, undefined, 'no imaging job was queued');
  assert.equal(r.detail.output, undefined);
  assert.equal(r.detail.fallback, undefined, 'the clinical model needs ER too');
  assert.equal(r.cards.length, 1);
  assert.match(r.cards[0]!.summary, /not computed.*\bER\b/);
  assert.doesNotMatch(r.cards[0]!.summary, /\d+\s*%/);
});

describe('11. corrupt DICOM', () => {
  test('one DCE image the SEG was drawn on cut in half: corrupt-dicom, no crash', async () => {
    const cohort = await damaged(async (c) => {
      const [file] = (await segReferencedFiles(c, 'post', 'DCE')).slice(3, 4);
      await truncate(file!, Math.floor((await stat(file!)).size / 2));
    });
    assertNotComputed(await predictFor(cohort), {
      code: 'corrupt-dicom',
      timePoint: 'post',
      sequence: 'DCE',
      message: [/post-NAT DCE/, /truncated|cut short/],
    });
  });

  test('one DCE image cut inside its header (not indexable): corrupt-dicom, no crash', async () => {
    const cohort = await damaged(async (c) => {
      const [file] = (await segReferencedFiles(c, 'post', 'DCE')).slice(3, 4);
      await truncate(file!, 300);
    });
    assertNotComputed(await predictFor(cohort), {
      code: 'corrupt-dicom',
      timePoint: 'post',
      sequence: 'DCE',
      message: [/post-NAT DCE/],
    });
  });
});

describe('8. ROI below the bundle’s minimum (computeImaging with a re-signed bundle)', () => {
  let bundle: LoadedBundle | undefined;
  let source: FolderSource | undefined;
  after(async () => {
    await bundle?.close();
    await source?.close();
  });

  test('only the time point whose T2 ROI is below minRoiVolumeMm3 is refused, naming volume and minimum', async () => {
    // Reference volumes from the SEG files alone (set bits × voxel size), not from the pipeline.
    const volumes = {
      pre: await segRoiVolumeMm3(segFile(base, 'pre', 'T2')),
      post: await segRoiVolumeMm3(segFile(base, 'post', 'T2')),
    };
    assert.ok(volumes.pre > 0 && volumes.post > 0);
    const [small, large] =
      volumes.pre < volumes.post ? (['pre', 'post'] as const) : (['post', 'pre'] as const);
    assert.ok(volumes[large] - volumes[small] > 2, `ROI volumes differ: ${JSON.stringify(volumes)}`);
    const minimum = Math.round((volumes.pre + volumes.post) / 2);

    // A signed copy of the shipped bundle whose T2 rule has that minimum.
    const key = await makeTestKey('imaging-gating-test');
    const models = await tempFolder('axilla-gating-models-');
    const dir = path.join(models, IMAGING_MODEL, '1.0.0');
    await cp(path.join(shippedModelsDir, IMAGING_MODEL, '1.0.0'), dir, { recursive: true });
    const manifest = await readManifestJson(dir);
    const rules = manifest.seriesSelection as Record<string, Record<string, unknown>>;
    rules.T2 = { ...rules.T2, minRoiVolumeMm3: minimum };
    await writeSignedManifest(dir, manifest, key);
    bundle = await loadBundle(dir, { trustedKeys: await trustedKeysWith(key) });
    const model = await prepareImagingModel(bundle);
    assert.equal(model.rules.T2!.minRoiVolumeMm3, minimum);

    const resources = await readFhirResources(base);
    const nat = resources.find((r): r is Procedure => r.resourceType === 'Procedure')!.performedPeriod!;
    const candidates = candidatesFromImagingStudies(
      resources.filter((r): r is ImagingStudy => r.resourceType === 'ImagingStudy'),
    );
    const { pre, post } = chooseStudies(candidates, { start: nat.start!, end: nat.end! }, { modality: 'MR' });
    source = await FolderSource.open(path.join(base, 'dicom'));
    const err = await computeImaging(
      model,
      {
        source,
        cache: new InstanceCache(64 * 1024 * 1024),
        backbones: new BackboneStore(await tempFolder('axilla-gating-backbones-')),
      },
      { studies: { pre, post }, clinical: { ER_positive: 1, HER2_positive: 1 } },
    ).then(
      () => assert.fail('a prediction was computed from an ROI below the minimum'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ImagingGateError, String(err));
    assert.deepEqual(
      err.problems.map((p) => [p.code, p.timePoint, p.sequence]),
      [['roi-too-small', small, 'T2']],
    );
    const message = err.problems[0]!.message;
    assert.match(message, new RegExp(`${small}-NAT T2`));
    const stated = /the tumour ROI is ([\d.]+) mm³/.exec(message);
    assert.ok(stated, message);
    assert.ok(Math.abs(Number(stated[1]) - volumes[small]) < 0.06, `${stated[1]} vs ${volumes[small]}`);
    assert.match(message, new RegExp(`minimum of ${minimum} mm³`));
  });
});
