/**
 * A model bundle made ready for the imaging pipeline: what it needs from the images, its series
 * rules, and per (time point, sequence) the PyRadiomics settings narrowed to the features it
 * reads. Built once when the service loads the bundle; a bundle whose rules or parameter files do
 * not fit its inputs is not served.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClinicalInputs, MissingInput, ResourceProvenance } from '../../fhir/clinical-inputs.ts';
import type { LoadedBundle } from '../../model/bundle-types.ts';
import { clinicalVector } from '../clinical-features.ts';
import { settingsForFeatures } from '../../radiomics/feature-subset.ts';
import { parseSettingsYaml, type ExtractionSettings } from '../../radiomics/settings.ts';
import {
  DEEP_SEQUENCES,
  imagingNeeds,
  IMAGING_TIME_POINTS,
  type ImagingNeeds,
  type ImagingTimePoint,
} from './imaging-needs.ts';
import { parseSeriesSelection, type SeriesSelectionRules } from './series-rules.ts';

export interface ImagingModel {
  bundle: LoadedBundle;
  needs: ImagingNeeds;
  rules: SeriesSelectionRules;
  /** Full settings of each sequence's parameter file (geometry tolerance, label). */
  settings: Map<string, ExtractionSettings>;
  /** Settings narrowed to the features needed, per time point and sequence. */
  narrowed: Record<ImagingTimePoint, Map<string, ExtractionSettings>>;
  /** Imaging modality of the studies (the rules' modality, e.g. MR). */
  modality: string;
  clinicalInputNames: string[];
}

/**
 * The model's clinical input values by name, or what is missing. NAT is always required: the
 * pre- and post-NAT studies are placed around its dates.
 */
export function imagingClinicalValues(
  model: ImagingModel,
  inputs: ClinicalInputs,
):
  | { ok: true; values: Record<string, number>; provenance: ResourceProvenance[] }
  | { ok: false; missing: MissingInput[] } {
  const required = [...new Set([...model.bundle.manifest.requiredClinicalInputs, 'NAT' as const])];
  const vector = clinicalVector(model.clinicalInputNames, required, inputs);
  if (!vector.ok) return vector;
  const values = Object.fromEntries(model.clinicalInputNames.map((n, i) => [n, vector.values[i]!]));
  return { ok: true, values, provenance: vector.provenance };
}

export class ImagingModelError extends Error {
  override name = 'ImagingModelError';
}

export async function prepareImagingModel(bundle: LoadedBundle): Promise<ImagingModel> {
  const { manifest } = bundle;
  const fail = (message: string) => new ImagingModelError(`model bundle ${bundle.dir}: ${message}`);
  try {
    const needs = imagingNeeds(manifest);
    const sequences = [...new Set(IMAGING_TIME_POINTS.flatMap((tp) => needs.sequences[tp]))];
    const rules = parseSeriesSelection(manifest.seriesSelection, sequences);
    const settings = new Map<string, ExtractionSettings>();
    const settingsSequences = new Set([...sequences.filter((s) => manifest.extraction[s] !== undefined)]);
    for (const sequence of settingsSequences) {
      const file = manifest.extraction[sequence]!;
      const text = await readFile(path.join(bundle.dir, file), 'utf8');
      settings.set(sequence, parseSettingsYaml(text, file));
    }
    if (needs.deep && !bundle.deepPca) throw fail('deep inputs need deepPca');
    if (needs.deep)
      for (const s of DEEP_SEQUENCES) if (!rules[s]) throw fail(`deep features need a ${s} series rule`);
    const narrowed = { pre: new Map(), post: new Map() } as ImagingModel['narrowed'];
    for (const tp of IMAGING_TIME_POINTS)
      for (const [sequence, names] of needs.radiomics[tp]) {
        const full = settings.get(sequence);
        if (!full) throw fail(`no extraction parameter file for ${sequence}`);
        narrowed[tp].set(sequence, settingsForFeatures(full, names));
      }
    const modalities = [...new Set(Object.values(rules).map((r) => r.modality))];
    if (modalities.length !== 1)
      throw fail(`series rules name several modalities (${modalities.join(', ')})`);
    return {
      bundle,
      needs,
      rules,
      settings,
      narrowed,
      modality: modalities[0]!,
      clinicalInputNames: manifest.inputs.filter((i) => i.source === 'clinical').map((i) => i.name),
    };
  } catch (err) {
    if (err instanceof ImagingModelError) throw err;
    throw fail((err as Error).message);
  }
}
