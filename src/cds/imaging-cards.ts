/**
 * Cards of the imaging models: the images a prediction read, "analysis in progress" past the
 * hook's deadline, "not computed" naming each imaging problem, and the clinical model's result
 * labelled as such when only the imaging part is impossible (DESIGN §6.1–6.2).
 */
import type { ImagingTrace } from '../pipeline/imaging/compute-imaging.ts';
import type { ImagingProblem } from '../pipeline/imaging/imaging-problem.ts';
import { fill, type CardWording } from './card-wording.ts';
import { baseCard, clampSummary, modelValues, percent, type Card, type ModelFacts } from './cards.ts';

const SHORT: Record<ImagingProblem['code'], string> = {
  'nat-ongoing': 'NAT end date not recorded',
  'no-pre-study': 'no pre-NAT MRI',
  'no-post-study': 'no post-NAT MRI',
  'post-before-nat-end': 'post-NAT MRI dated before NAT end',
  'wrong-modality': 'wrong imaging modality',
  'wrong-body-part': 'wrong body part imaged',
  'missing-sequence': 'MRI sequence missing',
  'missing-seg': 'tumour segmentation missing',
  'ambiguous-series': 'series choice ambiguous',
  'seg-mismatch': 'segmentation does not match its image',
  'empty-roi': 'empty tumour segmentation',
  'roi-too-small': 'tumour ROI below the model minimum',
  'corrupt-dicom': 'unreadable images',
  'pacs-unavailable': 'PACS not reachable',
};

function problemValues(problems: readonly ImagingProblem[]): { problemShort: string; problemList: string } {
  return {
    problemShort: [...new Set(problems.map((p) => SHORT[p.code]))].join(', '),
    problemList: problems.map((p) => `- ${p.message}`).join('\n'),
  };
}

/** The line listing the studies and series a prediction was computed from. */
export function imagingInputsLine(wording: CardWording, trace: ImagingTrace, modality: string): string {
  const series = trace.series
    .map((s) => `${s.timePoint} ${s.sequence} "${s.seriesDescription ?? s.seriesInstanceUid}"`)
    .join(', ');
  return fill(wording.imaging.inputsLine, {
    modality,
    preDate: trace.studies.pre.date ?? 'undated',
    postDate: trace.studies.post.date ?? 'undated',
    seriesList: series,
  });
}

export function inProgressCard(wording: CardWording, model: ModelFacts): Card {
  const values = modelValues(model);
  return {
    ...baseCard(wording, model),
    summary: clampSummary(fill(wording.imaging.inProgress.summary, values)),
    detail: fill(wording.imaging.inProgress.detail, values),
    indicator: 'info',
  };
}

export function imagingUnavailableCard(
  wording: CardWording,
  model: ModelFacts,
  problems: readonly ImagingProblem[],
): Card {
  const values = { ...modelValues(model), ...problemValues(problems) };
  return {
    ...baseCard(wording, model),
    summary: clampSummary(fill(wording.imaging.unavailable.summary, values)),
    detail: fill(wording.imaging.unavailable.detail, values),
    indicator: 'warning',
  };
}

/** The clinical model's card, relabelled: its summary and first paragraph say it is the clinical model only, and why. */
export function clinicalFallbackCard(
  wording: CardWording,
  clinicalCard: Card,
  imagingModel: ModelFacts,
  probability: number,
  problems: readonly ImagingProblem[],
): Card {
  const values = {
    ...problemValues(problems),
    probability: percent(probability),
    imagingModelName: imagingModel.name,
    imagingModelVersion: imagingModel.version,
  };
  return {
    ...clinicalCard,
    summary: clampSummary(fill(wording.imaging.fallback.summary, values)),
    detail: `${fill(wording.imaging.fallback.intro, values)}\n${clinicalCard.detail}`,
    indicator: 'warning',
  };
}
