import type { ClinicalInputs, MissingInput, ResourceProvenance } from '../fhir/clinical-inputs.ts';
import type { LoadedBundle } from '../model/bundle-types.ts';
import { clinicalVector } from './clinical-features.ts';

export type Prediction =
  | {
      kind: 'prediction';
      probability: number;
      /** The exact vector the classifier saw, by input name, for the audit. */
      features: { names: string[]; values: number[] };
      provenance: ResourceProvenance[];
      threshold?: number;
      atOrAboveThreshold?: boolean;
    }
  | { kind: 'cannot-compute'; missing: MissingInput[] };

/**
 * The `infer` stage for a clinical-only bundle (the registry serves no other kind yet): the
 * ordered input vector from the clinical inputs, then the bundle's classifier.
 */
export async function predict(bundle: LoadedBundle, inputs: ClinicalInputs): Promise<Prediction> {
  const { manifest } = bundle;
  const names = manifest.inputs.map((i) => i.name);
  const vector = clinicalVector(names, manifest.requiredClinicalInputs, inputs);
  if (!vector.ok) return { kind: 'cannot-compute', missing: vector.missing };
  const probability = await bundle.predict(vector.values);
  const threshold = manifest.threshold === 'not available' ? undefined : manifest.threshold.value;
  return {
    kind: 'prediction',
    probability,
    features: { names, values: vector.values },
    provenance: vector.provenance,
    ...(threshold === undefined ? {} : { threshold, atOrAboveThreshold: probability >= threshold }),
  };
}
