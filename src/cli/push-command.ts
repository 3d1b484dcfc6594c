import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Bundle, Endpoint } from '@medplum/fhirtypes';
import { SingleBar } from 'cli-progress';
import type { InsecureHttpPolicy } from '../config/config.ts';
import { listFiles } from '../dicom/folder-source.ts';
import { pushDicom, pushFhirBundle } from '../dicom/push.ts';
import { ENDPOINT_ID } from '../synth/fhir-bundle.ts';
import { CliError } from './cli-error.ts';
import { parseFormat } from './config-option.ts';

/** The ImagingStudy endpoint must name the server the images were actually pushed to. */
function withEndpoint(bundle: Bundle, dicomWebRoot: string): Bundle {
  for (const e of bundle.entry ?? []) {
    if (e.resource?.resourceType === 'Endpoint' && e.resource.id === ENDPOINT_ID)
      (e.resource as Endpoint).address = dicomWebRoot;
  }
  return bundle;
}

export function registerPushCommand(program: Command): void {
  program
    .command('push')
    .description('load a synthetic cohort into a PACS (STOW-RS) and a FHIR server (transactions)')
    .requiredOption('--cohort <dir>', 'cohort folder written by axilla synth')
    .option('--dicomweb <url>', 'DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web')
    .option('--fhir <url>', 'FHIR base URL')
    .option('--allow-insecure-http', 'allow plain http to non-loopback servers (loopback is always allowed)')
    .option('--format <format>', 'json or text', parseFormat, 'text')
    .action(
      async (opts: {
        cohort: string;
        dicomweb?: string;
        fhir?: string;
        allowInsecureHttp?: boolean;
        format: 'json' | 'text';
      }) => {
        if (!opts.dicomweb && !opts.fhir) throw new CliError('give --dicomweb, --fhir or both');
        const policy: InsecureHttpPolicy = opts.allowInsecureHttp ? true : 'loopback';
        const result: Record<string, unknown> = {};
        if (opts.dicomweb) {
          const files = await listFiles(path.join(opts.cohort, 'dicom')).catch(() => {
            throw new CliError(`no dicom/ folder in ${opts.cohort}`);
          });
          const bar = new SingleBar({
            format: 'STOW-RS [{bar}] {value}/{total} files',
            stream: process.stderr,
          });
          bar.start(files.length, 0);
          let stored = 0;
          const failed: unknown[] = [];
          // Chunks keep the progress bar moving; each chunk is itself batched by pushDicom.
          for (let n = 0; n < files.length; n += 200) {
            const r = await pushDicom(files.slice(n, n + 200), opts.dicomweb, { allowInsecureHttp: policy });
            stored += r.stored;
            failed.push(...r.failed);
            bar.update(Math.min(n + 200, files.length));
          }
          bar.stop();
          result.dicom = { stored, failed };
          if (failed.length > 0)
            throw new CliError(`${failed.length} DICOM files were not stored: ${JSON.stringify(failed[0])}`);
        }
        if (opts.fhir) {
          const dir = path.join(opts.cohort, 'fhir');
          const bundles = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.json')).sort();
          if (bundles.length === 0) throw new CliError(`no FHIR bundles in ${dir}`);
          for (const f of bundles) {
            const bundle = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as Bundle;
            await pushFhirBundle(opts.fhir, opts.dicomweb ? withEndpoint(bundle, opts.dicomweb) : bundle, {
              allowInsecureHttp: policy,
            });
          }
          result.fhir = { bundles: bundles.length };
        }
        process.stdout.write(
          opts.format === 'json'
            ? `${JSON.stringify(result, null, 2)}\n`
            : `pushed: ${JSON.stringify(result)}\n`,
        );
      },
    );
}
