import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { readNifti } from '../imaging/nifti.ts';
import { ImageReadError, readNrrd } from '../imaging/nrrd.ts';
import type { Volume } from '../imaging/volume.ts';
import { extractWithDiagnostics } from '../radiomics/extractor.ts';
import { RoiError } from '../radiomics/roi.ts';
import { defaultSettings, parseSettingsYaml, SettingsError } from '../radiomics/settings.ts';
import { CliError } from './cli-error.ts';

/** NRRD or NIfTI by file name; one-line errors for unreadable or unsupported files. */
async function readVolume(file: string, what: string): Promise<Volume> {
  try {
    if (/\.nii(\.gz)?$/i.test(file)) return await readNifti(file);
    if (!/\.nrrd$/i.test(file)) throw new CliError(`${what} ${file}: expected a .nrrd, .nii or .nii.gz file`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new CliError(
        `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    return readNrrd(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
  } catch (err) {
    if (err instanceof ImageReadError) throw new CliError(err.message);
    throw err;
  }
}

function parseLabel(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--label must be a positive integer, got ${v}`);
  return n;
}

function parseExtractFormat(v: string): 'json' | 'csv' {
  if (v !== 'json' && v !== 'csv') throw new CliError(`--format must be json or csv, got ${v}`);
  return v;
}

export function registerExtractCommand(program: Command): void {
  program
    .command('extract')
    .description(
      'compute PyRadiomics-compatible radiomic features of an ROI (NRRD or NIfTI image and label map)',
    )
    .requiredOption('--image <file>', 'image (.nrrd, .nii, .nii.gz)')
    .requiredOption('--mask <file>', 'label map on the image grid (.nrrd, .nii, .nii.gz)')
    .option(
      '--params <file>',
      'PyRadiomics parameter file (YAML); default: PyRadiomics defaults, all classes',
    )
    .option('--label <n>', 'label value of the ROI (overrides the parameter file)', parseLabel)
    .option(
      '--format <format>',
      'json (one flat object) or csv (name,value rows)',
      parseExtractFormat,
      'json',
    )
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--diagnostics', 'include diagnostics_* entries')
    .action(
      async (opts: {
        image: string;
        mask: string;
        params?: string;
        label?: number;
        format: 'json' | 'csv';
        out?: string;
        diagnostics?: boolean;
      }) => {
        let settings;
        try {
          if (opts.params === undefined) settings = defaultSettings();
          else {
            let text: string;
            try {
              text = readFileSync(opts.params, 'utf8');
            } catch (err) {
              throw new CliError(
                `cannot read parameter file ${opts.params}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
              );
            }
            settings = parseSettingsYaml(text, opts.params);
          }
          if (opts.label !== undefined) settings.label = opts.label;
          const image = await readVolume(opts.image, 'image');
          const mask = await readVolume(opts.mask, 'mask');
          const { features, diagnostics } = extractWithDiagnostics(image, mask, settings);
          const result: Record<string, unknown> = opts.diagnostics
            ? { ...diagnostics, ...features }
            : features;
          const text =
            opts.format === 'json'
              ? `${JSON.stringify(result, null, 2)}\n`
              : stringify([
                  ['name', 'value'],
                  ...Object.entries(result).map(([k, v]) => [
                    k,
                    Array.isArray(v) ? `(${v.join(', ')})` : String(v),
                  ]),
                ]);
          if (opts.out) writeFileSync(opts.out, text);
          else process.stdout.write(text);
        } catch (err) {
          if (err instanceof SettingsError || err instanceof RoiError) throw new CliError(err.message);
          throw err;
        }
      },
    );
}
