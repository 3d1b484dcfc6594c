import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EvaluationError, evaluatePredictions } from '../evaluate/evaluate.ts';
import type { EvaluationResult } from '../evaluate/evaluation-types.ts';
import { PredictionsError, readPredictions } from '../evaluate/read-predictions.ts';
import { renderEvaluationReport } from '../report/html-report.ts';
import { CliError } from './cli-error.ts';
import { parseFormat } from './config-option.ts';

function parseThreshold(v: string): 'youden' | number {
  if (v === 'youden') return v;
  const t = Number(v);
  if (v.trim() === '' || !Number.isFinite(t))
    throw new CliError(`--threshold must be youden or a number, got ${v}`);
  return t;
}

function positiveInteger(name: string) {
  return (v: string): number => {
    const k = Number(v);
    if (!Number.isInteger(k) || k < 1) throw new CliError(`${name} must be a positive integer, got ${v}`);
    return k;
  };
}

function collect(v: string, previous: string[] = []): string[] {
  return [...previous, v];
}

const f3 = (v: number | null) => (v === null ? '—' : v.toFixed(3).replace(/^-(0\.0+)$/, '$1'));
const fp = (p: number) => (p < 0.001 ? '<0.001' : p.toFixed(3));

/** Columns padded to their widest cell. */
function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((v, c) => v.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The human-readable summary printed without --format json. */
export function evaluationText(result: EvaluationResult, source: string): string {
  const names = Object.keys(result.scores);
  const lines: string[] = [
    `${source}: ${result.n} patients, ${result.events} events (outcome "${result.outcome}")` +
      (result.events_per_variable === undefined
        ? ''
        : `, ${result.events_per_variable.toFixed(1)} events per variable`),
    '',
    textTable([
      ['score', 'AUC', '95% CI (DeLong)', 'threshold', 'sens', 'spec', 'acc', 'PPV', 'NPV'],
      ...names.map((name) => {
        const s = result.scores[name]!;
        return [
          name,
          f3(s.auc),
          `${f3(s.auc_ci[0])}-${f3(s.auc_ci[1])}`,
          `${s.threshold === null ? '+Inf' : s.threshold.toPrecision(4)} (${s.threshold_method})`,
          f3(s.sensitivity),
          f3(s.specificity),
          f3(s.accuracy),
          f3(s.ppv),
          f3(s.npv),
        ];
      }),
    ]),
    '',
    textTable([
      ['score', 'cal. slope', 'cal. intercept', 'Brier', 'HL chi2', 'HL df', 'HL p'],
      ...names.map((name) => {
        const c = result.scores[name]!.calibration;
        return c === null
          ? [name, 'n/a (not a probability)', '', '', '', '', '']
          : [
              name,
              f3(c.slope),
              f3(c.intercept),
              f3(c.brier),
              c.hosmer_lemeshow.chi2.toFixed(2),
              String(c.hosmer_lemeshow.df),
              fp(c.hosmer_lemeshow.p),
            ];
      }),
    ]),
  ];
  if (result.comparisons.length > 0)
    lines.push(
      '',
      textTable([
        ['DeLong paired test', 'AUC difference', 'z', 'p'],
        ...result.comparisons.map((c) => [`${c.a} vs ${c.b}`, f3(c.auc_difference), c.z.toFixed(2), fp(c.p)]),
      ]),
    );
  return `${lines.join('\n')}\n`;
}

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description(
      'evaluate prediction scores against an outcome: AUC with DeLong CI, operating point, calibration, Hosmer–Lemeshow, decision curve, DeLong comparisons; optional HTML report',
    )
    .requiredOption('--predictions <csv>', 'CSV with a header line, one row per patient')
    .requiredOption('--outcome <column>', 'outcome column: 0/1 (or false/true), 1 = event (apCR)')
    .requiredOption(
      '--score <column>',
      'score column (repeat for several scores; compared pairwise)',
      collect,
    )
    .option(
      '--threshold <youden|value>',
      'cut-off: youden (per score, on these data) or a number',
      parseThreshold,
      'youden',
    )
    .option(
      '--variables <n>',
      'number of model variables, to report events per variable',
      positiveInteger('--variables'),
    )
    .option(
      '--resamples <n>',
      'bootstrap resamples for the ROC confidence band',
      positiveInteger('--resamples'),
      2000,
    )
    .option('--seed <seed>', 'seed of the ROC-band bootstrap', 'axilla-roc-band')
    .option('--format <format>', 'json or text on stdout', parseFormat, 'text')
    .option('--out <file>', 'write the self-contained HTML report to this file')
    .action(
      (opts: {
        predictions: string;
        outcome: string;
        score: string[];
        threshold: 'youden' | number;
        variables?: number;
        resamples: number;
        seed: string;
        format: 'json' | 'text';
        out?: string;
      }) => {
        let result: EvaluationResult;
        try {
          const table = readPredictions(opts.predictions, { outcome: opts.outcome, scores: opts.score });
          result = evaluatePredictions(table.columns, {
            outcome: opts.outcome,
            scores: opts.score,
            threshold: opts.threshold,
            ...(opts.variables === undefined ? {} : { eventsPerVariable: { variables: opts.variables } }),
            rocBand: { resamples: opts.resamples, seed: opts.seed },
          });
        } catch (err) {
          if (err instanceof PredictionsError) throw new CliError(err.message);
          if (err instanceof EvaluationError) throw new CliError(`${opts.predictions}: ${err.message}`);
          throw err;
        }
        if (opts.out) {
          const html = renderEvaluationReport(result, {
            source: opts.predictions,
            command: ['axilla', 'evaluate', ...process.argv.slice(3)].join(' '),
          });
          try {
            writeFileSync(opts.out, html);
          } catch (err) {
            throw new CliError(
              `cannot write report ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
            );
          }
        }
        if (opts.format === 'json') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else {
          process.stdout.write(evaluationText(result, opts.predictions));
          if (opts.out) process.stdout.write(`report: ${opts.out}\n`);
        }
      },
    );
}
