/**
 * `axilla extract-cohort`: radiomic features of every patient, time point and sequence of a cohort
 * manifest into one features table (src/cohort/extract-cohort.ts), with a progress bar on stderr,
 * resume after interruption, and a summary on stdout (JSON with `--format json`).
 *
 * Exit codes: 0 when the table was written and is usable (individual failed jobs, e.g. the empty
 * post-treatment ROI of a complete responder, are listed but do not fail the run); 1 when the
 * table was written but is unusable overall (no job succeeded, or a sequence has no ROI for any
 * patient); 2 for bad input refused before any job (manifest, parameter files, options); 130 when
 * interrupted (Ctrl-C): finished jobs are kept and the same command resumes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import {
  CohortExtractionAborted,
  CohortExtractionError,
  extractCohort,
  type CohortProgress,
  type ParameterFile,
} from '../cohort/extract-cohort.ts';
import { deepColumns } from '../cohort/deep-columns.ts';
import { COHORT_SEQUENCES, ManifestError, type CohortSequence } from '../cohort/manifest.ts';
import { BackboneError, ensureDemoBackbone, loadBackbone, type Backbone } from '../deep/backbone.ts';
import { SettingsError } from '../radiomics/settings.ts';
import { CliError } from './cli-error.ts';
import { parseFormat } from './config-option.ts';

function isSequence(v: string): v is CohortSequence {
  return (COHORT_SEQUENCES as readonly string[]).includes(v);
}

/** Reads a parameter file, refusing an unreadable one in one line. */
function readParams(file: string): ParameterFile {
  try {
    return { name: file, text: readFileSync(file, 'utf8') };
  } catch (err) {
    throw new CliError(
      `cannot read parameter file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** Collects repeated `--params-for SEQ=FILE` options. */
function collectParamsFor(value: string, previous: [CohortSequence, string][]): [CohortSequence, string][] {
  const at = value.indexOf('=');
  const seq = at > 0 ? value.slice(0, at) : '';
  const file = at > 0 ? value.slice(at + 1) : '';
  if (!isSequence(seq) || file === '')
    throw new CliError(
      `--params-for must be SEQ=FILE with SEQ one of ${COHORT_SEQUENCES.join(', ')}, got ${value}`,
    );
  if (previous.some(([s]) => s === seq)) throw new CliError(`--params-for ${seq} given twice`);
  return [...previous, [seq, file]];
}

function parseSequences(value: string): CohortSequence[] {
  const list = value.split(',').map((s) => s.trim());
  const bad = list.filter((s) => !isSequence(s));
  if (bad.length > 0 || list.length === 0)
    throw new CliError(`--sequences must list some of ${COHORT_SEQUENCES.join(', ')}, got ${value}`);
  return [...new Set(list)] as CohortSequence[];
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--workers must be a positive integer, got ${value}`);
  return n;
}

/**
 * Progress on stderr: a bar on a terminal; otherwise plain lines (at most one a second, and the
 * last), so that logs of a batch job stay readable.
 */
function progressReporter(): { update: (p: CohortProgress) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format: 'extract-cohort [{bar}] {value}/{total} jobs | {current} | failed {failed} | {duration}s',
      stream: process.stderr,
      hideCursor: true,
    });
    let started = false;
    return {
      update: (p) => {
        // No patient identifiers in logs (DESIGN §6.4): the job is named by time point and sequence.
        const payload = { current: p.timePoint ? `${p.timePoint} ${p.sequence}` : '', failed: p.failed };
        if (!started) {
          bar.start(p.total, p.done, payload);
          started = true;
        } else bar.update(p.done, payload);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update: (p) => {
      const now = performance.now();
      if (p.done !== p.total && now - last < 1000) return;
      last = now;
      const current = p.timePoint ? ` (last: ${p.timePoint} ${p.sequence})` : '';
      process.stderr.write(
        `extract-cohort: ${p.done}/${p.total} jobs${current}, ${p.reused} reused, ${p.failed} failed\n`,
      );
    },
    stop: () => {},
  };
}

/** The site's backbone checked against its digest, or the generated demo one (labelled). */
async function openBackbone(file: string | undefined, sha256: string | undefined): Promise<Backbone> {
  try {
    if (file === undefined) {
      if (sha256 !== undefined) throw new CliError('--backbone-sha256 needs --backbone');
      const demo = await ensureDemoBackbone(path.resolve('var/backbones'));
      const backbone = await loadBackbone(demo.path, demo.sha256);
      process.stderr.write(`extract-cohort: deep features with ${backbone.label}\n`);
      return backbone;
    }
    return await loadBackbone(file, sha256);
  } catch (err) {
    if (err instanceof BackboneError) throw new CliError(err.message);
    throw err;
  }
}

export function registerExtractCohortCommand(program: Command): void {
  program
    .command('extract-cohort')
    .description(
      'extract radiomic features for every patient, time point and sequence of a cohort manifest into one table (pre, post, delta)',
    )
    .requiredOption('--manifest <file>', 'cohort manifest (CSV, as written by axilla synth)')
    .requiredOption('--out <file>', 'features table (CSV); the resume journal is <file>.journal.jsonl')
    .option(
      '--params <file>',
      'PyRadiomics parameter file (YAML) for every sequence; default: PyRadiomics defaults',
    )
    .option(
      '--params-for <SEQ=FILE>',
      `parameter file for one sequence (${COHORT_SEQUENCES.join(', ')}); repeatable`,
      collectParamsFor,
      [],
    )
    .option('--sequences <list>', `comma-separated subset of ${COHORT_SEQUENCES.join(',')}`, parseSequences)
    .option('--workers <n>', 'worker threads (default: available cores)', parseWorkers)
    .option('--restart', 'discard earlier results of this output and recompute everything')
    .option('--format <format>', 'json or text summary on stdout', parseFormat, 'text')
    .option('--deep', 'also write deep features DL_pre/post/delta_0001…2048 (docs/deep-features.md)')
    .option(
      '--backbone <file>',
      'ONNX backbone for --deep ([N,3,224,224] → [N,2048]); default: the generated demo ResNet-50 (demo weights, not ImageNet)',
    )
    .option('--backbone-sha256 <hex>', 'expected SHA-256 of --backbone (refused if it differs)')
    .option('--average-adjacent-slices', 'deep features: average slices k−1, k, k+1 (study variant)')
    .action(
      async (opts: {
        manifest: string;
        out: string;
        params?: string;
        paramsFor: [CohortSequence, string][];
        sequences?: CohortSequence[];
        workers?: number;
        restart?: boolean;
        format: 'json' | 'text';
        deep?: boolean;
        backbone?: string;
        backboneSha256?: string;
        averageAdjacentSlices?: boolean;
      }) => {
        if (!opts.deep && (opts.backbone || opts.backboneSha256 || opts.averageAdjacentSlices))
          throw new CliError('--backbone, --backbone-sha256 and --average-adjacent-slices need --deep');
        const backbone = opts.deep ? await openBackbone(opts.backbone, opts.backboneSha256) : undefined;
        const params = opts.params === undefined ? undefined : readParams(opts.params);
        const paramsBySequence = new Map(opts.paramsFor.map(([s, f]) => [s, readParams(f)] as const));
        const progress = progressReporter();
        const controller = new AbortController();
        const onSigint = () => controller.abort();
        process.once('SIGINT', onSigint);
        let summary;
        try {
          summary = await extractCohort({
            manifestPath: opts.manifest,
            outPath: opts.out,
            ...(params ? { params } : {}),
            paramsBySequence,
            ...(opts.sequences ? { sequences: opts.sequences } : {}),
            ...(opts.workers ? { workers: opts.workers } : {}),
            restart: opts.restart ?? false,
            onProgress: progress.update,
            signal: controller.signal,
            ...(backbone
              ? {
                  deep: deepColumns(path.dirname(path.resolve(opts.manifest)), backbone, {
                    averageAdjacentSlices: opts.averageAdjacentSlices ?? false,
                  }),
                }
              : {}),
          });
        } catch (err) {
          if (err instanceof CohortExtractionAborted) throw new CliError(err.message, 130);
          if (
            err instanceof CohortExtractionError ||
            err instanceof ManifestError ||
            err instanceof SettingsError
          )
            throw new CliError(err.message);
          throw err;
        } finally {
          progress.stop();
          process.removeListener('SIGINT', onSigint);
          await backbone?.close();
        }

        if (opts.format === 'json') process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else {
          const j = summary.jobs;
          process.stdout.write(
            `${summary.patients} patients: ${j.succeeded}/${j.total} jobs succeeded (${j.computed} computed, ${j.reused} reused) in ${summary.seconds.toFixed(1)} s\n` +
              `features table ${summary.outPath} (${summary.columns} columns)\n` +
              summary.failures.map((f) => `failed [${f.kind}]: ${f.reason}\n`).join(''),
          );
        }
        if (!summary.usable)
          throw new CliError(`features table written but unusable: ${summary.unusableReason}`, 1);
      },
    );
}
