import { randomUUID } from 'node:crypto';
import type { ClinicalInputs, ClinicalValue, MissingInput } from '../fhir/clinical-inputs.ts';
import { describeMissing } from '../fhir/clinical/describe-missing.ts';
import type { BundleManifest } from '../model/manifest.ts';
import { fill, type CardWording } from './card-wording.ts';

/** CDS Hooks 2.0 §Card, as far as this service fills it. */
export interface Card {
  uuid: string;
  summary: string;
  detail: string;
  indicator: 'info' | 'warning' | 'critical';
  source: { label: string; topic: { system: string; code: string; display: string } };
  overrideReasons?: { system: string; code: string; display: string }[];
}

/** The CDS Hooks limit on a card summary. */
export const SUMMARY_MAX_LENGTH = 140;

export interface ModelFacts {
  name: string;
  version: string;
  digest: string;
  kind: BundleManifest['kind'];
  validationStatus: string;
  threshold?: { value: number; method: string };
  validationAuc: string;
}

export function modelFacts(manifest: BundleManifest, digest: string): ModelFacts {
  const validation = manifest.metrics.validation;
  const validationAuc =
    validation === 'not available'
      ? 'not available (the model has not been validated)'
      : `${validation.auc.toFixed(3)}${
          validation.auc_ci
            ? ` (95% CI ${validation.auc_ci[0].toFixed(3)}–${validation.auc_ci[1].toFixed(3)})`
            : ''
        }`;
  return {
    name: manifest.name,
    version: manifest.version,
    digest,
    kind: manifest.kind,
    validationStatus: manifest.validationStatus,
    validationAuc,
    ...(manifest.threshold === 'not available'
      ? {}
      : { threshold: { value: manifest.threshold.value, method: manifest.threshold.method } }),
  };
}

export const percent = (p: number): string => `${(p * 100).toFixed(0)}%`;

const INPUT_LABEL: Record<string, string> = {
  ER: 'ER',
  PR: 'PR',
  HER2: 'HER2',
  Ki67: 'Ki-67',
  cT: 'Clinical T stage',
  NAT: 'Neoadjuvant therapy',
};

function inputLine(label: string, v: ClinicalValue<unknown>, shown: string): string {
  const refs = v.provenance.map((p) => p.reference).join(', ');
  return `- ${label}: **${shown}** (${v.basis}${v.date ? `, ${v.date.slice(0, 10)}` : ''}; ${refs})`;
}

/** The inputs on record, as markdown bullet lines, the model's own first. */
export function inputsMarkdown(inputs: ClinicalInputs, used: ReadonlySet<string>): string {
  const rows: [string, ClinicalValue<unknown> | undefined, (v: ClinicalValue<unknown>) => string][] = [
    ['ER', inputs.er, (v) => String(v.value)],
    ['PR', inputs.pr, (v) => String(v.value)],
    ['HER2', inputs.her2, (v) => String(v.value)],
    ['cT', inputs.cT, (v) => `c${String(v.value)}`],
    ['Ki67', inputs.ki67Percent, (v) => `${String(v.value)}%`],
    [
      'NAT',
      inputs.nat,
      (v) => {
        const nat = v.value as { start: string; end?: string };
        return `${nat.start.slice(0, 10)} to ${nat.end ? nat.end.slice(0, 10) : 'ongoing'}`;
      },
    ],
  ];
  const present = rows.filter((r) => r[1] !== undefined);
  const lines = present
    .filter((r) => used.has(r[0]))
    .map(([n, v, show]) => inputLine(INPUT_LABEL[n]!, v!, show(v!)));
  const context = present
    .filter((r) => !used.has(r[0]))
    .map(([n, v, show]) => inputLine(`${INPUT_LABEL[n]!} (on record, not used by this model)`, v!, show(v!)));
  return [...lines, ...context].join('\n');
}

export function baseCard(
  wording: CardWording,
  model: ModelFacts,
): Omit<Card, 'summary' | 'detail' | 'indicator'> {
  return {
    uuid: randomUUID(),
    source: {
      label: fill(wording.source.label, { modelName: model.name, modelVersion: model.version }),
      topic: wording.source.topic,
    },
    overrideReasons: wording.overrideReasons,
  };
}

export function modelValues(model: ModelFacts): Record<string, string> {
  return {
    modelName: model.name,
    modelVersion: model.version,
    validationStatus: model.validationStatus,
    validationAuc: model.validationAuc,
    modelDigestShort: model.digest.slice(0, 12),
  };
}

/** Keeps a summary inside the spec limit; wording tests keep real summaries well below it. */
export function clampSummary(s: string): string {
  return s.length <= SUMMARY_MAX_LENGTH ? s : `${s.slice(0, SUMMARY_MAX_LENGTH - 1)}…`;
}

export function predictionCard(
  wording: CardWording,
  model: ModelFacts,
  probability: number,
  inputs: ClinicalInputs,
  usedInputs: ReadonlySet<string>,
  /** Markdown lines listed before the clinical inputs (e.g. the images an imaging model read). */
  extraInputLines: readonly string[] = [],
): Card {
  const w = wording.prediction;
  const band =
    model.threshold === undefined ? 'none' : probability >= model.threshold.value ? 'above' : 'below';
  const values: Record<string, string> = {
    ...modelValues(model),
    probability: percent(probability),
    threshold: model.threshold ? percent(model.threshold.value) : 'not available',
    thresholdMethod: model.threshold ? `${model.threshold.method} threshold` : '',
    aboveOrBelow: band === 'above' ? 'at or above' : 'below',
  };
  const detailValues = {
    ...values,
    thresholdLine: fill(model.threshold ? w.thresholdLine.present : w.thresholdLine.none, values),
    meaning: w.meaning[band],
    inputsList: [...extraInputLines, inputsMarkdown(inputs, usedInputs)].filter((l) => l !== '').join('\n'),
    limitations: model.kind === 'clinical' ? w.limitations.clinical : w.limitations.default,
  };
  return {
    ...baseCard(wording, model),
    summary: clampSummary(fill(w.summary[band], values)),
    detail: fill(w.detail, detailValues),
    indicator: 'info',
  };
}

export function cannotComputeCard(
  wording: CardWording,
  model: ModelFacts,
  missing: readonly MissingInput[],
): Card {
  const sentences = describeMissing([...missing]);
  const short = [...new Set(missing.map((m) => INPUT_LABEL[m.input] ?? m.input))].join(', ');
  const values = {
    ...modelValues(model),
    missingShort: `${short} missing or invalid`,
    missingList: sentences.map((s) => `- ${s}`).join('\n'),
  };
  return {
    ...baseCard(wording, model),
    summary: clampSummary(fill(wording.cannotCompute.summary, values)),
    detail: fill(wording.cannotCompute.detail, values),
    indicator: 'warning',
  };
}
