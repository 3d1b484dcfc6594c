/**
 * One imaging prediction, after the studies are chosen: locate the series and SEGs, retrieve and
 * decode only the instances the SEGs were drawn on, extract the radiomic features the bundle
 * reads (the one extractor), the deep features through the pinned backbone and the bundle's PCA,
 * assemble the ordered input vector and run the classifier. Every UID used, the time per stage
 * and the bytes retrieved are returned for the audit and the benchmark.
 */
import type { DicomSource } from '../../dicom/dicom-types.ts';
import {
  CachingDicomSource,
  emptyCounters,
  type InstanceCache,
  type RetrievalCounters,
} from '../../dicom/instance-cache.ts';
import type { BackboneStore } from '../../deep/backbone-store.ts';
import { deltaFeatures, extractDeepFeatures } from '../../deep/deep-features.ts';
import { extractFeatures } from '../../radiomics/extractor.ts';
import type { StudyCandidate } from './locate-studies.ts';
import { ImagingGateError, TIME_POINT_WORDS, type ImagingProblem } from './imaging-problem.ts';
import { IMAGING_TIME_POINTS, parseRadiomicsInput, type ImagingTimePoint } from './imaging-needs.ts';
import type { ExtractionPool } from './extraction-pool.ts';
import type { ImagingModel } from './imaging-model.ts';
import { loadLocated, type LoadedRoiImage } from './load-located.ts';
import { locateSeries, type LocatedSeries } from './locate-series.ts';

export type PipelineStage = 'locate' | 'retrieve' | 'extract' | 'deep' | 'infer';

export interface SeriesTrace {
  timePoint: ImagingTimePoint;
  sequence: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesDescription?: string;
  matchedBy: 'attributes' | 'description';
  temporalPositionIdentifier?: number;
  diffusionBValue?: number;
  sopInstanceUids: string[];
  seg: { seriesInstanceUid: string; sopInstanceUid: string; segmentNumber?: number };
  roiVoxels?: number;
  roiVolumeMm3?: number;
}

export interface ImagingTrace {
  studies: Record<ImagingTimePoint, StudyCandidate>;
  series: SeriesTrace[];
  deep?: { backboneSha256: string; backboneLabel: string; slices: Record<ImagingTimePoint, number[]> };
  retrieval: RetrievalCounters;
  /**
   * Milliseconds per stage: retrieve (with decoding) until the last volume is decoded; extract,
   * the radiomics still running after that (extraction overlaps retrieval).
   */
  timingsMs: Partial<Record<PipelineStage, number>>;
}

export interface ImagingFeatureVector {
  names: string[];
  values: number[];
}

export interface ImagingComputation {
  probability: number;
  features: ImagingFeatureVector;
  trace: ImagingTrace;
}

export interface ImagingDeps {
  source: DicomSource;
  cache: InstanceCache;
  backbones: BackboneStore;
  /** Worker threads for radiomics; without it extraction runs on this thread. */
  pool?: ExtractionPool;
}

export interface ImagingRequest {
  studies: Record<ImagingTimePoint, StudyCandidate>;
  /** Values of the bundle's clinical inputs, by input name. */
  clinical: Record<string, number>;
  /** Checked between stages: a stopped job gives up instead of finishing. */
  signal?: AbortSignal;
}

/** Thrown when the imaging part fails after tracing began; carries the partial trace for the audit. */
export class ImagingComputationError extends ImagingGateError {
  constructor(
    problems: ImagingProblem[],
    readonly trace: ImagingTrace,
  ) {
    super(problems);
  }
}

function traceOf(l: LocatedSeries, loaded?: LoadedRoiImage): SeriesTrace {
  return {
    timePoint: l.timePoint,
    sequence: l.sequence,
    studyInstanceUid: l.studyInstanceUid,
    seriesInstanceUid: l.seriesInstanceUid,
    ...(l.seriesDescription ? { seriesDescription: l.seriesDescription } : {}),
    matchedBy: l.matchedBy,
    ...(l.attributes.temporalPositionIdentifier !== undefined
      ? { temporalPositionIdentifier: l.attributes.temporalPositionIdentifier }
      : {}),
    ...(l.attributes.diffusionBValue !== undefined ? { diffusionBValue: l.attributes.diffusionBValue } : {}),
    sopInstanceUids: [...l.instanceUids],
    seg: {
      seriesInstanceUid: l.seg.seriesInstanceUid,
      sopInstanceUid: l.seg.sopInstanceUid,
      ...(loaded ? { segmentNumber: loaded.segmentNumber } : {}),
    },
    ...(loaded ? { roiVoxels: loaded.roiVoxels, roiVolumeMm3: loaded.roiVolumeMm3 } : {}),
  };
}

/**
 * After parallel stages: an unexpected error is rethrown as is; otherwise every imaging problem
 * of every branch is reported together, not only the first.
 */
function throwProblems(settled: readonly PromiseSettledResult<unknown>[]): void {
  const rejected = settled.flatMap((x) => (x.status === 'rejected' ? [x.reason as unknown] : []));
  const unexpected = rejected.find((r) => !(r instanceof ImagingGateError));
  if (unexpected !== undefined) throw unexpected;
  const problems = rejected.flatMap((r) => (r as ImagingGateError).problems);
  if (problems.length > 0) throw new ImagingGateError(problems);
}

export async function computeImaging(
  model: ImagingModel,
  deps: ImagingDeps,
  request: ImagingRequest,
): Promise<ImagingComputation> {
  const counters = emptyCounters();
  const source = new CachingDicomSource(deps.source, deps.cache, counters);
  const trace: ImagingTrace = { studies: request.studies, series: [], retrieval: counters, timingsMs: {} };
  let clock = performance.now();
  const lap = (stage: PipelineStage) => {
    request.signal?.throwIfAborted();
    const now = performance.now();
    trace.timingsMs[stage] = (trace.timingsMs[stage] ?? 0) + (now - clock);
    clock = now;
  };
  const { needs, rules } = model;
  try {
    // Locate: both studies at once; every problem of both is reported together.
    const settled = await Promise.allSettled(
      IMAGING_TIME_POINTS.map((tp) =>
        locateSeries(source, request.studies[tp].studyInstanceUid, tp, needs.sequences[tp], rules),
      ),
    );
    throwProblems(settled);
    const located = Object.fromEntries(
      IMAGING_TIME_POINTS.map((tp, n) => [
        tp,
        (settled[n] as PromiseFulfilledResult<Map<string, LocatedSeries>>).value,
      ]),
    ) as Record<ImagingTimePoint, Map<string, LocatedSeries>>;
    for (const tp of IMAGING_TIME_POINTS) for (const l of located[tp].values()) trace.series.push(traceOf(l));
    lap('locate');

    // Retrieve and decode every needed series (the transport bounds the parallel requests); each
    // ROI's radiomics starts as soon as its volume is decoded — on the worker pool when there is
    // one — so extraction overlaps the retrieval of the other series.
    const jobs = IMAGING_TIME_POINTS.flatMap((tp) => [...located[tp].values()]);
    const loaded = { pre: new Map(), post: new Map() } as Record<
      ImagingTimePoint,
      Map<string, LoadedRoiImage>
    >;
    const radiomic = new Map<string, number>();
    let lastLoaded = clock;
    const loadedAndExtracted = await Promise.allSettled(
      jobs.map(async (l, n) => {
        const settings = model.settings.get(l.sequence);
        const image = await loadLocated(source, l, {
          geometryTolerance: settings?.geometryTolerance ?? null,
          ...(settings ? { segmentNumber: settings.label } : {}),
          minRoiVolumeMm3: rules[l.sequence]!.minRoiVolumeMm3,
        });
        loaded[l.timePoint].set(l.sequence, image);
        trace.series[n] = traceOf(l, image);
        lastLoaded = Math.max(lastLoaded, performance.now());
        const narrowed = model.narrowed[l.timePoint].get(l.sequence);
        if (!narrowed) return;
        const s = { ...narrowed, label: 1 };
        let values: Record<string, number>;
        if (deps.pool) values = await deps.pool.extract(image.image, image.mask, s);
        else {
          // Let timers (the hook's deadline) and I/O run before this thread is busy.
          await new Promise((resolve) => setImmediate(resolve));
          values = extractFeatures(image.image, image.mask, s);
        }
        for (const [name, v] of Object.entries(values))
          radiomic.set(`${l.sequence}_${l.timePoint}_${name}`, v);
      }),
    );
    throwProblems(loadedAndExtracted);
    // retrieve = until the last volume was decoded; extract = the radiomics left after that.
    request.signal?.throwIfAborted();
    trace.timingsMs.retrieve = lastLoaded - clock;
    clock = lastLoaded;
    lap('extract');

    let components: Float64Array | undefined;
    if (needs.deep) {
      const spec = model.bundle.manifest.deepBackbone!;
      const backbone = await deps.backbones.get(spec.sha256);
      const perTp = {} as Record<ImagingTimePoint, Float32Array>;
      const slices = {} as Record<ImagingTimePoint, number[]>;
      for (const tp of IMAGING_TIME_POINTS) {
        const l = loaded[tp];
        const result = await extractDeepFeatures(
          backbone,
          {
            dce: l.get('DCE')!.image,
            dwi: l.get('DWI')!.image,
            t2: l.get('T2')!.image,
            mask: l.get('DCE')!.mask,
          },
          { averageAdjacentSlices: spec.averageAdjacentSlices ?? false },
        );
        perTp[tp] = result.features;
        slices[tp] = result.slicesUsed;
      }
      const blocks = {
        DL_pre: perTp.pre,
        DL_post: perTp.post,
        DL_delta: deltaFeatures(perTp.pre, perTp.post),
      };
      const pca = model.bundle.manifest.deepPca!;
      const joined = new Float64Array(pca.dimension * pca.blocks.length);
      pca.blocks.forEach((b, n) => joined.set(blocks[b], n * pca.dimension));
      components = await model.bundle.deepPca!.project(joined);
      trace.deep = { backboneSha256: backbone.sha256, backboneLabel: backbone.label, slices };
      lap('deep');
    }

    // The ordered vector: radiomics (delta = post − pre), deep components, clinical values.
    const names = model.bundle.manifest.inputs.map((i) => i.name);
    const sequences = Object.keys(model.bundle.manifest.extraction);
    const bad: ImagingProblem[] = [];
    const values = model.bundle.manifest.inputs.map((input) => {
      let v: number | undefined;
      if (input.source === 'clinical') v = request.clinical[input.name];
      else if (input.source === 'deep') v = components![Number(input.name.slice(5)) - 1];
      else {
        const p = parseRadiomicsInput(input.name, sequences)!;
        v =
          p.timePoint === 'delta'
            ? radiomic.get(`${p.sequence}_post_${p.feature}`)! -
              radiomic.get(`${p.sequence}_pre_${p.feature}`)!
            : radiomic.get(`${p.sequence}_${p.timePoint}_${p.feature}`);
      }
      if (v === undefined || !Number.isFinite(v)) {
        const p = parseRadiomicsInput(input.name, sequences);
        bad.push({
          code: 'corrupt-dicom',
          ...(p && p.timePoint !== 'delta' ? { timePoint: p.timePoint, sequence: p.sequence } : {}),
          message: `model input ${input.name} is not a finite number on these images${p && p.timePoint !== 'delta' ? ` (${TIME_POINT_WORDS[p.timePoint]} ${p.sequence})` : ''}`,
        });
      }
      return v ?? NaN;
    });
    if (bad.length > 0) throw new ImagingGateError(bad);
    const probability = await model.bundle.predict(values);
    lap('infer');
    return { probability, features: { names, values }, trace };
  } catch (err) {
    if (err instanceof ImagingGateError && !(err instanceof ImagingComputationError))
      throw new ImagingComputationError(err.problems, trace);
    throw err;
  }
}
