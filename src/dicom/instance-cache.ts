/**
 * Retrieved instances kept in memory by SOP Instance UID (a SOP Instance UID names one immutable
 * object, PS3.3 C.12.1.1.1, so its bytes never go stale), least recently used evicted first once
 * the byte budget is full. `CachingDicomSource` puts it in front of any DicomSource and counts
 * what came over the wire and what the cache answered, for the audit and the benchmark.
 */
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

export class InstanceCache {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get(uid: string): Uint8Array | undefined {
    const hit = this.entries.get(uid);
    if (hit) {
      // Re-insert: Map iteration order is insertion order, so the first key is the least recent.
      this.entries.delete(uid);
      this.entries.set(uid, hit);
    }
    return hit;
  }

  set(uid: string, value: Uint8Array): void {
    if (value.byteLength > this.maxBytes) return;
    const old = this.entries.get(uid);
    if (old) {
      this.bytes -= old.byteLength;
      this.entries.delete(uid);
    }
    this.entries.set(uid, value);
    this.bytes += value.byteLength;
    for (const [key, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= v.byteLength;
    }
  }

  get sizeBytes(): number {
    return this.bytes;
  }
}

export interface RetrievalCounters {
  /** Instances and bytes fetched from the source. */
  fetchedInstances: number;
  fetchedBytes: number;
  /** Instances and bytes the cache answered. */
  cachedInstances: number;
  cachedBytes: number;
}

export function emptyCounters(): RetrievalCounters {
  return { fetchedInstances: 0, fetchedBytes: 0, cachedInstances: 0, cachedBytes: 0 };
}

/** A DicomSource whose instance retrieval goes through an InstanceCache. */
export class CachingDicomSource implements DicomSource {
  constructor(
    private readonly source: DicomSource,
    private readonly cache: InstanceCache,
    readonly counters: RetrievalCounters = emptyCounters(),
  ) {}

  findStudies(query: StudyQuery): Promise<StudySummary[]> {
    return this.source.findStudies(query);
  }

  findSeries(studyInstanceUid: StudyUid): Promise<SeriesSummary[]> {
    return this.source.findSeries(studyInstanceUid);
  }

  findInstances(studyInstanceUid: StudyUid, seriesInstanceUid: SeriesUid): Promise<InstanceSummary[]> {
    return this.source.findInstances(studyInstanceUid, seriesInstanceUid);
  }

  /** Only the instances the cache lacks are asked for; the answer keeps the order of `sopInstanceUids`. */
  async retrieveInstances(
    studyInstanceUid: StudyUid,
    seriesInstanceUid: SeriesUid,
    sopInstanceUids?: readonly SopInstanceUid[],
  ): Promise<Uint8Array[]> {
    if (sopInstanceUids === undefined) {
      const listed = await this.source.findInstances(studyInstanceUid, seriesInstanceUid);
      return this.retrieveInstances(
        studyInstanceUid,
        seriesInstanceUid,
        listed.map((i) => i.sopInstanceUid),
      );
    }
    const out = sopInstanceUids.map((uid) => this.cache.get(uid));
    const missing = sopInstanceUids.filter((_, n) => out[n] === undefined);
    for (const hit of out) {
      if (!hit) continue;
      this.counters.cachedInstances += 1;
      this.counters.cachedBytes += hit.byteLength;
    }
    if (missing.length > 0) {
      const fetched = await this.source.retrieveInstances(studyInstanceUid, seriesInstanceUid, missing);
      const byUid = new Map(missing.map((uid, n) => [uid, fetched[n]!]));
      for (const [uid, bytes] of byUid) {
        this.cache.set(uid, bytes);
        this.counters.fetchedInstances += 1;
        this.counters.fetchedBytes += bytes.byteLength;
      }
      sopInstanceUids.forEach((uid, n) => {
        out[n] ??= byUid.get(uid);
      });
    }
    return out as Uint8Array[];
  }

  async close(): Promise<void> {
    await this.source.close?.();
  }
}
