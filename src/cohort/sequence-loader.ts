/**
 * Loads one (time point, sequence) of a cohort manifest row from its Part-10 files: the image
 * volume the tumour SEG was drawn on and the SEG's mask on that volume's grid.
 *
 * Which volume of a multi-volume series (DCE phase, DWI b value): the one whose instances the SEG
 * references. A SEG names its source images in the Common Instance Reference module
 * (Referenced Series Sequence > Referenced Instance Sequence, PS3.3 C.12.2) and per frame in the
 * Derivation Image Sequence (PS3.3 C.7.6.16.2.6); the Temporal Position Identifier (0020,0100) or
 * Diffusion b-value (0018,9087) of those instances selects the volume. Nothing is hard-coded: the
 * synthetic cohort's SEG_DCE_TEMPORAL_POSITION / SEG_DWI_B_VALUE are what this finds for it, and a
 * SEG that names no source instance of a multi-volume series is refused rather than guessed.
 *
 * Every refusal is a SequenceLoadError naming the patient, time point, sequence and file, with a
 * kind the batch engine reports: missing input, corrupt file, invalid series, SEG not matching its
 * image, or an empty ROI (e.g. no residual tumour after a complete response).
 */
import { readHeader } from '../dicom/folder-source.ts';
import { mapLimit } from '../util/map-limit.ts';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SeriesSelection } from '../dicom/series-decoder.ts';
import { decodeSeriesDetailed, type DecodedSeries } from '../dicom/series-decoder.ts';
import { decodeSegDetailed, type DecodedSegment } from '../dicom/seg-decoder.ts';
import { DicomError } from '../dicom/dicom-types.ts';
import {
  expectedPixelBytes,
  missingPixelBytes,
  num,
  parsePart10,
  str,
  type NaturalDataset,
} from '../dicom/part10.ts';
import { SEGMENTATION_STORAGE } from '../dicom/seg-writer.ts';
import { segReferencedInstances } from '../dicom/seg-references.ts';
import type { Mask, Volume } from '../imaging/volume.ts';
import type { CohortRow, CohortSequence, SequenceEntry, TimePoint } from './manifest.ts';

export type LoadFailureKind =
  'missing-input' | 'corrupt-file' | 'invalid-series' | 'seg-mismatch' | 'empty-roi';

/** What one job loads: a sequence of one study of one patient, as the manifest describes it. */
export interface SequenceTarget {
  patientId: string;
  timePoint: TimePoint;
  sequence: CohortSequence;
  entry: SequenceEntry;
}

export interface LoadSequenceOptions {
  /**
   * PyRadiomics' `geometryTolerance`: as in SimpleITK / ITK (ImageToImageFilter::
   * VerifyInputInformation), a coordinate tolerance relative to the image's first spacing and an
   * absolute tolerance on direction cosines. Absent or null: the SEG decoder's defaults
   * (0.01 mm, 1e-4).
   */
  geometryTolerance?: number | null;
  /** Segment to use when the SEG defines several (PyRadiomics `label` ↔ Segment Number). */
  segmentNumber?: number;
}

export interface LoadedSequence {
  image: Volume;
  mask: Mask;
  seriesInstanceUid: string;
  segSopInstanceUid: string;
  /** The volume chosen by the SEG's references (DCE phase / DWI b value), when the series has one. */
  selection: SeriesSelection;
  segmentNumber: number;
  roiVoxels: number;
}

/** A sequence that cannot be loaded, naming patient, time point, sequence and file. */
export class SequenceLoadError extends Error {
  override name = 'SequenceLoadError';
  constructor(
    readonly kind: LoadFailureKind,
    readonly target: Pick<SequenceTarget, 'patientId' | 'timePoint' | 'sequence'>,
    /** The file or folder at fault, relative to the manifest's folder. */
    readonly file: string,
    readonly detail: string,
  ) {
    super(`patient ${target.patientId}, ${target.timePoint} ${target.sequence}: ${detail} (${file})`);
  }
}

/** The target of one (time point, sequence) of a manifest row. */
export function sequenceTarget(
  row: CohortRow,
  timePoint: TimePoint,
  sequence: CohortSequence,
): SequenceTarget {
  return { patientId: row.patientId, timePoint, sequence, entry: row.studies[timePoint].sequences[sequence] };
}

interface ImageFile {
  rel: string;
  abs: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  temporalPositionIdentifier?: number;
  diffusionBValue?: number;
  /** Length of the Pixel Data value the header announces (undefined when it cannot tell). */
  expectedPixelBytes?: number;
}

/** Files open at once. */
const READ_CONCURRENCY = 16;

/** Files that are never instances of a series folder: hidden files and media directories. */
function isIgnorable(name: string): boolean {
  return name.startsWith('.') || name.toUpperCase() === 'DICOMDIR';
}

/** The message of an error (the decoders' messages do not name our files; the caller adds it). */
function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Refuses a file whose Pixel Data is cut short (part10.ts missingPixelBytes). */
function checkComplete(
  bytes: Uint8Array,
  expected: number | undefined,
  fail: (detail: string) => SequenceLoadError,
): void {
  if (expected === undefined) return;
  const missing = missingPixelBytes(bytes, expected);
  if (missing > 0)
    throw fail(`corrupt DICOM file: Pixel Data is cut short by ${missing} bytes (truncated file?)`);
}

/** Indexes the series folder's files by header; every file must be a DICOM instance. */
async function readImageHeaders(root: string, target: SequenceTarget): Promise<ImageFile[]> {
  const dirRel = target.entry.imageDir;
  const dir = path.join(root, dirRel);
  const fail = (kind: LoadFailureKind, file: string, detail: string) =>
    new SequenceLoadError(kind, target, file, detail);
  try {
    if (!(await stat(dir)).isDirectory()) throw fail('missing-input', dirRel, 'image folder is not a folder');
  } catch (err) {
    if (err instanceof SequenceLoadError) throw err;
    throw fail(
      'missing-input',
      dirRel,
      `image folder missing: ${(err as NodeJS.ErrnoException).code ?? reasonOf(err)}`,
    );
  }
  // Sorted so that errors and decoding order do not depend on the file system.
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && !isIgnorable(e.name))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw fail('missing-input', dirRel, 'image folder holds no files');
  return mapLimit(names, READ_CONCURRENCY, async (name) => {
    const rel = path.posix.join(dirRel, name);
    const abs = path.join(dir, name);
    let ds: NaturalDataset;
    try {
      ds = (await readHeader(abs)).dataset;
    } catch (err) {
      throw fail('corrupt-file', rel, `corrupt DICOM file: ${reasonOf(err)}`);
    }
    const sopInstanceUid = str(ds, 'SOPInstanceUID');
    const seriesInstanceUid = str(ds, 'SeriesInstanceUID');
    if (!sopInstanceUid || !seriesInstanceUid)
      throw fail('corrupt-file', rel, 'DICOM file without SOP Instance UID or Series Instance UID');
    const f: ImageFile = { rel, abs, sopInstanceUid, seriesInstanceUid };
    const expected = expectedPixelBytes(ds);
    if (expected !== undefined) f.expectedPixelBytes = expected;
    const tpi = num(ds, 'TemporalPositionIdentifier');
    const b = num(ds, 'DiffusionBValue');
    if (tpi !== undefined) f.temporalPositionIdentifier = tpi;
    if (b !== undefined) f.diffusionBValue = b;
    return f;
  });
}

function distinct(values: (number | undefined)[]): number[] {
  return [...new Set(values.filter((v): v is number => v !== undefined))].sort((a, b) => a - b);
}

/**
 * The volume of the series the SEG was drawn on, from the Temporal Position Identifier / b value
 * of the instances it references; refuses references to several volumes or to absent instances.
 */
function chooseVolume(
  files: ImageFile[],
  referenced: Set<string>,
  fail: (kind: LoadFailureKind, detail: string) => SequenceLoadError,
): SeriesSelection {
  const bySop = new Map(files.map((f) => [f.sopInstanceUid, f]));
  const absent = [...referenced].filter((uid) => !bySop.has(uid));
  if (absent.length > 0)
    throw fail(
      'seg-mismatch',
      `SEG does not match its image: it references ${absent.length} instance(s) not in the image folder (e.g. ${absent[0]})`,
    );
  const chosen = referenced.size > 0 ? files.filter((f) => referenced.has(f.sopInstanceUid)) : files;
  const selection: SeriesSelection = {};
  for (const [key, name] of [
    ['temporalPositionIdentifier', 'temporal positions'],
    ['diffusionBValue', 'b values'],
  ] as const) {
    const values = distinct(chosen.map((f) => f[key]));
    if (values.length > 1)
      throw fail(
        'seg-mismatch',
        referenced.size > 0
          ? `SEG does not match its image: it references instances of ${values.length} ${name} (${values.join(', ')})`
          : `SEG names no source instances, so the volume it was drawn on (${name} ${values.join(', ')}) is unknown`,
      );
    if (values.length === 1) selection[key] = values[0]!;
  }
  return selection;
}

/** Mentions of instance UIDs in a decoder message, mapped to their files. */
function filesNamedIn(message: string, files: ImageFile[]): string[] {
  return files.filter((f) => message.includes(f.sopInstanceUid)).map((f) => f.rel);
}

/** Decodes the selected volume; a failure names the file at fault when one can be found. */
async function decodeVolume(
  files: ImageFile[],
  selection: SeriesSelection,
  target: SequenceTarget,
): Promise<DecodedSeries> {
  const chosen = files.filter(
    (f) =>
      (selection.temporalPositionIdentifier === undefined ||
        f.temporalPositionIdentifier === selection.temporalPositionIdentifier) &&
      (selection.diffusionBValue === undefined || f.diffusionBValue === selection.diffusionBValue),
  );
  const bytes = await mapLimit(chosen, READ_CONCURRENCY, async (f) => {
    const b = new Uint8Array(await readFile(f.abs));
    checkComplete(b, f.expectedPixelBytes, (d) => new SequenceLoadError('corrupt-file', target, f.rel, d));
    return b;
  });
  try {
    return decodeSeriesDetailed(bytes, {
      select: selection,
      label: `${target.timePoint} ${target.sequence}`,
    });
  } catch (err) {
    if (!(err instanceof DicomError)) throw err;
    // A file whose header parsed but whose body does not (e.g. truncated Pixel Data).
    chosen.forEach((f, n) => {
      try {
        parsePart10(bytes[n]!, { nativeOnly: true });
      } catch (inner) {
        throw new SequenceLoadError('corrupt-file', target, f.rel, `corrupt DICOM file: ${reasonOf(inner)}`);
      }
    });
    const named = filesNamedIn(err.message, chosen);
    const pixelProblem = /Pixel Data/.test(err.message);
    throw new SequenceLoadError(
      pixelProblem && named.length === 1 ? 'corrupt-file' : 'invalid-series',
      target,
      named.length > 0 ? named.join(', ') : target.entry.imageDir,
      err.message,
    );
  }
}

/** The segment to use: `segmentNumber` when the SEG has it, else the SEG's only segment. */
function chooseSegment(
  segments: DecodedSegment[],
  wanted: number | undefined,
  fail: (kind: LoadFailureKind, detail: string) => SequenceLoadError,
): DecodedSegment {
  const exact = wanted === undefined ? undefined : segments.find((s) => s.segmentNumber === wanted);
  if (exact) return exact;
  if (segments.length === 1) return segments[0]!;
  throw fail(
    'seg-mismatch',
    `SEG defines segments ${segments.map((s) => s.segmentNumber).join(', ')} and none is segment ${wanted ?? '(unset)'}; choose one with the parameter file's label`,
  );
}

/** Loads the image volume the SEG was drawn on and the SEG's mask for one manifest target. */
export async function loadSequence(
  manifestDir: string,
  target: SequenceTarget,
  options: LoadSequenceOptions = {},
): Promise<LoadedSequence> {
  const { entry } = target;
  const segRel = entry.segPath;
  const segFail = (kind: LoadFailureKind, detail: string) =>
    new SequenceLoadError(kind, target, segRel, detail);

  const files = await readImageHeaders(manifestDir, target);
  const foreign = files.find((f) => f.seriesInstanceUid !== entry.seriesInstanceUid);
  if (foreign)
    throw new SequenceLoadError(
      'invalid-series',
      target,
      foreign.rel,
      `file belongs to series ${foreign.seriesInstanceUid}; the manifest names series ${entry.seriesInstanceUid}`,
    );

  let segBytes: Uint8Array;
  try {
    segBytes = new Uint8Array(await readFile(path.join(manifestDir, segRel)));
  } catch (err) {
    throw segFail(
      'missing-input',
      `SEG file missing: ${(err as NodeJS.ErrnoException).code ?? reasonOf(err)}`,
    );
  }
  let seg: NaturalDataset;
  try {
    seg = parsePart10(segBytes, { nativeOnly: true }).dataset;
  } catch (err) {
    throw segFail('corrupt-file', `corrupt DICOM file: ${reasonOf(err)}`);
  }
  checkComplete(segBytes, expectedPixelBytes(seg), (d) => segFail('corrupt-file', d));
  if (str(seg, 'SOPClassUID') !== SEGMENTATION_STORAGE)
    throw segFail(
      'seg-mismatch',
      `not a DICOM Segmentation (SOP Class ${str(seg, 'SOPClassUID') ?? 'absent'})`,
    );
  const segSop = str(seg, 'SOPInstanceUID') ?? '';
  if (segSop !== entry.segSopInstanceUid)
    throw segFail('seg-mismatch', `SEG is instance ${segSop}; the manifest names ${entry.segSopInstanceUid}`);

  const selection = chooseVolume(files, segReferencedInstances(seg, entry.seriesInstanceUid), segFail);
  const decoded = await decodeVolume(files, selection, target);

  const tol = options.geometryTolerance ?? null;
  let segments: DecodedSegment[];
  try {
    segments = decodeSegDetailed(
      segBytes,
      decoded,
      tol === null ? {} : { toleranceMm: tol * decoded.volume.spacingMm[0], orientationTolerance: tol },
    );
  } catch (err) {
    if (!(err instanceof DicomError)) throw err;
    throw segFail('seg-mismatch', `SEG does not match its image: ${err.message}`);
  }
  const segment = chooseSegment(segments, options.segmentNumber, segFail);
  let roiVoxels = 0;
  for (const v of segment.mask.data) roiVoxels += v;
  if (roiVoxels === 0)
    throw segFail(
      'empty-roi',
      `empty ROI: segment ${segment.segmentNumber} (${segment.label || 'unlabelled'}) has no segmented voxels`,
    );
  return {
    image: decoded.volume,
    mask: segment.mask,
    seriesInstanceUid: decoded.seriesInstanceUid,
    segSopInstanceUid: segSop,
    selection,
    segmentNumber: segment.segmentNumber,
    roiVoxels,
  };
}
