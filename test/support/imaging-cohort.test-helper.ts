/**
 * A one-patient synthetic cohort for the imaging safety tests, and ways to damage copies of it:
 * delete or edit DICOM files (DCMTK's dcmodify, the tool DESIGN §5 names for DICOM checks),
 * edit the patient's FHIR Bundle, and run the whole answer path (`runPredict`) over the copy.
 * The cohort is generated once per test file; each case works on its own copy, so cases do not
 * see each other's damage.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { runPredict } from '../../src/cli/predict-command.ts';
import { loadConfig } from '../../src/config/config.ts';
import {
  item,
  num,
  nums,
  parsePart10,
  pixelDataBytes,
  str,
  type NaturalDataset,
} from '../../src/dicom/part10.ts';
import { segReferencedSeries } from '../../src/dicom/seg-references.ts';
import { repoRoot } from '../../src/model/testing.ts';
import { writeCohort } from '../../src/synth/cohort-writer.ts';

const run = promisify(execFile);

/** The only patient of a 1-patient cohort (cohort-writer.ts names patient k `SYN000k+1`). */
export const PATIENT = 'SYN0001';

export type TimePoint = 'pre' | 'post';

/** Folders made by this module, removed by `removeTempFolders`. */
const made: string[] = [];

export async function tempFolder(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function removeTempFolders(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Writes the seeded 1-patient small cohort once; callers copy it before damaging it. */
export async function writeBaseCohort(seed: string): Promise<string> {
  const dir = await tempFolder('axilla-gating-base-');
  await writeCohort({ patients: 1, seed, outDir: dir, size: 'small' });
  return dir;
}

/** A private copy of the cohort to damage. */
export async function copyCohort(base: string): Promise<string> {
  const dir = await tempFolder('axilla-gating-case-');
  await cp(base, dir, { recursive: true });
  return dir;
}

/** `dicom/<patient>/<tp>/<sequence>/`, as cohort-writer.ts lays a study out. */
export function seriesDir(cohort: string, tp: TimePoint, sequence: string): string {
  return path.join(cohort, 'dicom', PATIENT, tp, sequence);
}

/** The SEG drawn on `sequence`: `dicom/<patient>/<tp>/SEG/<sequence>.dcm`. */
export function segFile(cohort: string, tp: TimePoint, sequence: string): string {
  return path.join(cohort, 'dicom', PATIENT, tp, 'SEG', `${sequence}.dcm`);
}

export async function seriesFiles(cohort: string, tp: TimePoint, sequence: string): Promise<string[]> {
  const dir = seriesDir(cohort, tp, sequence);
  return (await readdir(dir)).sort().map((f) => path.join(dir, f));
}

export async function readDataset(file: string, headerOnly = true): Promise<NaturalDataset> {
  return parsePart10(new Uint8Array(await readFile(file)), { headerOnly }).dataset;
}

/** The image files of `sequence` whose SOP Instance UIDs its SEG names (the ROI's volume). */
export async function segReferencedFiles(cohort: string, tp: TimePoint, sequence: string): Promise<string[]> {
  const seg = await readDataset(segFile(cohort, tp, sequence));
  const wanted = new Set(segReferencedSeries(seg).flatMap((s) => s.instances));
  const out: string[] = [];
  for (const file of await seriesFiles(cohort, tp, sequence)) {
    const uid = str(await readDataset(file), 'SOPInstanceUID');
    if (uid && wanted.has(uid)) out.push(file);
  }
  return out;
}

/**
 * The ROI volume of a BINARY SEG in mm³, read from the SEG alone: set bits of Pixel Data (frames
 * are packed without padding, PS3.5 §8.1.1, so only the last byte can hold unused bits, which
 * are zero) times the voxel size of the shared Pixel Measures functional group. Independent of
 * the pipeline's SEG decoder, which places the frames on the image grid.
 */
export async function segRoiVolumeMm3(file: string): Promise<number> {
  const ds = await readDataset(file, false);
  assertBinary(ds, file);
  const bits = pixelDataBytes(ds);
  if (!bits) throw new Error(`${file} has no Pixel Data`);
  let set = 0;
  for (const byte of bits) for (let b = byte; b > 0; b >>= 1) set += b & 1;
  const measures = item(item(ds, 'SharedFunctionalGroupsSequence') ?? {}, 'PixelMeasuresSequence') ?? {};
  const [row, column] = nums(measures, 'PixelSpacing') ?? [];
  const between = num(measures, 'SpacingBetweenSlices') ?? num(measures, 'SliceThickness');
  if (row === undefined || column === undefined || between === undefined)
    throw new Error(`${file} has no shared pixel measures`);
  return set * column * row * between;
}

function assertBinary(ds: NaturalDataset, file: string): void {
  if (str(ds, 'SegmentationType') !== 'BINARY') throw new Error(`${file} is not a BINARY SEG`);
}

/** Why the DICOM-editing cases cannot run here, or undefined when dcmodify is installed. */
export function dcmodifySkipReason(): string | undefined {
  try {
    execFileSync('dcmodify', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'DCMTK dcmodify is not installed (Debian package dcmtk)';
  }
}

/**
 * Runs dcmodify on `files` without backups (`-nb`); `edits` are its options, e.g.
 * `['-m', '(0008,0060)=CT']`. Values are passed as arguments, never through a shell.
 */
export async function dcmodify(files: readonly string[], edits: readonly string[]): Promise<void> {
  // A few hundred paths per call keeps the argument list far below the system limit.
  for (let n = 0; n < files.length; n += 200)
    await run('dcmodify', ['-nb', ...edits, ...files.slice(n, n + 200)]);
}

export function fhirBundleFile(cohort: string): string {
  return path.join(cohort, 'fhir', `${PATIENT}.json`);
}

/** Rewrites the patient's FHIR Bundle: `edit` returns the entries to keep, changed as it likes. */
export async function editFhirBundle(
  cohort: string,
  edit: (entries: BundleEntry[]) => BundleEntry[],
): Promise<void> {
  const file = fhirBundleFile(cohort);
  const bundle = JSON.parse(await readFile(file, 'utf8')) as Bundle;
  bundle.entry = edit(bundle.entry ?? []);
  await writeFile(file, `${JSON.stringify(bundle, null, 1)}\n`);
}

export async function readFhirResources(cohort: string): Promise<Resource[]> {
  const bundle = JSON.parse(await readFile(fhirBundleFile(cohort), 'utf8')) as Bundle;
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

export interface PredictCard {
  summary: string;
  indicator: string;
  detail: string;
}

export interface PredictProblem {
  code: string;
  message: string;
  timePoint?: TimePoint;
  sequence?: string;
}

export interface PredictResult {
  outcome: string;
  cards: PredictCard[];
  detail: {
    imagingProblems?: PredictProblem[];
    missing?: { input: string; reason?: string }[];
    fallback?: { model: { id: string; version: string }; output: { probability: number } };
    output?: { probability: number };
    [key: string]: unknown;
  };
}

export interface PredictOptions {
  /** Clinical fallback bundle id; `null` for none (default: the configured one). */
  fallbackModel?: string | null;
  /** DICOM folder to read instead of the cohort's `dicom/`. */
  dicomDir?: string;
  /** Bundle id to answer with (default: the imaging model radiomics-clinical-synthetic). */
  model?: string;
}

/**
 * `axilla predict` for the patient over the cohort's DICOM folder and FHIR Bundle, with the
 * shipped `radiomics-clinical-synthetic` bundle unless told otherwise, and a fresh configuration (embedded defaults, no
 * environment) whose relative paths are resolved from the repository root.
 */
export async function predictFor(cohort: string, o: PredictOptions = {}): Promise<PredictResult> {
  const config = loadConfig({ env: {} });
  config.models.dir = path.join(repoRoot, 'models');
  config.models.trustedKeys = path.join(repoRoot, 'models', 'trusted-publishers.jwks.json');
  config.cards.dir = path.join(repoRoot, 'cds-hooks');
  if (o.fallbackModel !== undefined) config.imaging.fallbackModel = o.fallbackModel;
  const result = await runPredict(
    {
      patient: PATIENT,
      dicom: o.dicomDir ?? path.join(cohort, 'dicom'),
      fhirBundle: fhirBundleFile(cohort),
      model: o.model ?? 'radiomics-clinical-synthetic',
      hook: 'order-sign',
    },
    config,
  );
  return result as unknown as PredictResult;
}
