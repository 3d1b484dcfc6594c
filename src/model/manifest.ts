/**
 * The model bundle manifest (DESIGN §4 "Model bundle"): what the model is for, which inputs it
 * takes in which order, how they are extracted, which files make it up with their SHA-256, and
 * the evidence behind it. Every object is strict: an unknown key is an error, so a typo or a
 * field from a newer format is refused instead of silently ignored. docs/model-bundles.md
 * describes each field.
 */
import { z } from 'zod';
import type { ClinicalInputName } from '../fhir/clinical-inputs.ts';

export const MANIFEST_SCHEMA = 'axilla-model-bundle/1';
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.jws';

const clinicalInputNames = ['ER', 'PR', 'HER2', 'Ki67', 'cT', 'NAT'] as const;
// Compile-time guard: the manifest's names must stay those the FHIR reader produces.
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _clinicalNamesMatch: SameSet<(typeof clinicalInputNames)[number], ClinicalInputName> = true;

/**
 * Clinical model inputs and the clinical datum each one is computed from. A clinical input name
 * outside this list could not be filled by the service, so the schema refuses it.
 * Categorical inputs are 0/1 indicators against the reference level named in `meaning`.
 */
export const CLINICAL_FEATURES = {
  ER_positive: { from: 'ER', meaning: '1 if oestrogen receptor positive, 0 if negative' },
  PR_positive: { from: 'PR', meaning: '1 if progesterone receptor positive, 0 if negative' },
  HER2_positive: { from: 'HER2', meaning: '1 if HER2 positive, 0 if negative' },
  Ki67_percent: { from: 'Ki67', meaning: 'Ki-67 labelling index in percent (0-100)' },
  cT_T2: { from: 'cT', meaning: '1 if clinical T category is T2, else 0 (reference T1)' },
  cT_T3: { from: 'cT', meaning: '1 if clinical T category is T3, else 0 (reference T1)' },
  cT_T4: { from: 'cT', meaning: '1 if clinical T category is T4, else 0 (reference T1)' },
} as const satisfies Record<string, { from: ClinicalInputName; meaning: string }>;

export type ClinicalFeatureName = keyof typeof CLINICAL_FEATURES;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256 (64 characters)');
const nonEmpty = z.string().trim().min(1, 'must not be empty');
const probability = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

/**
 * A path inside the bundle folder: '/'-separated, relative, made of plain segments. Rejecting
 * `..`, `.`, absolute paths and backslashes keeps a signed manifest from pointing outside its folder.
 */
export const bundlePathSchema = z.string().superRefine((p, ctx) => {
  const plain = p.split('/').every((seg) => /^[A-Za-z0-9._-]+$/.test(seg) && seg !== '.' && seg !== '..');
  if (!plain) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a relative path inside the bundle (plain segments, no "..", no leading "/"), got ${JSON.stringify(p)}`,
    });
  }
});

// Semantic Versioning 2.0.0, the regular expression suggested at https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string
const semver =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const inputSchema = z.strictObject({
  /** Feature name, PyRadiomics-based for radiomics (DESIGN §4), `DL_pc001…` for deep, see CLINICAL_FEATURES. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a feature name of letters, digits, "_", "-", "."'),
  source: z.enum(['clinical', 'radiomics', 'deep']),
  description: nonEmpty.optional(),
});

const fileSchema = z.strictObject({
  path: bundlePathSchema,
  sha256: sha256Hex,
  role: z.enum([
    'classifier',
    'extraction-parameters',
    'deep-backbone',
    'pca',
    'scaler',
    'documentation',
    'other',
  ]),
});

const thresholdSchema = z.union(
  [
    z.literal('not available'),
    z.strictObject({
      value: probability,
      method: z.enum(['youden', 'fixed']),
      /** Where the value comes from, e.g. "Youden index on the training cohort (n = 144)". */
      source: nonEmpty,
    }),
  ],
  { error: 'must be "not available" or { value, method, source }' },
);

const metricSetSchema = z.union(
  [
    z.literal('not available'),
    z.strictObject({
      auc: probability,
      auc_ci: z.tuple([probability, probability]).optional(),
      n: count.optional(),
      events: count.optional(),
      sensitivity: probability.optional(),
      specificity: probability.optional(),
      accuracy: probability.optional(),
      ppv: probability.optional(),
      npv: probability.optional(),
      brier: probability.optional(),
      /** Which cohort and how the figures were obtained. */
      cohort: nonEmpty.optional(),
    }),
  ],
  { error: 'must be "not available" or { auc, ... }' },
);

/**
 * A covariate distribution stated as independent factors; each level sets some model inputs.
 * Used where a model's calibration rests on an assumed population (literature-derived models).
 */
const covariateDistributionSchema = z.strictObject({
  statement: nonEmpty,
  factors: z
    .array(
      z.strictObject({
        name: nonEmpty,
        levels: z
          .array(
            z.strictObject({
              label: nonEmpty,
              probability,
              encoding: z.record(z.string(), z.number()),
            }),
          )
          .min(1)
          .refine((levels) => Math.abs(levels.reduce((s, l) => s + l.probability, 0) - 1) < 1e-9, {
            message: 'level probabilities must sum to 1',
          }),
      }),
    )
    .min(1),
});

const trainingDataSchema = z.strictObject({
  description: nonEmpty,
  source: nonEmpty.optional(),
  n: count.optional(),
  events: count.optional(),
  /** Observed proportion of apCR in the training data. */
  outcomeRate: probability.optional(),
  period: nonEmpty.optional(),
  sites: z.array(nonEmpty).optional(),
  assumedCovariateDistribution: covariateDistributionSchema.optional(),
});

const coefficientsSchema = z.strictObject({
  /** Log-odds intercept. */
  intercept: z.number(),
  /** Log-odds weight per input, on the scale the classifier sees (after any scaler). */
  weights: z.record(z.string(), z.number()),
  /** Published odds ratios the weights were derived from, when they were. */
  oddsRatios: z.record(z.string(), z.number().positive()).optional(),
  derivation: nonEmpty.optional(),
});

const manifestObjectSchema = z.strictObject({
  schema: z.literal(MANIFEST_SCHEMA),
  id: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a slug: lower-case letters, digits and single "-"'),
  name: nonEmpty,
  version: z.string().regex(semver, 'must be a semantic version (MAJOR.MINOR.PATCH)'),
  kind: z.enum(['clinical', 'radiomics', 'dl', 'dlr', 'radiomics-clinical']),
  intendedUse: nonEmpty,
  validationStatus: nonEmpty,
  inputs: z.array(inputSchema).min(1),
  requiredClinicalInputs: z.array(z.enum(clinicalInputNames)),
  /** Sequence (e.g. "DCE", "T2", "DWI", "CT") → PyRadiomics parameter file in the bundle. */
  extraction: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), bundlePathSchema),
  /**
   * Rules picking the series per sequence. Their format belongs to the imaging locator
   * (src/pipeline/imaging/series-rules.ts), which validates them when the service prepares the
   * bundle; a bundle whose rules do not parse is listed as not served.
   */
  seriesSelection: z.record(z.string(), z.json()),
  /**
   * The frozen feature extractor, pinned by SHA-256. `file` is given when the bundle carries it;
   * without `file` the service takes the backbone with that digest from its backbone store (a
   * 100 MB network is not copied into every bundle that uses it).
   */
  deepBackbone: z.union([
    z.null(),
    z.strictObject({
      file: bundlePathSchema.optional(),
      sha256: sha256Hex,
      description: nonEmpty,
      /** Deep features averaged over the largest-ROI slice and its neighbours (absent: that slice only). */
      averageAdjacentSlices: z.boolean().optional(),
    }),
  ]),
  /**
   * Reduction of the backbone's features to the `DL_pc…` inputs: an ONNX model (role "pca") whose
   * input `inputName` is [N, dimension × blocks.length] — the blocks' features in order, e.g.
   * DL_pre_0001…2048, DL_post_0001…2048, DL_delta_0001…2048 — and whose output `outputName` is
   * [N, components], the scores DL_pc001…; deep inputs name the components they use.
   */
  deepPca: z
    .strictObject({
      file: bundlePathSchema,
      inputName: nonEmpty,
      outputName: nonEmpty,
      blocks: z.array(z.enum(['DL_pre', 'DL_post', 'DL_delta'])).min(1),
      dimension: z.number().int().positive(),
      components: z.number().int().positive().max(999),
      explainedVarianceRatio: z.number().min(0).max(1).optional(),
    })
    .optional(),
  /**
   * The classifier: any ONNX model (docs/onnx-contract.md) whose single input `inputName` is a
   * [N, k] or [batch, k] float32/float64 tensor of the features in `inputs` order, and whose
   * output `outputName` gives P(apCR) per row as `outputKind` says:
   * - "probability": P itself, [N] or [N, 1];
   * - "class-probabilities": [N, C] per-class probabilities (skl2onnx with zipmap=False), P is
   *   column `positiveClass` (default 1; checked against C when the bundle loads);
   * - "logit": the log-odds, [N] or [N, 1] (e.g. a PyTorch nn.Linear head), P = 1/(1 + e^−logit).
   * `positiveClass` has no default written into the data, so manifests without it keep their bytes.
   */
  classifier: z
    .strictObject({
      file: bundlePathSchema,
      inputName: nonEmpty,
      outputName: nonEmpty,
      outputKind: z.enum(['probability', 'class-probabilities', 'logit']),
      positiveClass: z.number().int().nonnegative().optional(),
    })
    .refine((c) => c.positiveClass === undefined || c.outputKind === 'class-probabilities', {
      path: ['positiveClass'],
      message: 'applies only to outputKind "class-probabilities"',
    }),
  files: z.array(fileSchema).min(1),
  threshold: thresholdSchema,
  metrics: z.strictObject({ training: metricSetSchema, validation: metricSetSchema }),
  trainingData: trainingDataSchema,
  literature: z.strictObject({ citation: nonEmpty, doi: z.string().regex(/^10\.\d{4,9}\/\S+$/) }).optional(),
  coefficients: coefficientsSchema.optional(),
  publisher: nonEmpty,
  createdAt: z.iso.datetime({ offset: true }),
});

/** The manifest schema with the cross-field rules (files listed, inputs consistent). */
export const bundleManifestSchema = manifestObjectSchema.superRefine((m, ctx) => {
  const issue = (path: (string | number)[], message: string): void => {
    ctx.addIssue({ code: 'custom', path, message });
  };
  const byPath = new Map<string, z.infer<typeof fileSchema>>();
  m.files.forEach((f, i) => {
    if (byPath.has(f.path)) issue(['files', i, 'path'], `"${f.path}" is listed twice`);
    if (f.path === MANIFEST_FILE || f.path === SIGNATURE_FILE) {
      issue(['files', i, 'path'], `"${f.path}" cannot list itself; the signature covers the manifest`);
    }
    byPath.set(f.path, f);
  });
  const requireFile = (
    path: (string | number)[],
    file: string,
    role: string,
  ): z.infer<typeof fileSchema> | undefined => {
    const entry = byPath.get(file);
    if (!entry) issue(path, `"${file}" is not listed in files`);
    else if (entry.role !== role)
      issue(path, `"${file}" is listed with role "${entry.role}", expected "${role}"`);
    return entry;
  };

  requireFile(['classifier', 'file'], m.classifier.file, 'classifier');
  for (const [sequence, file] of Object.entries(m.extraction)) {
    requireFile(['extraction', sequence], file, 'extraction-parameters');
  }
  if (m.deepBackbone?.file !== undefined) {
    const entry = requireFile(['deepBackbone', 'file'], m.deepBackbone.file, 'deep-backbone');
    if (entry && entry.sha256 !== m.deepBackbone.sha256) {
      issue(['deepBackbone', 'sha256'], `differs from the SHA-256 listed for "${entry.path}" in files`);
    }
  }
  if (m.deepPca) {
    requireFile(['deepPca', 'file'], m.deepPca.file, 'pca');
    if (!m.deepBackbone) issue(['deepBackbone'], 'is required when deepPca is given');
  }

  const names = new Set<string>();
  m.inputs.forEach((input, i) => {
    if (names.has(input.name)) issue(['inputs', i, 'name'], `"${input.name}" appears twice`);
    names.add(input.name);
    if (input.source === 'deep') {
      const component = /^DL_pc(\d{3})$/.exec(input.name);
      if (!component) issue(['inputs', i, 'name'], `deep input "${input.name}" must be named DL_pcNNN`);
      else if (!m.deepPca) issue(['deepPca'], `is required for deep input "${input.name}"`);
      else if (Number(component[1]) < 1 || Number(component[1]) > m.deepPca.components) {
        issue(['inputs', i, 'name'], `"${input.name}" is beyond the ${m.deepPca.components} PCA components`);
      }
    }
    if (input.source !== 'clinical') return;
    const known = (CLINICAL_FEATURES as Record<string, { from: ClinicalInputName }>)[input.name];
    if (!known) {
      issue(
        ['inputs', i, 'name'],
        `unknown clinical input "${input.name}"; known: ${Object.keys(CLINICAL_FEATURES).join(', ')}`,
      );
    } else if (!m.requiredClinicalInputs.includes(known.from)) {
      issue(
        ['requiredClinicalInputs'],
        `must include "${known.from}", which input "${input.name}" is computed from`,
      );
    }
  });
  if (new Set(m.requiredClinicalInputs).size !== m.requiredClinicalInputs.length) {
    issue(['requiredClinicalInputs'], 'lists an input twice');
  }
  const hasDeep = m.inputs.some((input) => input.source === 'deep');
  if (hasDeep && !m.deepBackbone) issue(['deepBackbone'], 'is required when an input has source "deep"');

  if (m.coefficients) {
    const weightNames = Object.keys(m.coefficients.weights);
    const order = m.inputs.map((input) => input.name);
    if (weightNames.length !== order.length || weightNames.some((n, i) => n !== order[i])) {
      issue(['coefficients', 'weights'], `must name exactly the inputs, in input order: ${order.join(', ')}`);
    }
  }
  m.trainingData.assumedCovariateDistribution?.factors.forEach((factor, fi) =>
    factor.levels.forEach((level, li) => {
      for (const name of Object.keys(level.encoding)) {
        if (!names.has(name)) {
          issue(
            ['trainingData', 'assumedCovariateDistribution', 'factors', fi, 'levels', li, 'encoding', name],
            'is not a model input',
          );
        }
      }
    }),
  );
});

export type BundleManifest = z.infer<typeof manifestObjectSchema>;

/** Whether a bundle's inputs include imaging features (radiomics or deep). */
export function readsImages(manifest: BundleManifest): boolean {
  return manifest.inputs.some((i) => i.source !== 'clinical');
}
export type BundleFile = BundleManifest['files'][number];
export type BundleInput = BundleManifest['inputs'][number];

/** A manifest that does not parse or does not satisfy the schema; `issues` are "path: message" lines. */
export class ManifestError extends Error {
  constructor(readonly issues: string[]) {
    super(`manifest.json is invalid: ${issues.join('; ')}`);
    this.name = 'ManifestError';
  }
}

/** Parses manifest bytes (UTF-8 JSON) and validates them; throws ManifestError naming each problem's path. */
export function parseManifest(bytes: Uint8Array): BundleManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ManifestError([`(file): not valid UTF-8 JSON (${(e as Error).message})`]);
  }
  return validateManifest(json);
}

export function validateManifest(value: unknown): BundleManifest {
  const result = bundleManifestSchema.safeParse(value);
  if (!result.success) throw new ManifestError(formatIssues(result.error.issues));
  return result.data;
}

/**
 * The manifest as written to disk: validated, keys in schema order (so the same manifest always
 * gives the same bytes), two-space indentation and a final newline.
 */
export function serializeManifest(manifest: BundleManifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(validateManifest(manifest), null, 2)}\n`);
}

function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    const where = path.length > 0 ? path.map(String).join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      return [
        `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
      ];
    }
    if (issue.code === 'invalid_union') {
      // Report the alternative that got furthest (the one with the deepest issue path).
      const depth = (branch: z.core.$ZodIssue[]): number => Math.max(0, ...branch.map((b) => b.path.length));
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
      if (best && best.length > 0 && depth(best) > 0) return formatIssues(best, path);
      return [`${where}: ${issue.message}`];
    }
    return [`${where}: ${issue.message}`];
  });
}
