/**
 * The shipped clinical bundle, derived from the literature rather than trained here: a logistic
 * model on ER status, HER2 status and clinical T category whose slopes are the natural logs of
 * the multivariable odds ratios reported by Li et al. (2026) and whose intercept is calibrated
 * to the study's apCR rate over an ASSUMED covariate distribution (the paper's covariate table
 * was not available to us). It is decision support of unvalidated calibration, and its manifest
 * says so.
 */
import { sha256Hex } from '../digest.ts';
import { CLINICAL_FEATURES, MANIFEST_SCHEMA, validateManifest, type BundleManifest } from '../manifest.ts';
import { buildLogisticHead, HEAD_PROBABILITY_OUTPUT } from '../onnx/linear-head.ts';
import { calibrateIntercept, enumerateCovariateCells, type CovariateCell } from './calibrate-intercept.ts';
import { clinicalLiteratureReadme } from './clinical-literature-readme.ts';
import {
  ASSUMED_COVARIATE_FACTORS,
  ASSUMPTION_STATEMENT,
  CLINICAL_LITERATURE_INPUTS,
  LI_2026,
  PUBLISHED_ODDS_RATIOS,
  REPORTED_APCR_RATE,
} from './li-2026.ts';

export * from './li-2026.ts';

export const CLINICAL_LITERATURE_ID = 'clinical-literature';
export const CLINICAL_LITERATURE_VERSION = '1.0.0';
export const CLASSIFIER_FILE = 'classifier.onnx';
export const README_FILE = 'README.md';
export const CLASSIFIER_INPUT = 'features';

export interface ClinicalLiteratureModel {
  inputNames: readonly string[];
  /** ln(OR) per input, in input order. */
  weights: number[];
  intercept: number;
  cells: CovariateCell[];
}

/** Slopes from the odds ratios, intercept by bisection (tolerance 1e-12) to the reported apCR rate. */
export function deriveClinicalLiteratureModel(): ClinicalLiteratureModel {
  const inputNames = CLINICAL_LITERATURE_INPUTS;
  const weights = inputNames.map((name) => Math.log(PUBLISHED_ODDS_RATIOS[name]));
  const cells = enumerateCovariateCells(ASSUMED_COVARIATE_FACTORS, inputNames);
  const intercept = calibrateIntercept(weights, cells, REPORTED_APCR_RATE, 1e-12);
  return { inputNames, weights, intercept, cells };
}

export interface BuiltBundleFile {
  path: string;
  role: BundleManifest['files'][number]['role'];
  bytes: Uint8Array;
}

export interface BuiltBundle {
  /** Unsigned manifest whose file digests match `files`. */
  manifest: BundleManifest;
  files: BuiltBundleFile[];
  model: ClinicalLiteratureModel;
}

export function buildClinicalLiteratureBundle(
  options: { createdAt?: string; publisher?: string } = {},
): BuiltBundle {
  const model = deriveClinicalLiteratureModel();
  const classifier = buildLogisticHead({
    inputName: CLASSIFIER_INPUT,
    featureCount: model.inputNames.length,
    coefficients: model.weights,
    intercept: model.intercept,
    producer: 'axilla-cds',
    docString:
      `Logistic apCR model: weights = ln(odds ratio) from ${LI_2026.citation} doi:${LI_2026.doi}; ` +
      `intercept calibrated to a mean apCR probability of ${REPORTED_APCR_RATE} over an assumed covariate distribution.`,
    metadata: {
      inputs: model.inputNames.join(','),
      bundle: `${CLINICAL_LITERATURE_ID}@${CLINICAL_LITERATURE_VERSION}`,
    },
  });
  const readme = new TextEncoder().encode(
    clinicalLiteratureReadme(model, { id: CLINICAL_LITERATURE_ID, version: CLINICAL_LITERATURE_VERSION }),
  );
  const files: BuiltBundleFile[] = [
    { path: CLASSIFIER_FILE, role: 'classifier', bytes: classifier },
    { path: README_FILE, role: 'documentation', bytes: readme },
  ];

  const manifest = validateManifest({
    schema: MANIFEST_SCHEMA,
    id: CLINICAL_LITERATURE_ID,
    name: 'Clinical apCR model, literature-derived (ER, HER2, clinical T)',
    version: CLINICAL_LITERATURE_VERSION,
    kind: 'clinical',
    intendedUse:
      'Decision support for planning axillary management after neoadjuvant therapy (NAT) in adults with ' +
      'biopsy-proven node-positive breast cancer: estimates the probability of axillary pathological complete ' +
      'response (apCR) from ER status, HER2 status and clinical T category (cT1-cT4) before NAT. It is not a ' +
      'diagnosis and does not replace surgical axillary staging or the multidisciplinary team decision.',
    validationStatus: 'literature-derived, not validated',
    inputs: model.inputNames.map((name) => ({
      name,
      source: 'clinical',
      description: CLINICAL_FEATURES[name as keyof typeof CLINICAL_FEATURES].meaning,
    })),
    requiredClinicalInputs: ['ER', 'HER2', 'cT'],
    extraction: {},
    seriesSelection: {},
    deepBackbone: null,
    classifier: {
      file: CLASSIFIER_FILE,
      inputName: CLASSIFIER_INPUT,
      outputName: HEAD_PROBABILITY_OUTPUT,
      outputKind: 'probability',
    },
    files: files.map((f) => ({ path: f.path, sha256: sha256Hex(f.bytes), role: f.role })),
    threshold: 'not available',
    metrics: { training: 'not available', validation: 'not available' },
    trainingData: {
      description:
        'No patient data were used to build this bundle. The slopes are ln(odds ratio) of the independent ' +
        'clinical predictors of apCR (ER, HER2, clinical T stage) reported by Li et al. 2026 (single centre, ' +
        '254 patients with NAT then surgery, 2017-2023). The intercept is calibrated so that the mean ' +
        `predicted probability equals the reported apCR rate of ${(REPORTED_APCR_RATE * 100).toFixed(1)} % over the ` +
        'assumed covariate distribution below.',
      source: `${LI_2026.citation} doi:${LI_2026.doi}`,
      outcomeRate: REPORTED_APCR_RATE,
      assumedCovariateDistribution: { statement: ASSUMPTION_STATEMENT, factors: ASSUMED_COVARIATE_FACTORS },
    },
    literature: { citation: LI_2026.citation, doi: LI_2026.doi },
    coefficients: {
      intercept: model.intercept,
      weights: Object.fromEntries(model.inputNames.map((name, i) => [name, model.weights[i]])),
      oddsRatios: { ...PUBLISHED_ODDS_RATIOS },
      derivation:
        'weight = ln(published odds ratio); intercept solved by bisection (to 1e-12) so that the mean predicted ' +
        'probability over trainingData.assumedCovariateDistribution equals trainingData.outcomeRate.',
    },
    publisher: options.publisher ?? 'Axilla CDS project',
    createdAt: options.createdAt ?? new Date().toISOString(),
  });
  return { manifest, files, model };
}
