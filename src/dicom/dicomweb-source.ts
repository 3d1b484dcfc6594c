/**
 * DicomSource over DICOMweb (QIDO-RS to find, WADO-RS to retrieve), through dicomweb-client with
 * the checks of dicomweb-http.ts. Answers are cross-checked, never trusted: a study found for a
 * Patient ID must carry exactly that Patient ID (Orthanc matches PatientID case-insensitively and
 * with wildcards), a retrieved instance must be the one asked for, and a series is complete
 * only when every instance QIDO-RS listed, and as many as the series reports, came back.
 */
import {
  DicomError,
  type DicomSource,
  type InstanceSummary,
  type SeriesSummary,
  type SeriesUid,
  type SopInstanceUid,
  type StudyQuery,
  type StudySummary,
  type StudyUid,
} from './dicom-types.ts';
import {
  DicomWebError,
  DicomWebTransport,
  redactUrl,
  type DicomJsonDataset,
  type DicomWebTransportOptions,
} from './dicomweb-http.ts';
import { parsePart10, str } from './part10.ts';
import { isValidUid } from './uid.ts';

export interface DicomWebSourceOptions extends DicomWebTransportOptions {
  /**
   * How `retrieveInstances` without a UID list fetches a series: one WADO-RS request per
   * instance, `maxConcurrent` at a time (default; each instance has its own deadline and
   * retries), or the whole series in one multipart answer (`series`; one deadline for all).
   */
  seriesRetrieval?: 'instances' | 'series';
  /** QIDO-RS page size (`limit` / `offset`) for instance lists; 500 when absent. */
  qidoPageSize?: number;
}

// QIDO-RS return keys (PS3.18 Table 6.7.1-2). Orthanc 1.10 with DICOMweb 1.7 ignores a
// comma-separated includefield once it is percent-encoded, as dicomweb-client always does, so
// each query asks for the one attribute that is not a required return key at its level.
const STUDY_INCLUDE = '00081030'; // StudyDescription
const SERIES_INCLUDE = '0008103E'; // SeriesDescription
const INSTANCE_INCLUDE = '00200013'; // InstanceNumber (required, asked for servers that skip it)
const MAX_QIDO_PAGES = 200;

export class DicomWebSource implements DicomSource {
  private readonly transport: DicomWebTransport;
  private readonly seriesRetrieval: 'instances' | 'series';
  private readonly pageSize: number;
  private readonly maxConcurrent: number;

  constructor(options: DicomWebSourceOptions) {
    this.transport = new DicomWebTransport(options);
    this.maxConcurrent = options.maxConcurrent;
    this.seriesRetrieval = options.seriesRetrieval ?? 'instances';
    this.pageSize = options.qidoPageSize ?? 500;
  }

  get url(): string {
    return this.transport.baseUrl;
  }

  async findStudies(query: StudyQuery): Promise<StudySummary[]> {
    if (
      query.patientId === undefined &&
      query.studyInstanceUid === undefined &&
      query.studyDateFrom === undefined
    ) {
      throw new DicomError('findStudies needs a Patient ID, a Study Instance UID or a first study date');
    }
    if (query.studyDateFrom !== undefined && !/^\d{8}$/.test(query.studyDateFrom)) {
      throw new DicomError(`findStudies: study date ${JSON.stringify(query.studyDateFrom)} is not YYYYMMDD`);
    }
    if (query.patientId !== undefined && query.patientId.trim() === '') {
      throw new DicomError('findStudies: empty Patient ID');
    }
    const params: Record<string, string> = { includefield: STUDY_INCLUDE };
    if (query.patientId !== undefined) params.PatientID = query.patientId;
    // DICOM range matching (PS3.4 C.2.2.2.5): "from-" is every date from that day on.
    if (query.studyDateFrom !== undefined) params.StudyDate = `${query.studyDateFrom}-`;
    if (query.studyInstanceUid !== undefined) {
      assertUid(query.studyInstanceUid, 'Study Instance UID');
      params.StudyInstanceUID = query.studyInstanceUid;
    }
    const found = await this.transport.search({ of: 'studies' }, params);
    return (
      found
        .map((ds, n) => toStudy(ds, n))
        // Exact matches only: QIDO matching may be case-insensitive or treat * and ? as wildcards.
        .filter((s) => query.patientId === undefined || s.patientId === query.patientId)
        .filter((s) => query.studyInstanceUid === undefined || s.studyInstanceUid === query.studyInstanceUid)
    );
  }

  async findSeries(studyInstanceUid: StudyUid): Promise<SeriesSummary[]> {
    assertUid(studyInstanceUid, 'Study Instance UID');
    const found = await this.transport.search(
      { of: 'series', study: studyInstanceUid },
      { includefield: SERIES_INCLUDE },
    );
    return found.map((ds, n) => toSeries(ds, n, studyInstanceUid));
  }

  async findInstances(studyInstanceUid: StudyUid, seriesInstanceUid: SeriesUid): Promise<InstanceSummary[]> {
    assertUid(studyInstanceUid, 'Study Instance UID');
    assertUid(seriesInstanceUid, 'Series Instance UID');
    const out: InstanceSummary[] = [];
    const seen = new Set<string>();
    for (let page = 0; ; page += 1) {
      if (page >= MAX_QIDO_PAGES) {
        throw new DicomError(
          `QIDO-RS instance list has more than ${MAX_QIDO_PAGES} pages; refusing to go on`,
        );
      }
      const found = await this.transport.search(
        { of: 'instances', study: studyInstanceUid, series: seriesInstanceUid },
        {
          includefield: INSTANCE_INCLUDE,
          limit: String(this.pageSize),
          offset: String(page * this.pageSize),
        },
      );
      let added = 0;
      for (const [n, ds] of found.entries()) {
        const inst = toInstance(ds, n, studyInstanceUid, seriesInstanceUid);
        if (seen.has(inst.sopInstanceUid)) continue;
        seen.add(inst.sopInstanceUid);
        out.push(inst);
        added += 1;
      }
      // A short page ends the list; a page of repeats means the server ignores `offset`.
      if (found.length < this.pageSize || added === 0) break;
    }
    return out.sort(byInstanceNumber);
  }

  async retrieveInstances(
    studyInstanceUid: StudyUid,
    seriesInstanceUid: SeriesUid,
    sopInstanceUids?: readonly SopInstanceUid[],
  ): Promise<Uint8Array[]> {
    assertUid(studyInstanceUid, 'Study Instance UID');
    assertUid(seriesInstanceUid, 'Series Instance UID');
    if (sopInstanceUids !== undefined) {
      for (const uid of sopInstanceUids) assertUid(uid, 'SOP Instance UID');
      if (new Set(sopInstanceUids).size !== sopInstanceUids.length) {
        throw new DicomError('retrieveInstances: the SOP Instance UID list has duplicates');
      }
      return this.retrieveEach(studyInstanceUid, seriesInstanceUid, sopInstanceUids);
    }
    const listed = await this.completeInstanceList(studyInstanceUid, seriesInstanceUid);
    const uids = listed.map((i) => i.sopInstanceUid);
    if (this.seriesRetrieval === 'instances')
      return this.retrieveEach(studyInstanceUid, seriesInstanceUid, uids);
    const files = await this.transport.retrieveSeries(studyInstanceUid, seriesInstanceUid);
    return inOrder(files, uids, seriesInstanceUid);
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  /**
   * The QIDO-RS instance list, checked against the series' own count (0020,1209) so that a
   * server that silently caps query results cannot make a series look complete.
   */
  private async completeInstanceList(study: StudyUid, series: SeriesUid): Promise<InstanceSummary[]> {
    const [instances, seriesList] = await Promise.all([
      this.findInstances(study, series),
      this.transport.search({ of: 'series', study }, { SeriesInstanceUID: series }),
    ]);
    const summary = seriesList
      .map((ds, n) => toSeries(ds, n, study))
      .find((s) => s.seriesInstanceUid === series);
    if (summary?.numberOfInstances !== undefined && summary.numberOfInstances !== instances.length) {
      throw new DicomWebError(
        `series ${series}: QIDO-RS lists ${instances.length} instances but the series reports ${summary.numberOfInstances} (result limit on the server, or the series is still arriving)`,
        'mismatch',
        redactUrl(`${this.transport.baseUrl}/studies/${study}/series/${series}/instances`),
      );
    }
    return instances;
  }

  /**
   * One WADO-RS request per instance, `maxConcurrent` workers pulling from the list. After the
   * first failure no new request starts; the ones in flight finish (each has its deadline) and
   * the first error is thrown, so nothing keeps running behind the caller's back.
   */
  private async retrieveEach(
    study: StudyUid,
    series: SeriesUid,
    uids: readonly SopInstanceUid[],
  ): Promise<Uint8Array[]> {
    const results = new Array<Uint8Array>(uids.length);
    let next = 0;
    let firstError: unknown;
    const worker = async (): Promise<void> => {
      while (firstError === undefined && next < uids.length) {
        const n = next;
        next += 1;
        const uid = uids[n] as SopInstanceUid;
        try {
          const bytes = await this.transport.retrieveInstance(study, series, uid);
          assertIdentity(bytes, uid, series);
          results[n] = bytes;
        } catch (err) {
          firstError ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.maxConcurrent, uids.length) }, worker));
    if (firstError !== undefined) throw firstError;
    return results;
  }
}

// ----- DICOM JSON → summaries -------------------------------------------------------------------

function value(ds: DicomJsonDataset, tag: string): unknown {
  return ds[tag]?.Value?.[0];
}

function text(ds: DicomJsonDataset, tag: string): string | undefined {
  const v = value(ds, tag);
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function integer(ds: DicomJsonDataset, tag: string): number | undefined {
  const v = value(ds, tag);
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

function requiredUid<K extends string>(ds: DicomJsonDataset, tag: string, what: string, n: number): K {
  const v = text(ds, tag);
  if (v === undefined || !isValidUid(v)) {
    throw new DicomError(`QIDO-RS result ${n + 1} has no valid ${what} (${tag})`);
  }
  return v as K;
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

function toStudy(ds: DicomJsonDataset, n: number): StudySummary {
  const modalities = (ds['00080061']?.Value ?? []).filter((m): m is string => typeof m === 'string');
  return {
    studyInstanceUid: requiredUid<'Study'>(ds, '0020000D', 'Study Instance UID', n) as StudyUid,
    // A study without a Patient ID never matches a Patient ID query (filtered by the caller).
    patientId: text(ds, '00100020') ?? '',
    ...optional('studyDate', text(ds, '00080020')),
    ...optional('studyDescription', text(ds, '00081030')),
    modalities,
  };
}

function toSeries(ds: DicomJsonDataset, n: number, study: StudyUid): SeriesSummary {
  const studyUid = text(ds, '0020000D');
  if (studyUid !== undefined && studyUid !== study) {
    throw new DicomError(`QIDO-RS series result ${n + 1} belongs to study ${studyUid}, not ${study}`);
  }
  return {
    studyInstanceUid: study,
    seriesInstanceUid: requiredUid<'Series'>(ds, '0020000E', 'Series Instance UID', n) as SeriesUid,
    modality: text(ds, '00080060') ?? '',
    ...optional('seriesNumber', integer(ds, '00200011')),
    ...optional('seriesDescription', text(ds, '0008103E')),
    ...optional('numberOfInstances', integer(ds, '00201209')),
  };
}

function toInstance(ds: DicomJsonDataset, n: number, study: StudyUid, series: SeriesUid): InstanceSummary {
  const seriesUid = text(ds, '0020000E');
  if (seriesUid !== undefined && seriesUid !== series) {
    throw new DicomError(`QIDO-RS instance result ${n + 1} belongs to series ${seriesUid}, not ${series}`);
  }
  return {
    studyInstanceUid: study,
    seriesInstanceUid: series,
    sopInstanceUid: requiredUid<'SOPInstance'>(ds, '00080018', 'SOP Instance UID', n) as SopInstanceUid,
    sopClassUid: requiredUid(ds, '00080016', 'SOP Class UID', n),
    ...optional('instanceNumber', integer(ds, '00200013')),
  };
}

function byInstanceNumber(a: InstanceSummary, b: InstanceSummary): number {
  const d = (a.instanceNumber ?? Number.MAX_SAFE_INTEGER) - (b.instanceNumber ?? Number.MAX_SAFE_INTEGER);
  return d !== 0 ? d : a.sopInstanceUid < b.sopInstanceUid ? -1 : a.sopInstanceUid > b.sopInstanceUid ? 1 : 0;
}

// ----- identity checks ----------------------------------------------------------------------------

function assertUid(value: string, what: string): void {
  if (!isValidUid(value)) throw new DicomError(`${what} ${JSON.stringify(value)} is not a valid DICOM UID`);
}

/** The SOP Instance and Series UIDs inside the bytes (header only; pixel data is not read). */
function identity(bytes: Uint8Array): { sop?: string; series?: string } {
  const { meta, dataset } = parsePart10(bytes, { headerOnly: true, source: 'WADO-RS instance' });
  return {
    sop: str(dataset, 'SOPInstanceUID') ?? str(meta, 'MediaStorageSOPInstanceUID'),
    series: str(dataset, 'SeriesInstanceUID'),
  };
}

function assertIdentity(bytes: Uint8Array, sop: string, series: string): void {
  const id = identity(bytes);
  if (id.sop !== sop || (id.series !== undefined && id.series !== series)) {
    throw new DicomWebError(
      `WADO-RS returned instance ${id.sop ?? '(no SOP Instance UID)'} of series ${id.series ?? '?'} when ${sop} of series ${series} was asked for`,
      'mismatch',
      '(instance retrieval)',
    );
  }
}

/** The files of a whole-series answer in the order of `uids`; every listed instance must be there. */
function inOrder(files: Uint8Array[], uids: readonly SopInstanceUid[], series: SeriesUid): Uint8Array[] {
  const bySop = new Map<string, Uint8Array>();
  for (const f of files) {
    const id = identity(f);
    if (id.sop === undefined) throw new DicomError('a WADO-RS series part has no SOP Instance UID');
    if (id.series !== undefined && id.series !== series) {
      throw new DicomWebError(
        `WADO-RS series answer holds instance ${id.sop} of series ${id.series}, not ${series}`,
        'mismatch',
        '(series retrieval)',
      );
    }
    bySop.set(id.sop, f);
  }
  const missing = uids.filter((u) => !bySop.has(u));
  if (missing.length > 0) {
    throw new DicomWebError(
      `WADO-RS series answer lacks ${missing.length} of the ${uids.length} instances QIDO-RS listed (first: ${missing[0]})`,
      'mismatch',
      '(series retrieval)',
    );
  }
  return uids.map((u) => bySop.get(u) as Uint8Array);
}
