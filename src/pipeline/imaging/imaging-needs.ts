/**
 * What a model bundle needs from the images: which (time point, sequence) pairs must be located,
 * retrieved and decoded, which radiomic features of each, and whether deep features are needed.
 * Derived from the manifest's input names (DESIGN §4: `DCE_pre_…`, `T2_delta_…`, `DL_pc001…`),
 * so nothing is extracted that the classifier does not read.
 */
import type { BundleManifest } from '../../model/manifest.ts';

export type ImagingTimePoint = 'pre' | 'post';
export const IMAGING_TIME_POINTS: readonly ImagingTimePoint[] = ['pre', 'post'];

/** The sequences the deep-feature composite reads (R, G, B = DCE, DWI, T2). */
export const DEEP_SEQUENCES = ['DCE', 'DWI', 'T2'] as const;

export interface ImagingNeeds {
  /** Sequences to locate and load per time point. */
  sequences: Record<ImagingTimePoint, string[]>;
  /** PyRadiomics feature names to extract, by time point then sequence. */
  radiomics: Record<ImagingTimePoint, Map<string, Set<string>>>;
  /** Deep features through the backbone and the bundle's PCA. */
  deep: boolean;
}

export class ImagingNeedsError extends Error {
  override name = 'ImagingNeedsError';
}

/** Splits `DCE_delta_original_glcm_Contrast` into sequence, time point and PyRadiomics name. */
export function parseRadiomicsInput(
  name: string,
  sequences: readonly string[],
): { sequence: string; timePoint: ImagingTimePoint | 'delta'; feature: string } | undefined {
  const m = /^([A-Za-z0-9]+)_(pre|post|delta)_(.+)$/.exec(name);
  if (!m || !sequences.includes(m[1]!)) return undefined;
  return { sequence: m[1]!, timePoint: m[2] as ImagingTimePoint | 'delta', feature: m[3]! };
}

export function imagingNeeds(manifest: BundleManifest): ImagingNeeds {
  const extractionSequences = Object.keys(manifest.extraction);
  const radiomics: ImagingNeeds['radiomics'] = { pre: new Map(), post: new Map() };
  const add = (tp: ImagingTimePoint, sequence: string, feature: string) => {
    let set = radiomics[tp].get(sequence);
    if (!set) radiomics[tp].set(sequence, (set = new Set()));
    set.add(feature);
  };
  for (const input of manifest.inputs) {
    if (input.source !== 'radiomics') continue;
    const parsed = parseRadiomicsInput(input.name, extractionSequences);
    if (!parsed) {
      throw new ImagingNeedsError(
        `radiomics input ${input.name} does not start with a sequence of the bundle's extraction (${extractionSequences.join(', ')}) and pre_, post_ or delta_`,
      );
    }
    // delta = post − pre (the studies' definition), so a delta input needs both time points.
    const tps: ImagingTimePoint[] = parsed.timePoint === 'delta' ? ['pre', 'post'] : [parsed.timePoint];
    for (const tp of tps) add(tp, parsed.sequence, parsed.feature);
  }
  const deep = manifest.inputs.some((i) => i.source === 'deep');
  const sequences = {} as Record<ImagingTimePoint, string[]>;
  for (const tp of IMAGING_TIME_POINTS) {
    const set = new Set(radiomics[tp].keys());
    if (deep) for (const s of DEEP_SEQUENCES) set.add(s);
    sequences[tp] = [...set].sort();
  }
  return { sequences, radiomics, deep };
}

/** True when the bundle reads anything from images. */
export function needsImaging(needs: ImagingNeeds): boolean {
  return needs.deep || IMAGING_TIME_POINTS.some((tp) => needs.sequences[tp].length > 0);
}
