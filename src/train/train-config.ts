/**
 * `train.yaml`: what `axilla train` builds and how (docs/training.md describes every key).
 * Strict: an unknown key is refused by name, so a misspelt option never falls back to a default
 * silently. Paths are relative to the file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { COHORT_SEQUENCES, TIME_POINTS } from '../cohort/manifest.ts';
import { CLINICAL_FEATURES } from '../model/manifest.ts';

export const MODEL_KINDS = ['clinical', 'radiomics', 'dl', 'dlr', 'radiomics-clinical'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

const clinicalNames = Object.keys(CLINICAL_FEATURES) as [
  keyof typeof CLINICAL_FEATURES,
  ...(keyof typeof CLINICAL_FEATURES)[],
];
const sequence = z.enum(COHORT_SEQUENCES);
const probability = z.number().gt(0).lt(1);

const cohortSchema = z.strictObject({
  /** Cohort manifest (CSV as written by `axilla synth`). */
  manifest: z.string().min(1),
  /** Rows used: those whose `split` column equals this, or every row with "all". */
  split: z.enum(['train', 'validation', 'all']).default('all'),
  /**
   * Precomputed features tables of this cohort (CSV as `axilla extract-cohort` writes them, e.g.
   * from a site's own PyRadiomics run); when given, extraction is skipped and the table is
   * trusted to have been made with the configured parameter files.
   */
  radiomicsTable: z.string().min(1).optional(),
  deepTable: z.string().min(1).optional(),
});

export const trainConfigSchema = z.strictObject({
  model: z.strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a slug: lower-case letters, digits and single "-"'),
    version: z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be a semantic version'),
    name: z.string().min(1),
    kind: z.enum(MODEL_KINDS),
    intendedUse: z.string().min(1),
    publisher: z.string().min(1),
  }),
  training: cohortSchema,
  /** A separate cohort the frozen model is evaluated on (its figures go into the bundle). */
  validation: cohortSchema.optional(),
  /** Seed for folds, bootstrap resamples and the comparison classifiers. */
  seed: z.string().min(1),
  features: z.strictObject({
    radiomics: z
      .strictObject({
        sequences: z.array(sequence).min(1),
        timePoints: z.array(z.enum([...TIME_POINTS, 'delta'])).min(1),
        /** PyRadiomics parameter file for every sequence … */
        params: z.string().min(1).optional(),
        /** … or one per sequence. */
        paramsFor: z.partialRecord(sequence, z.string().min(1)).optional(),
      })
      .optional(),
    deep: z
      .strictObject({
        /** ONNX backbone; omitted: the generated demo ResNet-50 (demo weights, not ImageNet). */
        backbone: z.string().min(1).optional(),
        backboneSha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .optional(),
        /** PCA components fitted on the training cohort (the MRI study: 128). */
        components: z.number().int().positive().max(999),
        blocks: z
          .array(z.enum(['DL_pre', 'DL_post', 'DL_delta']))
          .min(1)
          .default(['DL_pre', 'DL_post', 'DL_delta']),
        averageAdjacentSlices: z.boolean().default(false),
      })
      .optional(),
    clinical: z
      .strictObject({
        candidates: z.array(z.enum(clinicalNames)).min(1),
      })
      .optional(),
  }),
  selection: z
    .strictObject({
      /** Keep features whose ICC(2,1) between two readers' masks is at least `threshold`. */
      reproducibility: z
        .strictObject({ manifest: z.string().min(1), threshold: z.number().gt(0).lt(1) })
        .optional(),
      spearmanThreshold: z.number().gt(0).lt(1).default(0.8),
      mannWhitneyP: probability.default(0.05),
      lasso: z
        .strictObject({
          folds: z.number().int().min(3).max(50).default(10),
          rule: z.enum(['lambda.min', 'lambda.1se']).default('lambda.min'),
          /** A manifest column holding each row's fold (1…folds); otherwise folds come from the seed. */
          foldColumn: z.string().min(1).optional(),
        })
        .prefault({}),
      clinicalUnivariateP: probability.default(0.05),
    })
    .prefault({}),
  final: z
    .strictObject({
      /** Ridge penalty λ of the final logistic regression (maximises logLik − λ/2·Σβ²); 0 for plain ML. */
      l2: z.number().min(0).default(0),
    })
    .prefault({}),
  evaluation: z
    .strictObject({
      /** Harrell optimism correction resamples (the MRI study: 1000). */
      bootstrap: z.number().int().min(0).default(1000),
      /** Training-vs-validation AUC difference test resamples (the MRI study: 2000). */
      differenceTest: z.number().int().min(0).default(2000),
      compareClassifiers: z.boolean().default(true),
    })
    .prefault({}),
});

export type TrainConfig = z.infer<typeof trainConfigSchema>;

export class TrainConfigError extends Error {
  override name = 'TrainConfigError';
}

/** Which feature groups each model kind needs; a config giving others, or lacking these, is refused. */
const KIND_NEEDS: Record<ModelKind, { radiomics: boolean; deep: boolean; clinical: boolean }> = {
  clinical: { radiomics: false, deep: false, clinical: true },
  radiomics: { radiomics: true, deep: false, clinical: false },
  dl: { radiomics: false, deep: true, clinical: false },
  dlr: { radiomics: true, deep: true, clinical: true },
  'radiomics-clinical': { radiomics: true, deep: false, clinical: true },
};

/** Validates a parsed config object; paths are resolved against `baseDir`. */
export function validateTrainConfig(value: unknown, baseDir: string, where = 'train config'): TrainConfig {
  const parsed = trainConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : issue.message;
    throw new TrainConfigError(`${where}: ${at}: ${message}`);
  }
  const config = parsed.data;
  const needs = KIND_NEEDS[config.model.kind];
  for (const group of ['radiomics', 'deep', 'clinical'] as const) {
    const given = config.features[group] !== undefined;
    if (needs[group] && !given) {
      throw new TrainConfigError(`${where}: features.${group}: required for a ${config.model.kind} model`);
    }
    if (!needs[group] && given) {
      throw new TrainConfigError(
        `${where}: features.${group}: not used by a ${config.model.kind} model; remove it`,
      );
    }
  }
  const radiomics = config.features.radiomics;
  if (radiomics) {
    if (!radiomics.params && !radiomics.paramsFor) {
      throw new TrainConfigError(`${where}: features.radiomics: give params or paramsFor`);
    }
    const missing = radiomics.sequences.filter((s) => !radiomics.params && !radiomics.paramsFor?.[s]);
    if (missing.length > 0) {
      throw new TrainConfigError(
        `${where}: features.radiomics.paramsFor: no parameter file for ${missing.join(', ')}`,
      );
    }
  }
  const resolve = (p: string): string => path.resolve(baseDir, p);
  const resolveCohort = (c: TrainConfig['training']): TrainConfig['training'] => ({
    ...c,
    manifest: resolve(c.manifest),
    ...(c.radiomicsTable ? { radiomicsTable: resolve(c.radiomicsTable) } : {}),
    ...(c.deepTable ? { deepTable: resolve(c.deepTable) } : {}),
  });
  return {
    ...config,
    training: resolveCohort(config.training),
    ...(config.validation ? { validation: resolveCohort(config.validation) } : {}),
    features: {
      ...config.features,
      ...(radiomics
        ? {
            radiomics: {
              ...radiomics,
              ...(radiomics.params ? { params: resolve(radiomics.params) } : {}),
              ...(radiomics.paramsFor
                ? {
                    paramsFor: Object.fromEntries(
                      Object.entries(radiomics.paramsFor).map(([k, v]) => [k, resolve(v)]),
                    ),
                  }
                : {}),
            },
          }
        : {}),
      ...(config.features.deep?.backbone
        ? { deep: { ...config.features.deep, backbone: resolve(config.features.deep.backbone) } }
        : {}),
    },
    selection: {
      ...config.selection,
      ...(config.selection.reproducibility
        ? {
            reproducibility: {
              ...config.selection.reproducibility,
              manifest: resolve(config.selection.reproducibility.manifest),
            },
          }
        : {}),
    },
  };
}

/** Reads and validates a YAML (or JSON) train config file. */
export function readTrainConfig(file: string): TrainConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TrainConfigError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new TrainConfigError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return validateTrainConfig(value, path.dirname(path.resolve(file)), file);
}

/** A cohort manifest named with its folder (`validation/cohort.csv`): cohorts share the file name. */
export function cohortName(manifest: string): string {
  return `${path.basename(path.dirname(manifest))}/${path.basename(manifest)}`;
}
