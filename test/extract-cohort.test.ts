/**
 * Batch extraction over a real synthetic cohort (DICOM MR + SEG written by the cohort writer):
 * the table's DESIGN §4 column names, delta = post − pre, one cell against the extractor called
 * directly on the decoded series, empty cells for a complete responder's empty post ROI, resume
 * after an interruption, invalidation by a changed parameter file, failures naming the file, the
 * deep-feature hook, and the `extract-cohort` command as a separate process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import {
  CohortExtractionAborted,
  extractCohort,
  journalPathFor,
  type CohortExtractionSummary,
  type ExtractCohortOptions,
} from '../src/cohort/extract-cohort.ts';
import {
  COHORT_SEQUENCES,
  readCohortManifest,
  writeCohortManifest,
  type CohortRow,
} from '../src/cohort/manifest.ts';
import { decodeSeg } from '../src/dicom/seg-decoder.ts';
import { decodeSeriesDetailed } from '../src/dicom/series-decoder.ts';
import { extractFeatures } from '../src/radiomics/extractor.ts';
import { parseSettingsYaml } from '../src/radiomics/settings.ts';
import { SEG_DCE_TEMPORAL_POSITION, writeCohort } from '../src/synth/cohort-writer.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
// With this seed the second patient responds completely (empty post ROIs); checked from the
// generating model's truth in `before`, not assumed.
const SEED = 'extract-cohort-0';
const PARAMS = 'imageType:\n  Original: {}\nfeatureClass:\n  firstorder:\n  glcm:\n';
// Pinned: the default digest of the extractor's sources changes whenever anyone edits them.
const CODE = 'extract-cohort-test';
const COLUMN = /^(DCE|T2|DWI|ADC)_(pre|post|delta)_(original_(firstorder|glcm)_[A-Za-z0-9]+)$/;

interface Table {
  columns: string[];
  rows: Record<string, string>[];
}

function readTable(file: string): Table {
  const records = parse(readFileSync(file, 'utf8'), { columns: false }) as string[][];
  const columns = records[0]!;
  return {
    columns,
    rows: records.slice(1).map((r) => Object.fromEntries(columns.map((c, n) => [c, r[n]!]))),
  };
}

describe('extract-cohort', () => {
  let dir: string;
  let manifestPath: string;
  let rows: CohortRow[];
  let responder: string;
  let full: CohortExtractionSummary;
  let fullTable: Table;
  const params = { name: 'params.yaml', text: PARAMS };
  const run = (o: Partial<ExtractCohortOptions> & { outPath: string }) =>
    extractCohort({ manifestPath, params, workers: 2, codeVersion: CODE, ...o });

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'axilla-extract-cohort-'));
    await writeCohort({
      patients: 2,
      seed: SEED,
      outDir: path.join(dir, 'cohort'),
      size: 'small',
      emptyPostRoiForCompleteResponders: true,
    });
    manifestPath = path.join(dir, 'cohort', 'cohort.csv');
    rows = readCohortManifest(readFileSync(manifestPath, 'utf8'));
    const truth = JSON.parse(readFileSync(path.join(dir, 'cohort', 'generating-model.json'), 'utf8')) as {
      truth: { patientId: string; imaging: { post: { roiExpected: boolean } } }[];
    };
    const empty = truth.truth.filter((t) => !t.imaging.post.roiExpected).map((t) => t.patientId);
    assert.deepEqual(
      empty,
      [rows[1]!.patientId],
      `seed ${SEED}: the second patient must have an empty post ROI`,
    );
    responder = empty[0]!;
    writeFileSync(path.join(dir, 'params.yaml'), PARAMS);
    full = await run({ outPath: path.join(dir, 'out', 'a.csv'), restart: true });
    fullTable = readTable(full.outPath);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one row per patient, columns named <SEQ>_<pre|post|delta>_<PyRadiomics name>', () => {
    assert.deepEqual(
      fullTable.rows.map((r) => r.patient_id),
      rows.map((r) => r.patientId),
    );
    assert.equal(fullTable.columns[0], 'patient_id');
    assert.equal(new Set(fullTable.columns).size, fullTable.columns.length, 'duplicate columns');
    const bad = fullTable.columns.slice(1).filter((c) => !COLUMN.test(c));
    assert.deepEqual(bad, [], 'columns outside the DESIGN §4 naming');
    for (const seq of COHORT_SEQUENCES) {
      const of = (tp: string) =>
        fullTable.columns
          .map((c) => COLUMN.exec(c))
          .filter((m) => m?.[1] === seq && m[2] === tp)
          .map((m) => m![3]);
      assert.ok(of('pre').length > 0, `${seq} has features`);
      assert.deepEqual(of('post'), of('pre'), `${seq} post columns`);
      assert.deepEqual(of('delta'), of('pre'), `${seq} delta columns`);
    }
    assert.equal(full.columns, fullTable.columns.length);
    assert.equal(full.jobs.total, rows.length * 2 * 4);
  });

  it('one cell group equals extractFeatures on the series and SEG decoded directly', () => {
    const row = rows[0]!;
    const e = row.studies.pre.sequences.DCE;
    const cohort = path.join(dir, 'cohort');
    const files = listFilesSync(path.join(cohort, e.imageDir)).map((f) => new Uint8Array(readFileSync(f)));
    const series = decodeSeriesDetailed(files, {
      select: { temporalPositionIdentifier: SEG_DCE_TEMPORAL_POSITION },
    });
    const mask = decodeSeg(new Uint8Array(readFileSync(path.join(cohort, e.segPath))), series).get(1)!;
    const direct = extractFeatures(series.volume, mask, parseSettingsYaml(PARAMS));
    const cells = fullTable.rows[0]!;
    const names = Object.keys(direct);
    assert.ok(names.length > 20);
    assert.deepEqual(
      fullTable.columns.filter((c) => c.startsWith('DCE_pre_')),
      names.map((n) => `DCE_pre_${n}`),
    );
    for (const n of names) assert.equal(cells[`DCE_pre_${n}`], String(direct[n]), n);
  });

  it('delta = post − pre for every feature of a patient with both ROIs', () => {
    const r = fullTable.rows[0]!;
    let nonZero = 0;
    for (const c of fullTable.columns.filter((x) => x.includes('_delta_'))) {
      const pre = r[c.replace('_delta_', '_pre_')]!;
      const post = r[c.replace('_delta_', '_post_')]!;
      assert.notEqual(pre, '', c);
      assert.notEqual(post, '', c);
      assert.equal(Number(r[c]), Number(post) - Number(pre), c);
      if (Number(r[c]) !== 0) nonZero += 1;
    }
    assert.ok(nonZero > 10, `${nonZero} non-zero deltas`);
  });

  it('a complete responder’s empty post ROI leaves post and delta cells empty and is listed', () => {
    const r = fullTable.rows.find((x) => x.patient_id === responder)!;
    for (const c of fullTable.columns.slice(1)) {
      if (c.includes('_pre_')) assert.match(r[c]!, /^-?\d/, `${c} is a number`);
      else assert.equal(r[c], '', `${c} is empty`);
    }
    const text = readFileSync(full.outPath, 'utf8');
    assert.doesNotMatch(text, /NaN|Infinity/);
    assert.equal(full.usable, true);
    assert.equal(full.jobs.failed, 4);
    assert.deepEqual(
      full.failures.map((f) => [f.patientId, f.timePoint, f.sequence, f.kind]),
      COHORT_SEQUENCES.map((s) => [responder, 'post', s, 'empty-roi']),
    );
    const segPath = rows[1]!.studies.post.sequences.DWI.segPath;
    const dwi = full.failures.find((f) => f.sequence === 'DWI')!;
    assert.ok(dwi.reason.includes(segPath), dwi.reason);
    assert.ok(dwi.reason.includes(`patient ${responder}, post DWI`), dwi.reason);
  });

  it('resumes after an interruption: finished jobs are not recomputed, the table is identical', async () => {
    const outPath = path.join(dir, 'out', 'b.csv');
    const controller = new AbortController();
    await assert.rejects(
      run({
        outPath,
        restart: true,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done >= 5) controller.abort();
        },
      }),
      CohortExtractionAborted,
    );
    assert.equal(existsSync(outPath), false, 'no table from an interrupted run');
    const journal = journalPathFor(outPath);
    const finished = readFileSync(journal, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { key: string; status: string });
    const ok = finished.filter((e) => e.status === 'ok').length;
    assert.ok(finished.length >= 5 && finished.length < full.jobs.total, `${finished.length} journal lines`);
    // A run killed while writing leaves half a line: it must not break the resume.
    appendFileSync(journal, '{"key":"SYN0002/post/T2","dig');

    const resumed = await run({ outPath });
    assert.equal(resumed.jobs.reused, ok);
    assert.equal(resumed.jobs.computed, full.jobs.total - ok);
    assert.equal(readFileSync(outPath, 'utf8'), readFileSync(full.outPath, 'utf8'));

    // Nothing left to do: only the failed jobs are retried.
    const again = await run({ outPath });
    assert.equal(again.jobs.computed, full.jobs.failed);
    assert.equal(readFileSync(outPath, 'utf8'), readFileSync(full.outPath, 'utf8'));
  });

  it('a changed parameter file invalidates the journal entries made with it', async () => {
    const outPath = path.join(dir, 'out', 'c.csv');
    cpSync(journalPathFor(full.outPath), journalPathFor(outPath));
    const t2 = { name: 't2.yaml', text: `${PARAMS}setting:\n  binWidth: 5\n` };
    const changed = await run({ outPath, paramsBySequence: new Map([['T2', t2]]) });
    const t2Jobs = rows.length * 2;
    const failedNotT2 = full.failures.filter((f) => f.sequence !== 'T2').length;
    assert.equal(changed.jobs.computed, t2Jobs + failedNotT2);
    assert.equal(changed.jobs.reused, full.jobs.total - t2Jobs - failedNotT2);
    const table = readTable(outPath);
    const r = table.rows[0]!;
    const a = fullTable.rows[0]!;
    assert.equal(r.DCE_pre_original_glcm_Contrast, a.DCE_pre_original_glcm_Contrast);
    assert.equal(
      r.T2_pre_original_firstorder_Mean,
      a.T2_pre_original_firstorder_Mean,
      'bin width keeps the mean',
    );
    assert.notEqual(
      r.T2_pre_original_glcm_Contrast,
      a.T2_pre_original_glcm_Contrast,
      'bin width changes GLCM',
    );
  });

  it('another extractor version invalidates every entry', async () => {
    const outPath = path.join(dir, 'out', 'v.csv');
    cpSync(journalPathFor(full.outPath), journalPathFor(outPath));
    const same = await run({ outPath, sequences: ['ADC'] });
    assert.equal(same.jobs.computed, 1, 'only the failed job is retried');
    const other = await run({ outPath, sequences: ['ADC'], codeVersion: `${CODE}-2` });
    assert.equal(other.jobs.reused, 0);
    assert.equal(other.jobs.computed, rows.length * 2);
  });

  it('a corrupt DICOM file and a SEG of another series are failures naming the file', async () => {
    const copy = path.join(dir, 'damaged');
    cpSync(path.join(dir, 'cohort'), copy, { recursive: true });
    const p1 = rows[0]!;
    const t2Dir = p1.studies.pre.sequences.T2.imageDir;
    const victim = path.posix.join(t2Dir, path.basename(listFilesSync(path.join(copy, t2Dir))[3]!));
    writeFileSync(path.join(copy, victim), 'DICM? not really');
    const damaged = readCohortManifest(readFileSync(path.join(copy, 'cohort.csv'), 'utf8'));
    const post = damaged[0]!.studies.post.sequences;
    post.ADC = { ...post.ADC, segPath: post.DWI.segPath, segSopInstanceUid: post.DWI.segSopInstanceUid };
    writeFileSync(path.join(copy, 'cohort.csv'), writeCohortManifest(damaged));

    const s = await extractCohort({
      manifestPath: path.join(copy, 'cohort.csv'),
      outPath: path.join(copy, 'features.csv'),
      params,
      sequences: ['T2', 'ADC'],
      workers: 2,
      codeVersion: CODE,
    });
    const mine = s.failures.filter((f) => f.patientId === p1.patientId);
    assert.deepEqual(
      mine.map((f) => [f.timePoint, f.sequence, f.kind]),
      [
        ['pre', 'T2', 'corrupt-file'],
        ['post', 'ADC', 'seg-mismatch'],
      ],
    );
    assert.ok(mine[0]!.reason.includes(victim), mine[0]!.reason);
    assert.ok(mine[1]!.reason.includes(post.DWI.segPath), mine[1]!.reason);
    assert.match(mine[1]!.reason, /SEG does not match its image/);
    const r = readTable(s.outPath).rows[0]!;
    assert.equal(r.T2_pre_original_firstorder_Mean, '');
    assert.equal(r.T2_delta_original_firstorder_Mean, '');
    assert.equal(r.T2_post_original_firstorder_Mean, fullTable.rows[0]!.T2_post_original_firstorder_Mean);
    assert.equal(r.ADC_pre_original_firstorder_Mean, fullTable.rows[0]!.ADC_pre_original_firstorder_Mean);
    assert.equal(s.usable, true);
  });

  it('is unusable overall when a sequence has no ROI for any patient', async () => {
    const s = await run({
      outPath: path.join(dir, 'out', 'unusable.csv'),
      sequences: ['ADC'],
      params: { name: 'huge.yaml', text: `${PARAMS}setting:\n  minimumROISize: 100000000\n` },
    });
    assert.equal(s.usable, false);
    assert.equal(s.jobs.succeeded, 0);
    assert.match(s.unusableReason ?? '', /no job succeeded/);
    // Every ROI is refused by the extractor, except the empty one, which never reaches it.
    assert.deepEqual(
      s.failures.map((f) => [f.patientId, f.timePoint, f.kind]),
      rows.flatMap((r) =>
        (['pre', 'post'] as const).map((tp) => [
          r.patientId,
          tp,
          r.patientId === responder && tp === 'post' ? 'empty-roi' : 'extraction',
        ]),
      ),
    );
    assert.ok(s.failures.every((f) => f.kind !== 'extraction' || /ROI is too small/.test(f.reason)));
  });

  it('appends deep-feature columns from the hook; a failing patient gets empty cells', async () => {
    const outPath = path.join(dir, 'out', 'deep.csv');
    cpSync(journalPathFor(full.outPath), journalPathFor(outPath));
    const s = await run({
      outPath,
      deep: async (row) => {
        if (row.patientId === responder) throw new Error('no post slice');
        return { DL_pre_0001: 1.5, DL_post_0001: 0.5, DL_delta_0001: -1 };
      },
    });
    const table = readTable(outPath);
    assert.deepEqual(table.columns.slice(-3), ['DL_pre_0001', 'DL_post_0001', 'DL_delta_0001']);
    assert.deepEqual(table.columns.slice(0, -3), fullTable.columns);
    assert.equal(table.rows[0]!.DL_delta_0001, '-1');
    assert.equal(table.rows[1]!.DL_pre_0001, '');
    assert.ok(
      s.failures.some(
        (f) => f.sequence === 'DL' && f.patientId === responder && /no post slice/.test(f.reason),
      ),
    );
  });

  describe('axilla extract-cohort (separate process)', () => {
    const driver =
      `import { Command } from ${JSON.stringify(import.meta.resolve('commander'))};\n` +
      `import { registerExtractCohortCommand } from ${JSON.stringify(path.join(ROOT, 'src/cli/extract-cohort-command.ts'))};\n` +
      `import { CliError } from ${JSON.stringify(path.join(ROOT, 'src/cli/cli-error.ts'))};\n` +
      `const program = new Command('axilla').exitOverride();\n` +
      `registerExtractCohortCommand(program);\n` +
      `try { await program.parseAsync(process.argv.slice(1), { from: 'user' }); }\n` +
      `catch (err) { process.stderr.write('axilla: ' + err.message + '\\n'); process.exit(err instanceof CliError ? err.exitCode : (err.exitCode ?? 1)); }\n`;
    const axilla = (args: string[]) => {
      const r = spawnSync(
        process.execPath,
        // cwd outside the repository: workers must find tsx without it.
        [
          '--import',
          import.meta.resolve('tsx'),
          '--input-type=module',
          '-e',
          driver,
          'extract-cohort',
          ...args,
        ],
        { cwd: tmpdir(), encoding: 'utf8', timeout: 120_000 },
      );
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    it('prints a JSON summary, progress lines on a non-TTY stderr, and resumes', () => {
      const out = path.join(dir, 'out', 'cli.csv');
      const args = ['--manifest', manifestPath, '--out', out, '--params', path.join(dir, 'params.yaml')];
      const r = axilla([...args, '--sequences', 'T2', '--workers', '1', '--format', 'json']);
      assert.equal(r.status, 0, r.stderr);
      const summary = JSON.parse(r.stdout) as CohortExtractionSummary;
      assert.equal(summary.jobs.total, rows.length * 2);
      assert.equal(summary.jobs.failed, 1);
      assert.match(r.stderr, /extract-cohort: 4\/4 jobs/);
      const t2 = fullTable.columns.filter((c) => c === 'patient_id' || c.startsWith('T2_'));
      assert.deepEqual(readTable(out).columns, t2);

      const again = axilla([...args, '--sequences', 'T2']);
      assert.equal(again.status, 0, again.stderr);
      // The CLI digests the extractor's sources, which other edits may change between the runs:
      // resume is checked exactly above, with a pinned code version.
      const counts = /3\/4 jobs succeeded \((\d+) computed, (\d+) reused\)/.exec(again.stdout);
      assert.ok(counts, again.stdout);
      assert.equal(Number(counts[1]) + Number(counts[2]), 4);
      assert.match(again.stdout, /failed \[empty-roi\]: patient SYN0002, post T2/);
    });

    it('refuses bad input in one line with exit code 2, and an unusable table with 1', () => {
      const bad = axilla([
        '--manifest',
        manifestPath,
        '--out',
        path.join(dir, 'x.csv'),
        '--params-for',
        'PET=a.yaml',
      ]);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /^axilla: --params-for must be SEQ=FILE/);
      assert.equal(bad.stderr.trim().split('\n').length, 1);

      const missing = axilla(['--manifest', path.join(dir, 'nope.csv'), '--out', path.join(dir, 'x.csv')]);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /^axilla: cannot read cohort manifest .*nope\.csv: ENOENT\n$/);

      writeFileSync(path.join(dir, 'huge.yaml'), `${PARAMS}setting:\n  minimumROISize: 100000000\n`);
      const unusable = axilla([
        '--manifest',
        manifestPath,
        '--out',
        path.join(dir, 'out', 'cli-unusable.csv'),
        '--params',
        path.join(dir, 'huge.yaml'),
        '--sequences',
        'ADC',
      ]);
      assert.equal(unusable.status, 1, unusable.stderr);
      assert.match(unusable.stderr, /axilla: features table written but unusable: no job succeeded/);
    });
  });
});

/** Files of a (flat) series folder, sorted. */
function listFilesSync(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .map((f) => path.join(folder, f));
}
