/**
 * `axilla evaluate` as a user runs it (a child process on a generated predictions CSV): the JSON
 * contract of issue 5 field by field, values equal to src/stats called directly (and, end to end,
 * to pROC and rms in R), one-line refusals with exit code 2, and the HTML report.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EvaluationResult } from '../src/evaluate/evaluation-types.ts';
import { makePredictions, predictionsCsv } from '../src/evaluate/predictions-fixture.test-helper.ts';
import { calibration } from '../src/stats/calibration.ts';
import { decisionCurve, defaultDecisionThresholds } from '../src/stats/decision-curve.ts';
import { delongAuc, delongPairedTest } from '../src/stats/delong.ts';
import { hosmerLemeshow } from '../src/stats/hosmer-lemeshow.ts';
import { R_MISSING, rAvailable, runR } from '../src/stats/r-reference.test-helper.ts';
import { confusionAt, rocCurve, youdenThreshold } from '../src/stats/roc.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

function axilla(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, asynchronously, so that independent runs overlap. */
function axillaAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** Key order of the JSON, as docs/evaluate.md lists it (the contract is stable, order included). */
const SCORE_KEYS = [
  'auc',
  'auc_ci',
  'auc_se',
  'threshold',
  'threshold_method',
  'sensitivity',
  'specificity',
  'accuracy',
  'ppv',
  'npv',
  'confusion',
  'calibration',
  'decision_curve',
  'unavailable',
  'roc',
  'roc_band',
];
const CALIBRATION_KEYS = [
  'slope',
  'intercept',
  'slope_ci',
  'intercept_ci',
  'calibration_in_the_large',
  'brier',
  'excluded',
  'warnings',
  'hosmer_lemeshow',
  'groups',
];

describe('axilla evaluate', () => {
  let dir: string;
  let csv: string;
  const data = makePredictions('evaluate-cli', 160);
  const scoreNames = ['model_a', 'model_b', 'radscore'] as const;
  let result: EvaluationResult;
  let reportPath: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'axilla-evaluate-'));
    csv = path.join(dir, 'predictions.csv');
    writeFileSync(csv, predictionsCsv(data));
    reportPath = path.join(dir, 'report.html');
    const r = axilla([
      'evaluate',
      '--predictions',
      csv,
      '--outcome',
      'apcr',
      ...scoreNames.flatMap((s) => ['--score', s]),
      '--variables',
      '4',
      '--resamples',
      '500',
      '--format',
      'json',
      '--out',
      reportPath,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'nothing on stderr for a good run');
    result = JSON.parse(r.stdout) as EvaluationResult; // stdout is only JSON
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('JSON: the names the issue fixes, in a stable order', () => {
    assert.deepEqual(Object.keys(result), [
      'schema',
      'n',
      'events',
      'outcome',
      'events_per_variable',
      'scores',
      'comparisons',
    ]);
    assert.equal(result.schema, 'axilla-evaluation/1');
    assert.equal(result.n, 160);
    assert.equal(result.events, data.apcr.filter((y) => y === 1).length);
    assert.deepEqual(Object.keys(result.scores), [...scoreNames]);
    for (const name of scoreNames) {
      const s = result.scores[name]!;
      assert.deepEqual(Object.keys(s), SCORE_KEYS, name);
      assert.equal(s.auc_ci.length, 2);
      assert.deepEqual(Object.keys(s.confusion), ['tp', 'fp', 'tn', 'fn']);
      assert.deepEqual(Object.keys(s.roc[0]!), ['threshold', 'sensitivity', 'specificity']);
    }
    for (const name of ['model_a', 'model_b'] as const) {
      const c = result.scores[name]!.calibration!;
      assert.deepEqual(Object.keys(c), CALIBRATION_KEYS);
      assert.deepEqual(Object.keys(c.hosmer_lemeshow), ['chi2', 'df', 'p']);
      assert.deepEqual(Object.keys(result.scores[name]!.decision_curve![0]!), [
        'threshold',
        'net_benefit',
        'treat_all',
        'treat_none',
      ]);
      assert.deepEqual(result.scores[name]!.unavailable, {});
    }
    // A linear predictor is not a probability: no calibration or decision curve, and why.
    const rad = result.scores.radscore!;
    assert.equal(rad.calibration, null);
    assert.equal(rad.decision_curve, null);
    assert.match(rad.unavailable.calibration!, /"radscore" has values outside \[0, 1\]/);
    assert.match(rad.unavailable.decision_curve!, /not a probability/);
    assert.deepEqual(
      result.comparisons.map((c) => [c.a, c.b, c.method, Object.keys(c)]),
      [
        ['model_a', 'model_b'],
        ['model_a', 'radscore'],
        ['model_b', 'radscore'],
      ].map(([a, b]) => [a, b, 'delong', ['a', 'b', 'method', 'auc_difference', 'z', 'p']]),
    );
  });

  it('values: exactly what src/stats gives when called directly', () => {
    const y = data.apcr;
    for (const name of scoreNames) {
      const x = data[name];
      const s = result.scores[name]!;
      const d = delongAuc(x, y, 0.95);
      assert.equal(s.auc, d.auc);
      assert.deepEqual(s.auc_ci, d.ci);
      assert.equal(s.auc_se, d.se);
      const cut = youdenThreshold(x, y);
      assert.equal(s.threshold, cut.threshold);
      assert.equal(s.threshold_method, 'youden');
      const at = confusionAt(x, y, cut.threshold);
      assert.deepEqual(
        [s.sensitivity, s.specificity, s.accuracy, s.ppv, s.npv, s.confusion],
        [
          at.sensitivity,
          at.specificity,
          at.accuracy,
          at.ppv,
          at.npv,
          { tp: at.tp, fp: at.fp, tn: at.tn, fn: at.fn },
        ],
      );
      assert.deepEqual(
        s.roc,
        rocCurve(x, y).map((p) => ({ ...p, threshold: Number.isFinite(p.threshold) ? p.threshold : null })),
      );
      assert.equal(s.roc_band!.resamples, 500);
      assert.equal(s.roc_band!.points.length, 51);
    }
    for (const name of ['model_a', 'model_b'] as const) {
      const s = result.scores[name]!;
      const c = calibration(data[name], y);
      const hl = hosmerLemeshow(data[name], y, 10);
      assert.deepEqual(
        [
          s.calibration!.slope,
          s.calibration!.intercept,
          s.calibration!.calibration_in_the_large,
          s.calibration!.brier,
        ],
        [c.slope, c.intercept, c.calibrationInTheLarge, c.brier],
      );
      assert.deepEqual(s.calibration!.hosmer_lemeshow, { chi2: hl.chi2, df: hl.df, p: hl.p });
      assert.deepEqual(
        s.calibration!.groups.map((g) => [g.n, g.observed, g.expected, g.mean_predicted, g.observed_rate]),
        hl.groups.map((g) => [g.n, g.observed, g.expected, g.meanPredicted, g.observedRate]),
      );
      assert.deepEqual(s.decision_curve, decisionCurve(data[name], y, defaultDecisionThresholds()));
    }
    result.comparisons.forEach((c) => {
      const t = delongPairedTest(
        data[c.a as (typeof scoreNames)[number]],
        data[c.b as (typeof scoreNames)[number]],
        y,
      );
      assert.deepEqual([c.auc_difference, c.z, c.p], [t.difference, t.z, t.p]);
    });
    // Events per variable: the rarer class over --variables 4.
    assert.equal(result.events_per_variable, Math.min(result.events, result.n - result.events) / 4);
  });

  it('--threshold VALUE: the same cut-off for every score', () => {
    const r = axilla([
      'evaluate',
      '--predictions',
      csv,
      '--outcome',
      'apcr',
      '--score',
      'model_a',
      '--threshold',
      '0.5',
      '--format',
      'json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const s = (JSON.parse(r.stdout) as EvaluationResult).scores.model_a!;
    const at = confusionAt(data.model_a, data.apcr, 0.5);
    assert.equal(s.threshold, 0.5);
    assert.equal(s.threshold_method, 'fixed');
    assert.deepEqual(s.confusion, { tp: at.tp, fp: at.fp, tn: at.tn, fn: at.fn });
  });

  it('text format: a readable table', () => {
    const r = axilla([
      'evaluate',
      '--predictions',
      csv,
      '--outcome',
      'apcr',
      '--score',
      'model_a',
      '--score',
      'radscore',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /160 patients, \d+ events \(outcome "apcr"\)/);
    assert.match(r.stdout, /^score\s+AUC\s+95% CI \(DeLong\)/m);
    assert.match(r.stdout, new RegExp(`^model_a\\s+${result.scores.model_a!.auc.toFixed(3)}\\s`, 'm'));
    assert.match(r.stdout, /^radscore\s+n\/a \(not a probability\)/m);
    assert.match(r.stdout, /^model_a vs radscore\s/m);
  });

  it('bad input: exit code 2 and one line naming the file, row and column', async () => {
    const bad = (name: string, text: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const cases: [string[], RegExp][] = [
      [
        ['--predictions', csv, '--outcome', 'apcr', '--score', 'model_c'],
        /predictions\.csv: no column "model_c" in the header/,
      ],
      [
        [
          '--predictions',
          bad('bad-outcome.csv', 'apcr,p\n1,0.2\n0,0.3\nyes,0.4\n0,0.1\n'),
          '--outcome',
          'apcr',
          '--score',
          'p',
        ],
        /bad-outcome\.csv row 3 \(line 4\), column "apcr": outcome must be 0 or 1 \(or false\/true\), got "yes"/,
      ],
      [
        [
          '--predictions',
          bad('one-class.csv', 'apcr,p\n1,0.2\n1,0.3\n1,0.4\n'),
          '--outcome',
          'apcr',
          '--score',
          'p',
        ],
        /one-class\.csv: outcome "apcr" has only 1s \(3 rows\); ROC analysis needs both classes/,
      ],
      [
        [
          '--predictions',
          bad('text-score.csv', 'apcr,p\n1,0.2\n0,high\n1,0.4\n0,0.1\n'),
          '--outcome',
          'apcr',
          '--score',
          'p',
        ],
        /text-score\.csv row 2 \(line 3\), column "p": not a finite number: "high"/,
      ],
      [
        ['--predictions', path.join(dir, 'absent.csv'), '--outcome', 'apcr', '--score', 'p'],
        /cannot read predictions file .*absent\.csv: ENOENT/,
      ],
      [
        ['--predictions', csv, '--outcome', 'apcr', '--score', 'model_a', '--threshold', 'best'],
        /--threshold must be youden or a number, got best/,
      ],
    ];
    const runs = await Promise.all(
      cases.map(([args]) => axillaAsync(['evaluate', ...args, '--format', 'json'])),
    );
    cases.forEach(([args, message], k) => {
      const r = runs[k]!;
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
    });
  });

  it('--out: one self-contained HTML file with every evaluation plot', () => {
    const html = readFileSync(reportPath, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    for (const plot of ['roc', 'calibration', 'decision-curve'])
      assert.equal((html.match(new RegExp(`<svg [^>]*data-plot="${plot}"`, 'g')) ?? []).length, 1, plot);
    for (const name of scoreNames) assert.ok(html.includes(name), name);
    // No reference to anything outside the file: no URL in an attribute or in CSS, no script.
    assert.doesNotMatch(html, /\b(?:src|href|xlink:href|action)\s*=/i);
    assert.doesNotMatch(html, /url\((?!#)/);
    assert.doesNotMatch(html, /@import|<script|<link|<iframe|<img/i);
    assert.doesNotMatch(html, /https?:\/\//);
  });
});

describe('axilla evaluate against R (pROC 1.18, rms 6.5)', { skip: rAvailable() ? false : R_MISSING }, () => {
  it('AUC, DeLong CI and paired test, Youden point, val.prob slope and intercept', (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'axilla-evaluate-r-'));
    try {
      const data = makePredictions('evaluate-cli-r', 120);
      const csv = path.join(dir, 'p.csv');
      writeFileSync(csv, predictionsCsv(data));
      const r = axilla([
        'evaluate',
        '--predictions',
        csv,
        '--outcome',
        'apcr',
        '--score',
        'model_a',
        '--score',
        'model_b',
        '--format',
        'json',
      ]);
      assert.equal(r.status, 0, r.stderr);
      const ours = JSON.parse(r.stdout) as EvaluationResult;
      const ref = runR<Record<string, number[] | number>>(
        `suppressMessages({library(pROC); library(rms)})
         y <- input$apcr
         fig <- function(p) {
           r <- roc(y, p, direction = "<", levels = c(0, 1), quiet = TRUE)
           ci <- ci.auc(r, method = "delong")
           best <- coords(r, "best", best.method = "youden", ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
           v <- val.prob(p, y, pl = FALSE)
           c(auc = as.numeric(auc(r)), lo = ci[1], hi = ci[3], thr = max(best$threshold),
             se = best$sensitivity[which.max(best$threshold)], sp = best$specificity[which.max(best$threshold)],
             intercept = unname(v["Intercept"]), slope = unname(v["Slope"]), brier = unname(v["Brier"]))
         }
         ra <- roc(y, input$model_a, direction = "<", levels = c(0, 1), quiet = TRUE)
         rb <- roc(y, input$model_b, direction = "<", levels = c(0, 1), quiet = TRUE)
         t <- roc.test(ra, rb, method = "delong", paired = TRUE)
         out <- list(a = fig(input$model_a), b = fig(input$model_b), z = unname(t$statistic), p = t$p.value)`,
        data,
      );
      const worst = { exact: 0, fitted: 0 };
      const close = (mine: number, theirs: number, tol: number, what: string) => {
        const kind = tol < 1e-8 ? 'exact' : 'fitted';
        worst[kind] = Math.max(worst[kind], Math.abs(mine - theirs));
        assert.ok(Math.abs(mine - theirs) <= tol, `${what}: ${mine} vs R ${theirs}`);
      };
      for (const [key, name] of [
        ['a', 'model_a'],
        ['b', 'model_b'],
      ] as const) {
        const [auc, lo, hi, thr, se, sp, intercept, slope, brier] = ref[key] as number[];
        const s = ours.scores[name]!;
        close(s.auc, auc!, 1e-12, `${name} AUC (pROC auc)`);
        close(s.auc_ci[0], lo!, 1e-12, `${name} CI low (pROC ci.auc delong)`);
        close(s.auc_ci[1], hi!, 1e-12, `${name} CI high`);
        close(s.threshold!, thr!, 1e-12, `${name} Youden threshold (pROC coords best, highest of ties)`);
        close(s.sensitivity, se!, 1e-12, `${name} sensitivity`);
        close(s.specificity, sp!, 1e-12, `${name} specificity`);
        // rms lrm stops its Newton iterations at a tolerance; 1e-6 is far below any reported digit.
        close(s.calibration!.intercept, intercept!, 1e-6, `${name} intercept (rms val.prob)`);
        close(s.calibration!.slope, slope!, 1e-6, `${name} slope (rms val.prob)`);
        close(s.calibration!.brier, brier!, 1e-12, `${name} Brier (rms val.prob)`);
      }
      close(ours.comparisons[0]!.z, ref.z as number, 1e-9, 'DeLong z (pROC roc.test)');
      close(ours.comparisons[0]!.p, ref.p as number, 1e-9, 'DeLong p (pROC roc.test)');
      t.diagnostic(
        `largest |ours − R|: pROC figures ${worst.exact.toExponential(2)}, val.prob slope/intercept ${worst.fitted.toExponential(2)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
