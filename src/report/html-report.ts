/**
 * The self-contained HTML reports: one file with inline CSS and inline SVG plots, no script and
 * no external reference (fonts, styles, images), so it opens offline, can be archived with a
 * model and prints legibly. Every text that comes from data (column and feature names, model
 * names) is escaped.
 *
 * - `renderEvaluationReport`: the figures of `axilla evaluate` (docs/evaluate.md).
 * - `renderTrainingReport`: a training run's `training-report.json`: selection steps, LASSO path
 *   and CV curve, final model with odds ratios, nomogram, Spearman heat map, evaluation of the
 *   training and validation cohorts, classifier comparison.
 */
import type { EvaluationResult, ScoreEvaluation } from '../evaluate/evaluation-types.ts';
import type { CoefficientRow, TrainingReport } from '../train/training-report.ts';
import { calibrationPlot } from './calibration-plot.ts';
import { decisionCurvePlot } from './decision-curve-plot.ts';
import { correlationHeatmap } from './heatmap.ts';
import { lassoCvPlot, lassoPathPlot } from './lasso-plot.ts';
import { nomogramPlot, type NomogramTerm } from './nomogram.ts';
import { rocPlot } from './roc-plot.ts';
import { esc } from './svg.ts';

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ccc; padding-bottom: 3px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.meta, p.note { color: #444; margin: 4px 0; }
p.note { font-size: 12.5px; }
.disclaimer { border: 1px solid #c9a227; background: #fff8e1; padding: 6px 10px; margin: 10px 0; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 12.5px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; white-space: nowrap; }
th, td { border: 1px solid #bbb; padding: 3px 7px; vertical-align: top; }
th { background: #f0f0f0; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.names { font-size: 11.5px; max-width: 520px; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 6px 0; page-break-inside: avoid; break-inside: avoid; }
figcaption { font-size: 12px; color: #444; }
svg.plot { max-width: 100%; height: auto; background: #fff; font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11px; }
svg.plot .plot-title { font-size: 13px; font-weight: bold; }
svg.plot .axis-label { font-size: 12px; }
svg.plot .tick, svg.plot .nomogram-axis line { stroke: #222; }
svg.plot .grid { stroke: #e6e6e6; stroke-width: 1; }
svg.plot .cell-value { font-size: 9.5px; }
svg.plot .key-label, svg.plot .series-label { font-size: 10.5px; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  table, figure { page-break-inside: avoid; break-inside: avoid; }
}
`;

const DISCLAIMER =
  'Decision support, not a diagnosis. Figures describe the cohort they were computed on; validate on local data before clinical use.';

function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : v < 0 ? '−∞' : '—';
  return v
    .toFixed(digits)
    .replace(/^-(0\.?0*)$/, '$1')
    .replace(/^-/, '−');
}

function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined) return '—';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** Four significant digits (exponent form outside 0.001–1000), typographic minus. */
function fmtSci(v: number): string {
  const text =
    v === 0 ? '0' : Math.abs(v) >= 0.001 && Math.abs(v) < 1000 ? v.toPrecision(4) : v.toExponential(3);
  return text.replace(/^-/, '−');
}

interface Cell {
  text: string;
  numeric?: boolean;
  className?: string;
}

type CellInput = string | number | Cell;

function cell(c: CellInput): string {
  if (typeof c === 'number') return `<td class="num">${esc(fmt(c))}</td>`;
  if (typeof c === 'string') return `<td>${esc(c)}</td>`;
  const cls = [c.numeric ? 'num' : '', c.className ?? ''].filter(Boolean).join(' ');
  return `<td${cls ? ` class="${cls}"` : ''}>${esc(c.text)}</td>`;
}

const n = (text: string): Cell => ({ text, numeric: true });

function table(caption: string, headers: readonly string[], rows: readonly CellInput[][], cls = ''): string {
  return [
    `<table${cls ? ` class="${cls}"` : ''}>`,
    `<caption>${esc(caption)}</caption>`,
    `<thead><tr>${headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`),
    '</tbody></table>',
  ].join('\n');
}

/** A plot with its caption, no wider than the plot (so captions wrap under it and plots tile). */
function figure(svg: string, caption: string): string {
  const width = /^<svg [^>]*\bwidth="(\d+)"/.exec(svg)?.[1];
  return `<figure${width ? ` style="max-width: ${width}px"` : ''}>${svg}<figcaption>${esc(caption)}</figcaption></figure>`;
}

function note(text: string): string {
  return `<p class="note">${esc(text)}</p>`;
}

function page(title: string, body: string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network access from this document, whatever a future edit inserts.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function thresholdText(s: ScoreEvaluation): string {
  const t = s.threshold === null ? '+∞ (no cut-off separates the classes)' : fmtSci(s.threshold);
  return `${t} (${s.threshold_method})`;
}

/** Net benefit at a few round thresholds, read from the decision curve (nearest computed point). */
const DCA_TABLE_THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];

function nearest<T extends { threshold: number }>(points: readonly T[], t: number): T | undefined {
  let best: T | undefined;
  for (const p of points) if (!best || Math.abs(p.threshold - t) < Math.abs(best.threshold - t)) best = p;
  return best && Math.abs(best.threshold - t) < 1e-9 ? best : undefined;
}

/** The figures of one cohort: tables and ROC, calibration and decision-curve plots. */
function evaluationSection(
  result: EvaluationResult,
  heading: string,
  idPrefix: string,
  level: 'h2' | 'h3',
): string {
  const names = Object.keys(result.scores);
  const scores = names.map((name) => ({ name, s: result.scores[name]! }));
  const out: string[] = [`<${level}>${esc(heading)}</${level}>`];
  const prevalence = result.events / result.n;
  out.push(
    `<p class="meta">${result.n} patients, ${result.events} events (outcome "${esc(result.outcome)}" = 1; prevalence ${fmt(prevalence, 3)})${
      result.events_per_variable !== undefined
        ? `; events per variable ${fmt(result.events_per_variable, 1)} (rarer class / variables)`
        : ''
    }.</p>`,
  );

  out.push(
    table(
      'Discrimination and operating point',
      [
        'Score',
        'AUC',
        '95% CI (DeLong)',
        'SE',
        'Threshold',
        'Sensitivity',
        'Specificity',
        'Accuracy',
        'PPV',
        'NPV',
        'TP',
        'FP',
        'TN',
        'FN',
      ],
      scores.map(({ name, s }) => [
        name,
        s.auc,
        n(`${fmt(s.auc_ci[0])}–${fmt(s.auc_ci[1])}`),
        s.auc_se,
        n(thresholdText(s)),
        s.sensitivity,
        s.specificity,
        s.accuracy,
        n(fmt(s.ppv)),
        n(fmt(s.npv)),
        n(String(s.confusion.tp)),
        n(String(s.confusion.fp)),
        n(String(s.confusion.tn)),
        n(String(s.confusion.fn)),
      ]),
    ),
  );
  if (result.comparisons.length > 0)
    out.push(
      table(
        "DeLong's paired test of AUCs (two-sided)",
        ['A', 'B', 'AUC(A) − AUC(B)', 'z', 'p'],
        result.comparisons.map((c) => [c.a, c.b, c.auc_difference, c.z, n(fmtP(c.p))]),
      ),
    );

  const calibrated = scores.filter(({ s }) => s.calibration !== null);
  if (calibrated.length > 0) {
    out.push(
      table(
        'Calibration (logistic recalibration, rms val.prob convention) and Hosmer–Lemeshow test',
        ['Score', 'Slope', 'Intercept', 'Calibration-in-the-large', 'Brier', 'HL χ²', 'df', 'p'],
        calibrated.map(({ name, s }) => {
          const c = s.calibration!;
          return [
            name,
            c.slope,
            c.intercept,
            c.calibration_in_the_large,
            c.brier,
            c.hosmer_lemeshow.chi2,
            n(String(c.hosmer_lemeshow.df)),
            n(fmtP(c.hosmer_lemeshow.p)),
          ];
        }),
      ),
    );
  }
  for (const { name, s } of scores)
    for (const [what, why] of Object.entries(s.unavailable))
      out.push(note(`${name}: no ${what.replace('_', ' ')} — ${why}.`));

  const band = scores.find(({ s }) => s.roc_band)?.s.roc_band;
  const plots: string[] = [
    figure(
      rocPlot(
        scores.map(({ name, s }) => ({
          name,
          auc: s.auc,
          auc_ci: s.auc_ci,
          points: s.roc,
          band: s.roc_band,
        })),
        { id: `${idPrefix}-roc`, title: `ROC curves — ${heading}` },
      ),
      band
        ? `Empirical ROC curves. Shaded: pointwise ${Math.round(band.level * 100)}% band of sensitivity at fixed specificities from ${band.resamples} stratified bootstrap resamples (pROC ci.se convention; seed "${band.seed}").`
        : 'Empirical ROC curves (no confidence band computed).',
    ),
  ];
  if (calibrated.length > 0)
    plots.push(
      figure(
        calibrationPlot(
          calibrated.map(({ name, s }) => ({
            name,
            groups: s.calibration!.groups,
            slope: s.calibration!.slope,
            intercept: s.calibration!.intercept,
          })),
          { id: `${idPrefix}-calibration`, title: `Calibration — ${heading}` },
        ),
        'Observed event rate against mean predicted probability in the Hosmer–Lemeshow groups (deciles of predicted probability); point area grows with group size. Dashed: perfect calibration.',
      ),
    );
  const withCurve = scores.filter(({ s }) => s.decision_curve !== null && s.decision_curve.length > 0);
  if (withCurve.length > 0)
    plots.push(
      figure(
        decisionCurvePlot(
          withCurve.map(({ name, s }) => ({ name, points: s.decision_curve! })),
          withCurve[0]!.s.decision_curve!,
          { id: `${idPrefix}-decision-curve`, title: `Decision curve — ${heading}` },
        ),
        'Net benefit = TP/n − FP/n · pt/(1 − pt) at threshold probability pt (Vickers & Elkin 2006), against treating everyone and treating no one.',
      ),
    );
  out.push(`<div class="plots">${plots.join('\n')}</div>`);

  if (withCurve.length > 0) {
    const first = withCurve[0]!.s.decision_curve!;
    const at = DCA_TABLE_THRESHOLDS.filter((t) => nearest(first, t));
    if (at.length > 0)
      out.push(
        table(
          'Net benefit at selected threshold probabilities',
          ['Strategy', ...at.map((t) => `pt = ${t}`)],
          [
            ...withCurve.map(({ name, s }) => [
              name,
              ...at.map((t) => nearest(s.decision_curve!, t)?.net_benefit ?? NaN),
            ]),
            ['Treat all', ...at.map((t) => nearest(first, t)!.treat_all)],
            ['Treat none', ...at.map(() => 0)],
          ],
        ),
      );
  }

  for (const { name, s } of calibrated)
    out.push(
      table(
        `Hosmer–Lemeshow groups — ${name}`,
        [
          'Group',
          'Predicted range',
          'n',
          'Observed events',
          'Expected events',
          'Mean predicted',
          'Observed rate',
        ],
        s.calibration!.groups.map((g, i) => [
          n(String(i + 1)),
          n(`${fmt(g.lower)}–${fmt(g.upper)}`),
          n(String(g.n)),
          n(String(g.observed)),
          g.expected,
          g.mean_predicted,
          g.observed_rate,
        ]),
      ),
    );
  return out.join('\n');
}

export interface EvaluationReportOptions {
  title?: string;
  /** The predictions file (shown, not read). */
  source?: string;
  /** The command line that produced the report. */
  command?: string;
}

/** The HTML report of `axilla evaluate`. */
export function renderEvaluationReport(
  result: EvaluationResult,
  options: EvaluationReportOptions = {},
): string {
  const title = options.title ?? 'Axilla CDS — model evaluation';
  const body = [
    `<h1>${esc(title)}</h1>`,
    options.source ? `<p class="meta">Predictions: ${esc(options.source)}</p>` : '',
    options.command ? `<p class="meta">Command: <code>${esc(options.command)}</code></p>` : '',
    `<p class="disclaimer">${esc(DISCLAIMER)}</p>`,
    evaluationSection(result, 'Evaluation', 'evaluation', 'h2'),
    note(
      'AUC: empirical (Mann–Whitney), direction fixed (higher score = event). CI and paired test: DeLong et al. 1988 as pROC. Threshold: positive when score ≥ threshold. Definitions: docs/evaluate.md.',
    ),
  ];
  return page(title, body);
}

function namesCell(names: readonly string[], max = 16): Cell {
  const shown = names.slice(0, max).join(', ');
  return {
    text: names.length > max ? `${shown}, … (${names.length - max} more)` : shown,
    className: 'names',
  };
}

function coefficientRows(rows: readonly CoefficientRow[]): CellInput[][] {
  return rows.map((r) => [
    r.name,
    r.beta,
    r.se,
    r.z,
    n(fmtP(r.p)),
    r.odds_ratio,
    n(`${fmt(r.odds_ratio_ci[0])}–${fmt(r.odds_ratio_ci[1])}`),
    n(r.range ? `${fmt(r.range[0], 2)} to ${fmt(r.range[1], 2)}` : '—'),
  ]);
}

/** Nomograms stay readable up to about a dozen axes; larger models get the coefficient table only. */
const NOMOGRAM_MAX_TERMS = 12;

function nomogramSection(report: TrainingReport): string {
  const rows = report.final.coefficients;
  const missing = rows.filter((r) => !r.range).map((r) => r.name);
  if (missing.length > 0)
    return note(`No nomogram: the training ranges of ${missing.join(', ')} are not in the report.`);
  if (rows.length > NOMOGRAM_MAX_TERMS)
    return note(
      `No nomogram: ${rows.length} predictors (a nomogram is drawn for up to ${NOMOGRAM_MAX_TERMS}).`,
    );
  const terms: NomogramTerm[] = rows.map((r) => ({ name: r.name, beta: r.beta, range: r.range! }));
  try {
    return figure(
      nomogramPlot(
        { intercept: report.final.intercept.beta, terms },
        { id: 'final-nomogram', title: `Nomogram — ${report.model.name}`, outcomeLabel: 'apCR' },
      ),
      'Points for each predictor over its training range (the widest effect spans 0–100), total points, linear predictor and predicted probability, as rms nomogram(). Imaging inputs are on the z-scored scale the model sees.',
    );
  } catch (err) {
    if (err instanceof RangeError) return note(`No nomogram: ${err.message}.`);
    throw err;
  }
}

/** The HTML report of a training run (`training-report.json`). */
export function renderTrainingReport(report: TrainingReport): string {
  const m = report.model;
  const title = `Axilla CDS — training report: ${m.name} ${m.version}`;
  const body: string[] = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">Model ${esc(m.id)} ${esc(m.version)} (${esc(m.kind)}). Cohort: ${esc(report.cohort.manifest)}, ${report.cohort.n} patients, ${report.cohort.events} events; split: ${esc(report.cohort.split)}.</p>`,
    `<p class="disclaimer">${esc(DISCLAIMER)}</p>`,
    '<h2>Feature selection</h2>',
    table(
      'Selection steps in the training cohort',
      ['Step', 'Rule', 'Input', 'Kept', 'Kept features'],
      report.steps.map((s) => [
        s.step,
        s.rule,
        n(String(s.input)),
        n(String(s.kept.length)),
        namesCell(s.kept),
      ]),
    ),
  ];

  const lasso = report.lasso;
  if (lasso) {
    body.push(
      '<h3>LASSO</h3>',
      table(
        'LASSO logistic regression (glmnet conventions)',
        ['λ.min', 'λ.1se', 'λ used', 'Rule', 'Folds', 'Selected', 'KKT max violation'],
        [
          [
            n(fmtSci(lasso.lambda_min)),
            n(fmtSci(lasso.lambda_1se)),
            n(fmtSci(lasso.lambda_used)),
            lasso.rule,
            n(`${lasso.nfolds} (${lasso.folds_from})`),
            n(String(lasso.selected.length)),
            n(fmtSci(lasso.kkt.max_violation)),
          ],
        ],
      ),
      `<div class="plots">${figure(
        lassoPathPlot(lasso.path, {
          id: 'lasso-path',
          title: 'LASSO coefficient paths',
          lambdaUsed: lasso.lambda_used,
        }),
        'Coefficient of each feature against log λ (natural log; z-scored inputs); the dashed line marks the λ used. Numbers on top: non-zero coefficients.',
      )}${figure(
        lassoCvPlot(lasso.cv, lasso.lambda_min, lasso.lambda_1se, {
          id: 'lasso-cv',
          title: 'LASSO cross-validation',
        }),
        `Mean ${lasso.nfolds}-fold cross-validated binomial deviance ± 1 SE (cv.glmnet cvm ± cvsd); dashed lines at λ.min and λ.1se.`,
      )}</div>`,
      table(
        `LASSO coefficients at λ = ${fmtSci(lasso.lambda_used)} (${lasso.rule}, z-scored scale)`,
        ['Term', 'Coefficient'],
        Object.entries(lasso.coefficients).map(([k, v]) => [k, n(fmtSci(v))]),
      ),
    );
  }
  if (report.pca)
    body.push(
      table(
        'PCA of the deep features (fitted on the training cohort)',
        ['Inputs', 'Components', 'Explained variance (cumulative)'],
        [
          [
            n(String(report.pca.inputs)),
            n(String(report.pca.components)),
            n(fmt(report.pca.explained_variance_ratio.reduce((a, b) => a + b, 0))),
          ],
        ],
      ),
    );
  if (report.clinical) {
    body.push(
      '<h3>Clinical variables</h3>',
      table(
        'Univariate logistic regression',
        ['Variable', 'OR', '95% CI (Wald)', 'p'],
        report.clinical.univariate.map((u) => [
          u.name,
          u.odds_ratio,
          n(`${fmt(u.odds_ratio_ci[0])}–${fmt(u.odds_ratio_ci[1])}`),
          n(fmtP(u.p)),
        ]),
      ),
      table(
        'Backward stepwise selection by AIC (R step convention)',
        ['Step', 'Removed', 'AIC'],
        report.clinical.stepwise.steps.map((s, i) => [n(String(i)), s.removed ?? '(start)', s.aic]),
      ),
      note(`Kept: ${report.clinical.stepwise.kept.join(', ') || '(none)'}.`),
    );
  }

  const f = report.final;
  body.push(
    '<h2>Final model</h2>',
    `<p class="meta">Logistic regression, penalty ${f.penalty === 'none' ? 'none' : `L2 (λ = ${esc(fmtSci(f.penalty.l2))})`}; Youden threshold ${esc(fmtSci(f.threshold.value))} (training sensitivity ${esc(fmt(f.threshold.sensitivity))}, specificity ${esc(fmt(f.threshold.specificity))}); events per variable ${esc(fmt(f.events_per_variable, 1))}.</p>`,
    table(
      'Coefficients (imaging inputs z-scored with training means and SDs)',
      ['Term', 'β', 'SE', 'z', 'p', 'Odds ratio', 'OR 95% CI (Wald)', 'Training range'],
      coefficientRows([f.intercept, ...f.coefficients]),
    ),
  );
  if (f.radscore)
    body.push(
      table(
        'Radiomics score (LASSO linear predictor)',
        ['Term', 'Coefficient'],
        [
          ['(Intercept)', n(fmtSci(f.radscore.intercept))],
          ...Object.entries(f.radscore.coefficients).map(([k, v]) => [k, n(fmtSci(v))] as CellInput[]),
        ],
      ),
    );
  body.push(nomogramSection(report));

  if (report.spearman.names.length > 0)
    body.push(
      '<h3>Correlation of the selected imaging features</h3>',
      figure(
        correlationHeatmap(report.spearman.names, report.spearman.matrix, {
          id: 'spearman-heatmap',
          title: 'Spearman correlation of the selected features',
        }),
        'Spearman rank correlation in the training cohort; blue negative, red positive.',
      ),
    );

  const ev = report.evaluation;
  body.push('<h2>Evaluation</h2>');
  body.push(evaluationSection(ev.training, 'Training cohort', 'training', 'h3'));
  if (ev.validation) body.push(evaluationSection(ev.validation, 'Validation cohort', 'validation', 'h3'));
  else body.push(note('No validation cohort in this run.'));
  if (ev.optimism)
    body.push(
      table(
        "Optimism-corrected AUC (Harrell's bootstrap, rms validate convention)",
        ['Apparent', 'Optimism', 'Corrected', 'Resamples', 'Failed fits'],
        [
          [
            ev.optimism.apparent,
            ev.optimism.optimism,
            ev.optimism.corrected,
            n(String(ev.optimism.resamples)),
            n(String(ev.optimism.failed)),
          ],
        ],
      ),
    );
  if (ev.auc_difference)
    body.push(
      table(
        'Training vs validation AUC (bootstrap test of the difference)',
        ['AUC training', 'AUC validation', 'Difference', 'D', 'p', 'Resamples'],
        [
          [
            ev.auc_difference.auc_training,
            ev.auc_difference.auc_validation,
            ev.auc_difference.difference,
            ev.auc_difference.d,
            n(fmtP(ev.auc_difference.p)),
            n(String(ev.auc_difference.resamples)),
          ],
        ],
      ),
    );

  if (report.classifiers.length > 0)
    body.push(
      '<h2>Classifier comparison</h2>',
      table(
        'Classifiers on the same selected features',
        ['Classifier', 'Library', 'CV AUC (training)', 'Training AUC', 'Validation AUC', 'Note'],
        report.classifiers.map((c) => [
          c.name,
          c.library,
          n(fmt(c.cv_auc)),
          n(fmt(c.train_auc)),
          n(fmt(c.validation_auc)),
          c.note ?? '',
        ]),
      ),
    );
  const timings = Object.entries(report.timings_ms);
  if (timings.length > 0)
    body.push(
      table(
        'Timings',
        ['Stage', 'Seconds'],
        timings.map(([k, v]) => [k, n((v / 1000).toFixed(2))]),
      ),
    );
  return page(title, body);
}
