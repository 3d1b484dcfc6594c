import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { writeCohort } from '../synth/cohort-writer.ts';
import { CliError } from './cli-error.ts';
import { parseFormat } from './config-option.ts';

function positiveInteger(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a positive integer, got ${v}`);
    return n;
  };
}

export function registerSynthCommand(program: Command): void {
  program
    .command('synth')
    .description(
      'generate a synthetic breast-MRI cohort: DICOM MR + SEG, FHIR bundles, cohort manifest, generating model',
    )
    .requiredOption('--patients <n>', 'number of patients', positiveInteger('--patients'))
    .requiredOption('--out <dir>', 'output folder')
    .option('--seed <seed>', 'seed; patient k depends only on (seed, k)', 'axilla')
    .option('--size <size>', 'small (cropped field of view, fast) or realistic (clinical matrices)', 'small')
    .option('--dicomweb-root <url>', 'DICOMweb address written into the FHIR ImagingStudy endpoint')
    .option('--empty-post-roi', 'edge case: complete responders get an empty post-NAT ROI')
    .option('--format <format>', 'json or text summary on stdout', parseFormat, 'text')
    .action(
      async (opts: {
        patients: number;
        out: string;
        seed: string;
        size: string;
        dicomwebRoot?: string;
        emptyPostRoi?: boolean;
        format: 'json' | 'text';
      }) => {
        if (opts.size !== 'small' && opts.size !== 'realistic')
          throw new CliError(`--size must be small or realistic, got ${opts.size}`);
        const bar = new SingleBar({
          format: 'synth [{bar}] {value}/{total} patients | {duration}s',
          stream: process.stderr,
          hideCursor: true,
        });
        bar.start(opts.patients, 0);
        const started = performance.now();
        const summary = await writeCohort({
          patients: opts.patients,
          seed: opts.seed,
          outDir: opts.out,
          size: opts.size,
          ...(opts.dicomwebRoot ? { dicomWebRoot: opts.dicomwebRoot } : {}),
          ...(opts.emptyPostRoi ? { emptyPostRoiForCompleteResponders: true } : {}),
          onProgress: (done) => bar.update(done),
        });
        bar.stop();
        const seconds = (performance.now() - started) / 1000;
        if (opts.format === 'json')
          process.stdout.write(`${JSON.stringify({ ...summary, seconds }, null, 2)}\n`);
        else
          process.stdout.write(
            `wrote ${summary.patients} patients (apCR ${(summary.apcrRate * 100).toFixed(0)}%) to ${summary.outDir}: ${summary.files} DICOM files, ${(summary.bytes / 1e6).toFixed(1)} MB, in ${seconds.toFixed(1)} s\n` +
              `manifest ${summary.manifestPath}\ngenerating model ${summary.generatingModelPath}\n`,
          );
      },
    );
}
