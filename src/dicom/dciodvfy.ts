/**
 * Runs dicom3tools' `dciodvfy` (IOD and attribute validator, DESIGN §5) on Part-10 bytes and
 * parses its report into errors and warnings. Used by the tests on every object we write and by
 * the CLI; when the binary is absent the result says so instead of failing.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface DciodvfyResult {
  /** False when `dciodvfy` is not installed; `errors` and `warnings` are then empty. */
  available: boolean;
  /** The IOD dciodvfy recognised (its first report line, e.g. `MRImage`). */
  iod?: string;
  /** `Error - …` lines, without the prefix. */
  errors: string[];
  /** `Warning - …` lines, without the prefix. */
  warnings: string[];
  /** Why validation did not run, when `available` is false. */
  message?: string;
}

export const DCIODVFY = process.env['DCIODVFY'] ?? 'dciodvfy';

let availability: Promise<boolean> | undefined;

/** Whether the `dciodvfy` binary can be run (checked once per process). */
export function dciodvfyAvailable(): Promise<boolean> {
  availability ??= new Promise((resolve) => {
    execFile(DCIODVFY, ['-help'], (err) => {
      resolve(!(err && (err as NodeJS.ErrnoException).code === 'ENOENT'));
    });
  });
  return availability;
}

/** Splits dciodvfy's report into IOD name, errors and warnings. */
export function parseDciodvfyReport(report: string): Pick<DciodvfyResult, 'iod' | 'errors' | 'warnings'> {
  const errors: string[] = [];
  const warnings: string[] = [];
  let iod: string | undefined;
  for (const raw of report.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('Error - ')) errors.push(line.slice(8));
    else if (line.startsWith('Warning - ')) warnings.push(line.slice(10));
    else if (iod === undefined && /^[A-Za-z0-9]+$/.test(line)) iod = line;
    else if (/^Error/i.test(line)) errors.push(line);
    else if (/^Warning/i.test(line)) warnings.push(line);
  }
  return { iod, errors, warnings };
}

/** Validates one Part-10 object with dciodvfy. */
export async function validateDicom(bytes: Uint8Array): Promise<DciodvfyResult> {
  if (!(await dciodvfyAvailable())) {
    return {
      available: false,
      errors: [],
      warnings: [],
      message: `${DCIODVFY} not found (install the Debian package dicom3tools)`,
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'axilla-dciodvfy-'));
  const file = path.join(dir, 'object.dcm');
  try {
    await writeFile(file, bytes);
    const report = await new Promise<string>((resolve, reject) => {
      // dciodvfy writes its report on stderr and exits non-zero for some failures; the report
      // is what counts.
      execFile(DCIODVFY, [file], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') reject(err);
        else resolve(`${stdout}\n${stderr}`);
      });
    });
    return { available: true, ...parseDciodvfyReport(report) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
