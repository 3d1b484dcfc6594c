/**
 * The answer of the active model to one patient (hook calls and `axilla predict`). For a model
 * that reads images, in order: the clinical inputs the model
 * needs (receptor status unknown → "cannot compute", as for the clinical model); the pre- and
 * post-NAT studies; then the precomputed result by content key, or the prediction job queued and
 * awaited up to the deadline, past which an "analysis in progress" card answers and the job goes
 * on. When only the imaging part is impossible, the clinical fallback model's result is shown,
 * labelled as such, if one is configured.
 */
import type { ImagingStudy } from '@medplum/fhirtypes';
import type { ClinicalInputs } from '../fhir/clinical-inputs.ts';
import type { ImagingResult, ImagingService, WaitOutcome } from '../jobs/imaging-service.ts';
import type { LoadedBundle } from '../model/bundle-types.ts';
import { readsImages } from '../model/manifest.ts';
import { imagingClinicalValues } from '../pipeline/imaging/imaging-model.ts';
import { ImagingGateError, type ImagingProblem } from '../pipeline/imaging/imaging-problem.ts';
import { predict } from '../pipeline/predict.ts';
import type { AuditOutcome } from '../store/audit-store.ts';
import type { CardWording } from './card-wording.ts';
import { cannotComputeCard, modelFacts, predictionCard, type Card, type ModelFacts } from './cards.ts';
import {
  clinicalFallbackCard,
  imagingInputsLine,
  imagingUnavailableCard,
  inProgressCard,
} from './imaging-cards.ts';

export interface ImagingAnswerDeps {
  wording: CardWording;
  imaging: ImagingService | undefined;
  /** The clinical model shown, labelled, when the imaging part cannot be computed. */
  fallbackModel: () => LoadedBundle | undefined;
  deadlineMs: number;
}

export interface ImagingAnswerRequest {
  hook: string;
  patientId: string;
  imagingStudies: readonly ImagingStudy[];
  inputs: ClinicalInputs;
  bundle: LoadedBundle;
}

export interface Answer {
  outcome: AuditOutcome;
  cards: Card[];
  detail: Record<string, unknown>;
}

/**
 * The answer of any model: clinical-only bundles straight from the clinical inputs, imaging
 * bundles through the imaging pipeline. The hook and `axilla predict` both answer through this.
 */
export async function answerWithModel(deps: ImagingAnswerDeps, req: ImagingAnswerRequest): Promise<Answer> {
  if (readsImages(req.bundle.manifest)) return answerWithImagingModel(deps, req);
  return answerWithClinicalModel(deps.wording, req.bundle, req.inputs);
}

export async function answerWithClinicalModel(
  wording: CardWording,
  bundle: LoadedBundle,
  inputs: ClinicalInputs,
): Promise<Answer> {
  const facts = modelFacts(bundle.manifest, bundle.digest);
  const result = await predict(bundle, inputs);
  if (result.kind === 'cannot-compute') {
    const card = cannotComputeCard(wording, facts, result.missing);
    return { outcome: 'cannot-compute', cards: [card], detail: { missing: result.missing, inputs } };
  }
  const used = new Set<string>(bundle.manifest.requiredClinicalInputs);
  const card = predictionCard(wording, facts, result.probability, inputs, used);
  return {
    outcome: 'prediction',
    cards: [card],
    detail: {
      inputs,
      provenance: result.provenance,
      features: result.features,
      output: {
        probability: result.probability,
        threshold: result.threshold ?? 'not available',
        ...(result.atOrAboveThreshold === undefined ? {} : { atOrAboveThreshold: result.atOrAboveThreshold }),
      },
    },
  };
}

export async function answerWithImagingModel(
  deps: ImagingAnswerDeps,
  req: ImagingAnswerRequest,
): Promise<Answer> {
  const { bundle, inputs } = req;
  const facts = modelFacts(bundle.manifest, bundle.digest);
  const model = deps.imaging?.model(bundle.digest);
  if (!deps.imaging || !model) {
    return unavailable(deps, req, facts, [
      {
        code: 'pacs-unavailable',
        message: 'this service has no imaging source (PACS) configured for the imaging model',
      },
    ]);
  }
  const vector = imagingClinicalValues(model, inputs);
  if (!vector.ok) {
    const card = cannotComputeCard(deps.wording, facts, vector.missing);
    return { outcome: 'cannot-compute', cards: [card], detail: { missing: vector.missing, inputs } };
  }
  const clinical = vector.values;

  let studies;
  try {
    studies = await deps.imaging.chooseStudies(model, req.patientId, req.imagingStudies, inputs.nat!.value);
  } catch (err) {
    if (err instanceof ImagingGateError) return unavailable(deps, req, facts, err.problems);
    throw err;
  }
  const payload = {
    kind: 'prediction' as const,
    modelDigest: bundle.digest,
    studies: { pre: studies.pre, post: studies.post },
    clinical,
  };
  const requested = deps.imaging.request(payload, req.hook);
  const key = requested.key;
  // patient-view only warms the cache; the order hooks wait up to the deadline.
  const waited: WaitOutcome = requested.result
    ? { kind: 'result', result: requested.result }
    : await deps.imaging.wait(key, req.hook === 'patient-view' ? 0 : deps.deadlineMs);
  const base = { resultKey: key, studies: studies.candidates, inputs, provenance: vector.provenance };
  if (waited.kind === 'pending') {
    const card = inProgressCard(deps.wording, facts);
    return {
      outcome: 'in-progress',
      cards: [card],
      detail: { ...base, job: { id: waited.job.id, state: waited.job.state, attempts: waited.job.attempts } },
    };
  }
  if (waited.kind === 'failed') {
    return unavailable(
      deps,
      req,
      facts,
      [
        {
          code: 'pacs-unavailable',
          message: `the imaging analysis failed after ${waited.job.attempts} attempts (${firstLine(waited.job.lastError)}); it is tried again on the next request`,
        },
      ],
      base,
    );
  }
  return fromResult(deps, req, facts, waited.result, base);
}

function firstLine(s: string | undefined): string {
  return (s ?? 'no reason recorded').split('\n')[0]!.slice(0, 200);
}

async function fromResult(
  deps: ImagingAnswerDeps,
  req: ImagingAnswerRequest,
  facts: ModelFacts,
  result: ImagingResult,
  base: Record<string, unknown>,
): Promise<Answer> {
  if (result.kind === 'imaging-unavailable')
    return unavailable(deps, req, facts, result.problems, {
      ...base,
      ...(result.trace ? { imaging: result.trace } : {}),
    });
  const manifest = req.bundle.manifest;
  const threshold = manifest.threshold === 'not available' ? undefined : manifest.threshold.value;
  const used = new Set<string>(manifest.requiredClinicalInputs);
  const modality = deps.imaging!.model(req.bundle.digest)!.modality;
  const card = predictionCard(deps.wording, facts, result.probability, req.inputs, used, [
    imagingInputsLine(deps.wording, result.trace, modality),
  ]);
  return {
    outcome: 'prediction',
    cards: [card],
    detail: {
      ...base,
      features: result.features,
      imaging: result.trace,
      computedAt: result.computedAt,
      output: {
        probability: result.probability,
        threshold: threshold ?? 'not available',
        ...(threshold === undefined ? {} : { atOrAboveThreshold: result.probability >= threshold }),
      },
    },
  };
}

/** "Not computed" for the imaging model, with the labelled clinical result when one can be given. */
async function unavailable(
  deps: ImagingAnswerDeps,
  req: ImagingAnswerRequest,
  facts: ModelFacts,
  problems: ImagingProblem[],
  extra: Record<string, unknown> = {},
): Promise<Answer> {
  const detail = { ...extra, imagingProblems: problems, inputs: req.inputs };
  const fallback = deps.fallbackModel();
  if (fallback) {
    const result = await predict(fallback, req.inputs);
    if (result.kind === 'prediction') {
      const fallbackFacts = modelFacts(fallback.manifest, fallback.digest);
      const clinicalCard = predictionCard(
        deps.wording,
        fallbackFacts,
        result.probability,
        req.inputs,
        new Set<string>(fallback.manifest.requiredClinicalInputs),
      );
      const card = clinicalFallbackCard(deps.wording, clinicalCard, facts, result.probability, problems);
      return {
        outcome: 'cannot-compute',
        cards: [card],
        detail: {
          ...detail,
          fallback: {
            model: { id: fallback.manifest.id, version: fallback.manifest.version, digest: fallback.digest },
            features: result.features,
            provenance: result.provenance,
            output: { probability: result.probability, threshold: result.threshold ?? 'not available' },
          },
        },
      };
    }
  }
  return {
    outcome: 'cannot-compute',
    cards: [imagingUnavailableCard(deps.wording, facts, problems)],
    detail,
  };
}
