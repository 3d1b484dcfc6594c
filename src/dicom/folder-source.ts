/**
 * A DicomSource over a folder tree of DICOM Part-10 files (PS3.10), e.g. a CD export or the
 * output of `axilla synth`. `FolderSource.open` walks the tree once and indexes every file by
 * its header (parsing stops before Pixel Data; only the first 64 KiB are read when the header
 * fits in them), keeping the index in memory; `refresh()` re-reads it.
 *
 * Nothing is dropped silently: a file that is not DICOM Part-10, cannot be parsed or lacks the
 * Study / Series / SOP Instance UIDs is listed in `skipped` with its path and the reason, and with
 * `strict: true` it makes `open` fail with a DicomError naming it. A DICOMDIR is listed in
 * `skipped` too but is never an error.
 */
import { mapLimit } from '../util/map-limit.ts';
import { open as openFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  DicomSource,
  InstanceSummary,
  SeriesSummary,
  SeriesUid,
  SopInstanceUid,
  StudyQuery,
  StudySummary,
  StudyUid,
} from './dicom-types.ts';
import { DicomError } from './dicom-types.ts';
import { hasDicmPrefix, num, parsePart10, str, type Part10 } from './part10.ts';

export interface FolderSourceOptions {
  /** Fail when any file is not a usable DICOM instance (default false: list it in `skipped`). */
  strict?: boolean;
  /** Files read at once while indexing (default 16). */
  concurrency?: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
  /** False for files that are DICOM but not instances (DICOMDIR): never a strict-mode error. */
  error: boolean;
}

interface IndexedInstance {
  path: string;
  patientId: string;
  studyInstanceUid: StudyUid;
  seriesInstanceUid: SeriesUid;
  sopInstanceUid: SopInstanceUid;
  sopClassUid: string;
  modality: string;
  instanceNumber?: number;
  studyDate?: string;
  studyDescription?: string;
  seriesNumber?: number;
  seriesDescription?: string;
}

const HEAD_BYTES = 64 * 1024;
/** Media Storage Directory Storage (PS3.10 §8.6): a DICOMDIR. */
const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';

/** Every regular file below `dir`, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return listFiles(p);
      return e.isFile() ? [p] : [];
    }),
  );
  return nested.flat().sort();
}

/**
 * Parses the header of a Part-10 file, reading only its head when the header fits in it (so that
 * choosing one volume of a multi-volume series does not read the others' pixel data).
 */
export async function readHeader(file: string): Promise<Part10> {
  const handle = await openFile(file, 'r');
  let head: Uint8Array;
  let size: number;
  try {
    size = (await handle.stat()).size;
    const buffer = new Uint8Array(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (!hasDicmPrefix(head)) throw new DicomError('not a DICOM Part-10 file (no DICM prefix)');
  if (size <= head.length) return parsePart10(head, { headerOnly: true });
  try {
    const p = parsePart10(head, { headerOnly: true });
    if (p.hasPixelData) return p;
  } catch {
    // The header is longer than the head: read the whole file below.
  }
  return parsePart10(new Uint8Array(await readFile(file)), { headerOnly: true });
}

function byInstanceOrder(a: IndexedInstance, b: IndexedInstance): number {
  return (a.instanceNumber ?? Infinity) - (b.instanceNumber ?? Infinity) || a.path.localeCompare(b.path);
}

export class FolderSource implements DicomSource {
  private instances: IndexedInstance[] = [];
  private bySop = new Map<string, IndexedInstance>();
  private skippedFiles: SkippedFile[] = [];

  private constructor(
    readonly root: string,
    private readonly options: FolderSourceOptions,
  ) {}

  /** Indexes the folder tree under `dir`. */
  static async open(dir: string, options: FolderSourceOptions = {}): Promise<FolderSource> {
    const source = new FolderSource(path.resolve(dir), options);
    await source.refresh();
    return source;
  }

  /** Files that were not indexed, with the reason (paths relative to the root). */
  get skipped(): readonly SkippedFile[] {
    return this.skippedFiles;
  }

  /** Number of indexed instances. */
  get size(): number {
    return this.instances.length;
  }

  /** Re-reads the folder tree. */
  async refresh(): Promise<void> {
    let files: string[];
    try {
      files = await listFiles(this.root);
    } catch (err) {
      throw new DicomError(`cannot read DICOM folder ${this.root}: ${(err as Error).message}`);
    }
    const results = await mapLimit(files, this.options.concurrency ?? 16, async (file) => {
      const rel = path.relative(this.root, file);
      try {
        return { file, rel, header: await readHeader(file) };
      } catch (err) {
        return {
          file,
          rel,
          reason: err instanceof DicomError ? err.message : `cannot read: ${(err as Error).message}`,
        };
      }
    });
    const instances: IndexedInstance[] = [];
    const bySop = new Map<string, IndexedInstance>();
    const skipped: SkippedFile[] = [];
    for (const r of results) {
      if (!('header' in r) || !r.header) {
        skipped.push({ path: r.rel, reason: r.reason ?? 'unreadable', error: true });
        continue;
      }
      const { dataset: ds, meta } = r.header;
      if (str(meta, 'MediaStorageSOPClassUID') === MEDIA_STORAGE_DIRECTORY) {
        skipped.push({ path: r.rel, reason: 'DICOMDIR (media directory), not an instance', error: false });
        continue;
      }
      const studyInstanceUid = str(ds, 'StudyInstanceUID');
      const seriesInstanceUid = str(ds, 'SeriesInstanceUID');
      const sopInstanceUid = str(ds, 'SOPInstanceUID');
      const sopClassUid = str(ds, 'SOPClassUID') ?? str(meta, 'MediaStorageSOPClassUID');
      if (!studyInstanceUid || !seriesInstanceUid || !sopInstanceUid || !sopClassUid) {
        skipped.push({
          path: r.rel,
          reason: 'DICOM file without Study / Series / SOP Instance UID or SOP Class UID',
          error: true,
        });
        continue;
      }
      const earlier = bySop.get(sopInstanceUid);
      if (earlier) {
        skipped.push({
          path: r.rel,
          reason: `duplicate SOP Instance UID ${sopInstanceUid} (also in ${path.relative(this.root, earlier.path)})`,
          error: true,
        });
        continue;
      }
      const entry: IndexedInstance = {
        path: r.file,
        patientId: str(ds, 'PatientID') ?? '',
        studyInstanceUid: studyInstanceUid as StudyUid,
        seriesInstanceUid: seriesInstanceUid as SeriesUid,
        sopInstanceUid: sopInstanceUid as SopInstanceUid,
        sopClassUid,
        modality: str(ds, 'Modality') ?? '',
      };
      const optional = {
        instanceNumber: num(ds, 'InstanceNumber'),
        studyDate: str(ds, 'StudyDate'),
        studyDescription: str(ds, 'StudyDescription'),
        seriesNumber: num(ds, 'SeriesNumber'),
        seriesDescription: str(ds, 'SeriesDescription'),
      };
      for (const [k, v] of Object.entries(optional)) {
        if (v !== undefined && v !== '') Object.assign(entry, { [k]: v });
      }
      instances.push(entry);
      bySop.set(sopInstanceUid, entry);
    }
    const errors = skipped.filter((s) => s.error);
    if (this.options.strict && errors.length > 0) {
      const shown = errors
        .slice(0, 5)
        .map((s) => `${s.path}: ${s.reason}`)
        .join('; ');
      throw new DicomError(
        `${errors.length} file(s) in ${this.root} are not usable DICOM instances: ${shown}` +
          (errors.length > 5 ? `; and ${errors.length - 5} more` : ''),
      );
    }
    instances.sort(byInstanceOrder);
    this.instances = instances;
    this.bySop = bySop;
    this.skippedFiles = skipped;
  }

  async findStudies(query: StudyQuery): Promise<StudySummary[]> {
    const studies = new Map<string, StudySummary>();
    for (const i of this.instances) {
      if (query.studyDateFrom !== undefined && !(i.studyDate && i.studyDate >= query.studyDateFrom)) continue;
      if (query.patientId !== undefined && i.patientId !== query.patientId) continue;
      if (query.studyInstanceUid !== undefined && i.studyInstanceUid !== query.studyInstanceUid) continue;
      let s = studies.get(i.studyInstanceUid);
      if (!s) {
        s = { studyInstanceUid: i.studyInstanceUid, patientId: i.patientId, modalities: [] };
        if (i.studyDate) s.studyDate = i.studyDate;
        if (i.studyDescription) s.studyDescription = i.studyDescription;
        studies.set(i.studyInstanceUid, s);
      }
      if (i.modality && !s.modalities.includes(i.modality)) s.modalities.push(i.modality);
    }
    return [...studies.values()].map((s) => ({ ...s, modalities: s.modalities.sort() }));
  }

  async findSeries(studyInstanceUid: StudyUid): Promise<SeriesSummary[]> {
    const series = new Map<string, SeriesSummary>();
    for (const i of this.instances) {
      if (i.studyInstanceUid !== studyInstanceUid) continue;
      let s = series.get(i.seriesInstanceUid);
      if (!s) {
        s = {
          studyInstanceUid,
          seriesInstanceUid: i.seriesInstanceUid,
          modality: i.modality,
          numberOfInstances: 0,
        };
        if (i.seriesNumber !== undefined) s.seriesNumber = i.seriesNumber;
        if (i.seriesDescription) s.seriesDescription = i.seriesDescription;
        series.set(i.seriesInstanceUid, s);
      }
      s.numberOfInstances = (s.numberOfInstances ?? 0) + 1;
    }
    return [...series.values()].sort((a, b) => (a.seriesNumber ?? Infinity) - (b.seriesNumber ?? Infinity));
  }

  async findInstances(studyInstanceUid: StudyUid, seriesInstanceUid: SeriesUid): Promise<InstanceSummary[]> {
    return this.seriesInstances(studyInstanceUid, seriesInstanceUid).map((i) => {
      const s: InstanceSummary = {
        studyInstanceUid: i.studyInstanceUid,
        seriesInstanceUid: i.seriesInstanceUid,
        sopInstanceUid: i.sopInstanceUid,
        sopClassUid: i.sopClassUid,
      };
      if (i.instanceNumber !== undefined) s.instanceNumber = i.instanceNumber;
      return s;
    });
  }

  async retrieveInstances(
    studyInstanceUid: StudyUid,
    seriesInstanceUid: SeriesUid,
    sopInstanceUids?: readonly SopInstanceUid[],
  ): Promise<Uint8Array[]> {
    let wanted: IndexedInstance[];
    if (sopInstanceUids) {
      wanted = sopInstanceUids.map((uid) => {
        const i = this.bySop.get(uid);
        if (!i || i.seriesInstanceUid !== seriesInstanceUid || i.studyInstanceUid !== studyInstanceUid) {
          throw new DicomError(`instance ${uid} of series ${seriesInstanceUid} is not in ${this.root}`);
        }
        return i;
      });
    } else {
      wanted = this.seriesInstances(studyInstanceUid, seriesInstanceUid);
      if (wanted.length === 0) {
        throw new DicomError(
          `series ${seriesInstanceUid} of study ${studyInstanceUid} is not in ${this.root}`,
        );
      }
    }
    return mapLimit(wanted, this.options.concurrency ?? 16, async (i) => {
      try {
        return new Uint8Array(await readFile(i.path));
      } catch (err) {
        throw new DicomError(`cannot read ${path.relative(this.root, i.path)}: ${(err as Error).message}`);
      }
    });
  }

  /** File path of an indexed instance. */
  pathOf(sopInstanceUid: SopInstanceUid): string | undefined {
    return this.bySop.get(sopInstanceUid)?.path;
  }

  async close(): Promise<void> {
    this.instances = [];
    this.bySop.clear();
  }

  private seriesInstances(studyInstanceUid: StudyUid, seriesInstanceUid: SeriesUid): IndexedInstance[] {
    return this.instances.filter(
      (i) => i.studyInstanceUid === studyInstanceUid && i.seriesInstanceUid === seriesInstanceUid,
    );
  }
}
