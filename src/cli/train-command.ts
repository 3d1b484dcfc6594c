/**
 * `axilla train --config train.yaml --out models/ID/VERSION --key PRIVATE.jwk.json`: trains a
 * model the way the MRI study did (src/train/, docs/training.md), writes `training-report.json`
 * and the HTML report beside the classifier, and signs the bundle. Progress on stderr; a
 * summary on stdout (JSON with `--format json`). Exit 2 with one line on bad input.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CohortExtractionAborted, CohortExtractionError } from '../cohort/extract-cohort.ts';
import { ManifestError } from '../cohort/manifest.ts';
import { BackboneError } from '../deep/backbone.ts';
import { SettingsError } from '../radiomics/settings.ts';
import { exportBundle } from '../train/export-bundle.ts';
import { FeatureTableError } from '../train/feature-table.ts';
import { train, TrainingError, type TrainProgress } from '../train/train.ts';
import { readTrainConfig, TrainConfigError } from '../train/train-config.ts';
import { CliError } from './cli-error.ts';
import { parseFormat } from './config-option.ts';

function progressPrinter(): (p: TrainProgress) => void {
  let last = 0;
  let lastStage = '';
  return (p) => {
    const now = performance.now();
    const finished = p.done !== undefined && p.done === p.total;
    if (p.stage === lastStage && !finished && now - last < 1000) return;
    last = now;
    lastStage = p.stage;
    const count = p.total !== undefined ? ` ${p.done}/${p.total}` : '';
    process.stderr.write(`train: ${p.stage}${count}\n`);
  };
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'train, evaluate and freeze a model into a signed bundle the way the MRI study did (docs/training.md)',
    )
    .requiredOption('--config <file>', 'training configuration (YAML, docs/training.md)')
    .requiredOption('--out <dir>', 'bundle folder to write, models/<id>/<version>')
    .requiredOption(
      '--key <file>',
      'publisher private key (JWK) that signs the bundle (axilla models keygen)',
    )
    .option('--cache <dir>', 'feature cache folder (default: .axilla-features beside each manifest)')
    .option('--workers <n>', 'extraction worker threads', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new CliError(`--workers must be a positive integer, got ${v}`);
      return n;
    })
    .option('--created-at <iso>', 'createdAt written into the manifest (default: now)')
    .option('--format <format>', 'json or text summary on stdout', parseFormat, 'text')
    .action(
      async (opts: {
        config: string;
        out: string;
        key: string;
        cache?: string;
        workers?: number;
        createdAt?: string;
        format: 'json' | 'text';
      }) => {
        if (!existsSync(opts.key))
          throw new CliError(`--key ${opts.key} does not exist (create one with axilla models keygen)`);
        const controller = new AbortController();
        const onSigint = () => controller.abort();
        process.once('SIGINT', onSigint);
        try {
          const config = readTrainConfig(opts.config);
          const expected = path.join(config.model.id, config.model.version);
          if (!path.resolve(opts.out).endsWith(expected)) {
            throw new CliError(`--out must end in ${expected} (models/<id>/<version>), got ${opts.out}`);
          }
          const started = performance.now();
          const model = await train(config, {
            ...(opts.cache ? { cacheRoot: opts.cache } : {}),
            ...(opts.workers ? { workers: opts.workers } : {}),
            onProgress: progressPrinter(),
            signal: controller.signal,
          });
          const { renderTrainingReport } = await import('../report/html-report.ts');
          const command = `npm run axilla -- train --config ${opts.config} --out ${opts.out} --key <publisher key>${opts.createdAt ? ` --created-at ${opts.createdAt}` : ''}`;
          const bundle = await exportBundle(model, {
            outDir: opts.out,
            privateKeyPath: opts.key,
            command,
            reportHtml: renderTrainingReport(model.report),
            ...(opts.createdAt ? { createdAt: opts.createdAt } : {}),
          });
          const r = model.report;
          const summary = {
            bundle: bundle.dir,
            digest: bundle.digest,
            id: config.model.id,
            version: config.model.version,
            kind: config.model.kind,
            inputs: model.inputs.map((i) => i.name),
            threshold: model.threshold,
            training_auc: r.evaluation.training.scores.probability!.auc,
            optimism_corrected_auc: r.evaluation.optimism?.corrected ?? null,
            validation_auc: r.evaluation.validation?.scores.probability?.auc ?? null,
            steps: r.steps.map((s) => ({ step: s.step, input: s.input, kept: s.kept.length })),
            seconds: (performance.now() - started) / 1000,
          };
          if (opts.format === 'json') process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          else {
            process.stdout.write(
              [
                `bundle ${summary.id} ${summary.version} (${summary.kind}) written to ${summary.bundle}, digest ${summary.digest}`,
                ...summary.steps.map((s) => `  ${s.step}: ${s.input} → ${s.kept}`),
                `  inputs: ${summary.inputs.join(', ')}`,
                `  training AUC ${summary.training_auc.toFixed(3)}${summary.optimism_corrected_auc !== null ? `, optimism-corrected ${summary.optimism_corrected_auc.toFixed(3)}` : ''}${summary.validation_auc !== null ? `, validation AUC ${summary.validation_auc.toFixed(3)}` : ''}`,
                `  Youden threshold ${summary.threshold.toFixed(4)}; ${summary.seconds.toFixed(1)} s`,
                '',
              ].join('\n'),
            );
          }
        } catch (err) {
          if (err instanceof CohortExtractionAborted || controller.signal.aborted) {
            throw new CliError(
              'interrupted; finished extraction jobs are kept and the same command resumes',
              130,
            );
          }
          if (
            err instanceof TrainConfigError ||
            err instanceof TrainingError ||
            err instanceof FeatureTableError ||
            err instanceof ManifestError ||
            err instanceof CohortExtractionError ||
            err instanceof SettingsError ||
            err instanceof BackboneError
          ) {
            throw new CliError(err.message);
          }
          throw err;
        } finally {
          process.off('SIGINT', onSigint);
        }
      },
    );
}
