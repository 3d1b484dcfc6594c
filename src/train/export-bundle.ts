/**
 * Freezes a trained model into a model bundle (DESIGN §4, docs/model-bundles.md): the logistic
 * head with its z-scoring as ONNX, the deep PCA as ONNX, the PyRadiomics parameter files of the
 * sequences its inputs come from, the training report, and a manifest with the threshold and
 * the validation figures — then signs it with the publisher's key.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EvaluationResult } from '../evaluate/evaluation-types.ts';
import { signBundle } from '../model/commands.ts';
import { sha256Hex } from '../model/digest.ts';
import {
  CLINICAL_FEATURES,
  MANIFEST_FILE,
  MANIFEST_SCHEMA,
  serializeManifest,
  SIGNATURE_FILE,
  type BundleFile,
  type BundleManifest,
  type ClinicalFeatureName,
} from '../model/manifest.ts';
import { buildLogisticHead, HEAD_PROBABILITY_OUTPUT } from '../model/onnx/linear-head.ts';
import { buildPcaHead, PCA_INPUT, PCA_OUTPUT } from '../model/onnx/pca-head.ts';
import type { ClinicalInputName } from '../fhir/clinical-inputs.ts';
import type { TrainedModel } from './train.ts';
import { cohortName } from './train-config.ts';

export const CLASSIFIER_FILE = 'classifier.onnx';
export const CLASSIFIER_INPUT = 'features';
export const PCA_FILE = 'pca.onnx';
export const TRAINING_REPORT_FILE = 'training-report.json';
export const REPORT_HTML_FILE = 'training-report.html';

/**
 * Series selection the bundle declares for the locator, per sequence (DICOM attributes first,
 * Series Description patterns as a fallback): the DCE phase and DWI b value the tumour ROIs
 * were drawn on in the training data.
 */
export const SERIES_SELECTION: Record<string, Record<string, string | number>> = {
  DCE: { modality: 'MR', temporalPositionIdentifier: 2, seriesDescription: '(?i)dce|dyn|vibrant|thrive' },
  T2: { modality: 'MR', seriesDescription: '(?i)t2' },
  DWI: { modality: 'MR', diffusionBValue: 800, seriesDescription: '(?i)dwi|diff' },
};

function metricsOf(
  e: EvaluationResult,
  cohort: string,
): Exclude<BundleManifest['metrics']['training'], 'not available'> {
  const s = e.scores.probability!;
  return {
    auc: s.auc,
    auc_ci: s.auc_ci,
    n: e.n,
    events: e.events,
    sensitivity: s.sensitivity,
    specificity: s.specificity,
    accuracy: s.accuracy,
    ...(s.ppv !== null ? { ppv: s.ppv } : {}),
    ...(s.npv !== null ? { npv: s.npv } : {}),
    ...(s.calibration ? { brier: s.calibration.brier } : {}),
    cohort,
  };
}

export interface ExportOptions {
  outDir: string;
  privateKeyPath: string;
  /** ISO date-time written as createdAt (default: now). */
  createdAt?: string;
  /** The command that rebuilds this bundle, recorded in its README. */
  command?: string;
  /** Self-contained HTML report to include, when rendered. */
  reportHtml?: string;
}

/** Writes and signs the bundle; returns its digest. Refuses to overwrite a signed bundle's folder contents partially: the folder is rewritten whole. */
export async function exportBundle(
  model: TrainedModel,
  o: ExportOptions,
): Promise<{ dir: string; digest: string; manifest: BundleManifest }> {
  const { config, report } = model;
  await rm(o.outDir, { recursive: true, force: true });
  await mkdir(o.outDir, { recursive: true });
  const files: { path: string; bytes: Uint8Array; role: BundleFile['role'] }[] = [];
  const add = (p: string, bytes: Uint8Array, role: BundleFile['role']): void => {
    files.push({ path: p, bytes, role });
  };

  add(
    CLASSIFIER_FILE,
    buildLogisticHead({
      inputName: CLASSIFIER_INPUT,
      featureCount: model.inputs.length,
      mean: model.mean,
      scale: model.scale,
      coefficients: model.weights,
      intercept: model.intercept,
      producer: 'axilla-cds',
      docString: `${config.model.name}: logistic regression on z-scored inputs (axilla train)`,
      metadata: { model_id: config.model.id, model_version: config.model.version, kind: config.model.kind },
    }),
    'classifier',
  );
  const usesDeep = model.inputs.some((i) => i.source === 'deep');
  if (usesDeep && model.pca) {
    add(
      PCA_FILE,
      buildPcaHead({ mean: model.pca.mean, components: model.pca.components, producer: 'axilla-cds' }),
      'pca',
    );
  }
  const sequencesUsed = [...model.params.keys()].filter((s) =>
    model.inputs.some((i) => i.source === 'radiomics' && i.name.startsWith(`${s}_`)),
  );
  const extraction: Record<string, string> = {};
  for (const s of sequencesUsed) {
    const p = `params/${s}.yaml`;
    extraction[s] = p;
    add(p, new TextEncoder().encode(model.params.get(s)!.text), 'extraction-parameters');
  }
  add(
    TRAINING_REPORT_FILE,
    new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`),
    'documentation',
  );
  if (o.reportHtml) add(REPORT_HTML_FILE, new TextEncoder().encode(o.reportHtml), 'documentation');
  add('README.md', new TextEncoder().encode(readme(model, o.command)), 'documentation');

  const clinicalInputs = model.inputs
    .filter((i) => i.source === 'clinical')
    .map((i) => i.name as ClinicalFeatureName);
  const required = new Set<ClinicalInputName>(clinicalInputs.map((n) => CLINICAL_FEATURES[n].from));
  // Imaging models locate the post-NAT study after the end of therapy (DESIGN §6.1).
  if (model.inputs.some((i) => i.source !== 'clinical')) required.add('NAT');
  const training = report.evaluation.training;
  const validation = report.evaluation.validation;
  const optimism = report.evaluation.optimism;
  const n = report.cohort.n;
  const manifest: BundleManifest = {
    schema: MANIFEST_SCHEMA,
    id: config.model.id,
    name: config.model.name,
    version: config.model.version,
    kind: config.model.kind,
    intendedUse: config.model.intendedUse,
    validationStatus: validation
      ? `trained on ${n} patients; evaluated on a separate cohort of ${validation.n} (${cohortName(config.validation!.manifest)})`
      : `trained on ${n} patients; not externally validated`,
    inputs: model.inputs.map((i) => ({
      name: i.name,
      source: i.source,
      ...(i.source === 'clinical'
        ? { description: CLINICAL_FEATURES[i.name as ClinicalFeatureName].meaning }
        : {}),
    })),
    requiredClinicalInputs: [...required],
    extraction,
    seriesSelection: model.inputs.some((i) => i.source !== 'clinical')
      ? Object.fromEntries(
          Object.entries(SERIES_SELECTION).filter(([s]) => sequencesUsed.includes(s as never) || usesDeep),
        )
      : {},
    deepBackbone:
      usesDeep && model.backbone
        ? {
            sha256: model.backbone.sha256,
            description: model.backbone.description,
            ...(config.features.deep?.averageAdjacentSlices ? { averageAdjacentSlices: true } : {}),
          }
        : null,
    ...(usesDeep && model.pca
      ? {
          deepPca: {
            file: PCA_FILE,
            inputName: PCA_INPUT,
            outputName: PCA_OUTPUT,
            blocks: config.features.deep!.blocks,
            dimension: model.pca.inputNames.length / config.features.deep!.blocks.length,
            components: model.pca.components.length,
            explainedVarianceRatio: model.pca.explainedVarianceRatio.reduce((s, v) => s + v, 0),
          },
        }
      : {}),
    classifier: {
      file: CLASSIFIER_FILE,
      inputName: CLASSIFIER_INPUT,
      outputName: HEAD_PROBABILITY_OUTPUT,
      outputKind: 'probability',
    },
    files: files.map((f) => ({ path: f.path, sha256: sha256Hex(f.bytes), role: f.role })),
    threshold: {
      value: model.threshold,
      method: 'youden',
      source: `Youden index on the training cohort (n = ${n})`,
    },
    metrics: {
      training: metricsOf(
        training,
        `training cohort (${cohortName(config.training.manifest)}), apparent${
          optimism
            ? `; optimism-corrected AUC ${optimism.corrected.toFixed(3)} (${optimism.resamples} bootstrap resamples, Harrell)`
            : ''
        }`,
      ),
      validation: validation
        ? metricsOf(
            validation,
            `separate validation cohort (${cohortName(config.validation!.manifest)}), threshold from training`,
          )
        : 'not available',
    },
    trainingData: {
      description: `Cohort manifest ${cohortName(config.training.manifest)}, split "${config.training.split}"; features and selection as in training-report.json.`,
      n,
      events: report.cohort.events,
      outcomeRate: report.cohort.events / n,
    },
    coefficients: {
      intercept: model.intercept,
      weights: Object.fromEntries(model.inputs.map((i, j) => [i.name, model.weights[j]!])),
      derivation:
        config.model.kind === 'radiomics-clinical'
          ? 'final logistic regression on the radiomics score and clinical variables, with the radiomics score (LASSO linear predictor) expanded into its features; weights apply to z-scored imaging inputs'
          : 'final logistic regression; weights apply to z-scored imaging inputs and to clinical inputs as encoded',
    },
    publisher: config.model.publisher,
    createdAt: o.createdAt ?? new Date().toISOString(),
  };
  for (const f of files) {
    await mkdir(path.dirname(path.join(o.outDir, f.path)), { recursive: true });
    await writeFile(path.join(o.outDir, f.path), f.bytes);
  }
  await writeFile(path.join(o.outDir, MANIFEST_FILE), serializeManifest(manifest));
  await rm(path.join(o.outDir, SIGNATURE_FILE), { force: true });
  const signed = await signBundle({ dir: o.outDir, privateKeyPath: o.privateKeyPath });
  return { dir: o.outDir, digest: signed.digest, manifest };
}

function readme(model: TrainedModel, command: string | undefined): string {
  const r = model.report;
  const v = r.evaluation.validation?.scores.probability;
  const t = r.evaluation.training.scores.probability!;
  const lines = [
    `# ${r.model.name} (${r.model.id} ${r.model.version})`,
    '',
    `Kind: ${r.model.kind}. Built by \`axilla train\`; the figures below are copied from training-report.json.`,
    '',
    `- Training cohort: n = ${r.cohort.n}, events = ${r.cohort.events}; apparent AUC ${t.auc.toFixed(3)} (95% CI ${t.auc_ci[0].toFixed(3)}–${t.auc_ci[1].toFixed(3)})`,
    ...(r.evaluation.optimism
      ? [
          `- Optimism-corrected AUC ${r.evaluation.optimism.corrected.toFixed(3)} (${r.evaluation.optimism.resamples} resamples)`,
        ]
      : []),
    ...(v && r.evaluation.validation
      ? [
          `- Validation cohort: n = ${r.evaluation.validation.n}; AUC ${v.auc.toFixed(3)} (95% CI ${v.auc_ci[0].toFixed(3)}–${v.auc_ci[1].toFixed(3)})`,
        ]
      : []),
    `- Youden threshold ${model.threshold.toFixed(4)} (training cohort)`,
    `- Inputs (${model.inputs.length}): ${model.inputs.map((i) => i.name).join(', ')}`,
    '',
    ...(command ? ['Rebuild:', '', '```sh', command, '```', ''] : []),
    'Decision support, not a diagnosis.',
    '',
  ];
  return lines.join('\n');
}
