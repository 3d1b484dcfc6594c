/**
 * `axilla train`: the research path of the MRI study (docs/training.md) — features from the one
 * extractor, selection on the training cohort, the final logistic regression with its Youden
 * threshold, evaluation on the training cohort (apparent, bootstrap optimism) and on a separate
 * validation cohort, and a signed bundle the service loads (export-bundle.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readCohortManifest, type CohortRow, type CohortSequence } from '../cohort/manifest.ts';
import type { ParameterFile } from '../cohort/extract-cohort.ts';
import { ensureDemoBackbone, loadBackbone, type Backbone } from '../deep/backbone.ts';
import { evaluatePredictions } from '../evaluate/evaluate.ts';
import type { EvaluationResult } from '../evaluate/evaluation-types.ts';
import { aucDifferenceBootstrap, optimismCorrectedAuc } from '../stats/bootstrap.ts';
import { assignFolds } from '../stats/lasso.ts';
import { fitLogistic, predictLogistic, type LogisticFit } from '../stats/logistic.ts';
import { matrixFromColumns, selectRows as selectMatrixRows } from '../stats/matrix.ts';
import { applyPca, fitPca, type PcaFit } from '../stats/pca.ts';
import { youdenThreshold } from '../stats/roc.ts';
import { spearmanMatrix } from '../stats/spearman.ts';
import { createRng } from '../synth/random.ts';
import { deepComponentName } from '../model/pca-projector.ts';
import { selectClinical, type ClinicalSelection } from './clinical-selection.ts';
import { compareClassifiers } from './compare-classifiers.ts';
import { deepFeatures, radiomicsFeatures, type FeatureProgress } from './cohort-features.ts';
import {
  clinicalColumns,
  deepColumnNames,
  manifestColumn,
  radiomicsColumnNames,
  readFeatureTable,
  selectRows,
  type FeatureTable,
} from './feature-table.ts';
import {
  applyScaler,
  byName,
  fitScaler,
  lassoSelect,
  mannWhitneyPValues,
  reproducibleFeatures,
  spearmanRedundancy,
  usableColumns,
  type Columns,
  type LassoSelection,
  type Scaler,
} from './selection.ts';
import { cohortName, type TrainConfig } from './train-config.ts';
import {
  TRAINING_REPORT_SCHEMA,
  type CoefficientRow,
  type SelectionStep,
  type TrainingReport,
} from './training-report.ts';

export class TrainingError extends Error {
  override name = 'TrainingError';
}

export interface TrainProgress {
  stage: string;
  done?: number;
  total?: number;
}

export interface TrainOptions {
  cacheRoot?: string;
  workers?: number;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
}

/** What the bundle writer needs: the frozen model, every parameter, and the report. */
export interface TrainedModel {
  config: TrainConfig;
  /** Model inputs in order: imaging (radiomics, then DL_pc…) then clinical. */
  inputs: { name: string; source: 'radiomics' | 'deep' | 'clinical' }[];
  /** Scaler per input (clinical inputs: mean 0, sd 1). */
  mean: number[];
  scale: number[];
  /** Log-odds weights on the scaled inputs, and the intercept. */
  weights: number[];
  intercept: number;
  threshold: number;
  pca: (PcaFit & { inputNames: string[] }) | null;
  backbone: { sha256: string; description: string } | null;
  params: Map<CohortSequence, ParameterFile>;
  report: TrainingReport;
  /** Training-code probabilities by patient, for the equality check against the served bundle. */
  trainingProbabilities: Map<string, number>;
  validationProbabilities: Map<string, number> | null;
  /** Raw (unscaled) input vectors by patient, as the service will assemble them. */
  trainingInputs: Map<string, number[]>;
  validationInputs: Map<string, number[]> | null;
  trainingRows: CohortRow[];
}

interface CohortData {
  manifestPath: string;
  rows: CohortRow[];
  outcome: Float64Array;
  radiomics: FeatureTable | null;
  deep: FeatureTable | null;
}

function elapsed(timings: Record<string, number>, key: string, start: number): void {
  timings[key] = Math.round(performance.now() - start);
}

function readParams(file: string): ParameterFile {
  return { name: path.basename(file), text: readFileSync(file, 'utf8') };
}

export function parameterFiles(config: TrainConfig): Map<CohortSequence, ParameterFile> {
  const r = config.features.radiomics;
  const out = new Map<CohortSequence, ParameterFile>();
  if (!r) return out;
  for (const s of r.sequences) out.set(s, readParams(r.paramsFor?.[s] ?? r.params!));
  return out;
}

async function backboneFor(config: TrainConfig): Promise<Backbone | null> {
  const d = config.features.deep;
  if (!d) return null;
  if (d.backbone) return loadBackbone(d.backbone, d.backboneSha256);
  const demo = await ensureDemoBackbone(path.resolve('var/backbones'));
  return loadBackbone(demo.path, d.backboneSha256 ?? demo.sha256);
}

async function loadCohort(
  cohort: TrainConfig['training'],
  config: TrainConfig,
  params: Map<CohortSequence, ParameterFile>,
  backbone: Backbone | null,
  o: TrainOptions,
  label: string,
): Promise<CohortData> {
  const { manifest: manifestPath, split } = cohort;
  let rows: CohortRow[];
  try {
    rows = readCohortManifest(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new TrainingError(`${label} cohort ${manifestPath}: ${(e as Error).message}`);
  }
  rows = rows.filter((r) => split === 'all' || r.split === split);
  if (rows.length < 10)
    throw new TrainingError(
      `${label} cohort ${manifestPath} has ${rows.length} rows in split "${split}"; at least 10 are needed`,
    );
  const outcome = Float64Array.from(rows, (r) => r.apcr);
  const events = outcome.reduce((s, v) => s + v, 0);
  if (events < 2 || events > rows.length - 2) {
    throw new TrainingError(
      `${label} cohort has ${events} events among ${rows.length} patients; both outcomes need at least 2`,
    );
  }
  const progress = (p: FeatureProgress): void =>
    o.onProgress?.({ stage: `${label}: ${p.stage} features`, done: p.done, total: p.total });
  const r = config.features.radiomics;
  const radiomics =
    cohort.radiomicsTable && r
      ? readFeatureTable(cohort.radiomicsTable)
      : r
        ? await radiomicsFeatures(
            manifestPath,
            { sequences: r.sequences, params },
            {
              ...(o.cacheRoot ? { cacheRoot: o.cacheRoot } : {}),
              ...(o.workers ? { workers: o.workers } : {}),
              ...(o.signal ? { signal: o.signal } : {}),
              onProgress: progress,
            },
          )
        : null;
  const deep =
    cohort.deepTable && config.features.deep
      ? readFeatureTable(cohort.deepTable)
      : backbone && config.features.deep
        ? await deepFeatures(
            manifestPath,
            backbone,
            { averageAdjacentSlices: config.features.deep.averageAdjacentSlices },
            {
              ...(o.cacheRoot ? { cacheRoot: o.cacheRoot } : {}),
              ...(o.signal ? { signal: o.signal } : {}),
              onProgress: progress,
            },
          )
        : null;
  return { manifestPath, rows, outcome, radiomics, deep };
}

function toColumns(table: FeatureTable, ids: string[], names: string[]): Columns {
  const t = selectRows(table, ids, names);
  return { names, values: names.map((n) => t.columns.get(n)!) };
}

/** Folds 1…K per training row: from the manifest column, or drawn from the seed (glmnet's scheme). */
function foldIds(config: TrainConfig, data: CohortData): Int32Array {
  const k = config.selection.lasso.folds;
  const column = config.selection.lasso.foldColumn;
  if (!column) {
    const rng = createRng(`${config.seed}/folds`);
    return Int32Array.from(assignFolds(data.rows.length, k, () => rng.uniform()));
  }
  const values = manifestColumn(data.manifestPath, column);
  return Int32Array.from(data.rows, (r) => {
    const f = Number(values.get(r.patientId));
    if (!Number.isInteger(f) || f < 1 || f > k) {
      throw new TrainingError(
        `fold column ${column}: patient ${r.patientId} has "${values.get(r.patientId)}", not a fold 1…${k}`,
      );
    }
    return f;
  });
}

function coefficientRows(fit: LogisticFit, ranges: Map<string, [number, number]>): CoefficientRow[] {
  return fit.names.map((name, i) => ({
    name,
    beta: fit.coefficients[i]!,
    se: fit.standardErrors[i]!,
    z: fit.z[i]!,
    p: fit.p[i]!,
    odds_ratio: fit.oddsRatios[i]!,
    odds_ratio_ci: fit.oddsRatioCi[i]!,
    ...(ranges.has(name) ? { range: ranges.get(name)! } : {}),
  }));
}

function range(v: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    lo = Math.min(lo, v[i]!);
    hi = Math.max(hi, v[i]!);
  }
  return [lo, hi];
}

export async function train(config: TrainConfig, o: TrainOptions = {}): Promise<TrainedModel> {
  const timings: Record<string, number> = {};
  const steps: SelectionStep[] = [];
  const step = (s: SelectionStep['step'], rule: string, input: number, kept: readonly string[]): void => {
    steps.push({ step: s, rule, input, kept: [...kept] });
  };
  const t0 = performance.now();
  const params = parameterFiles(config);
  const backbone = await backboneFor(config);
  try {
    const tr = await loadCohort(config.training, config, params, backbone, o, 'training');
    const va = config.validation
      ? await loadCohort(config.validation, config, params, backbone, o, 'validation')
      : null;
    elapsed(timings, 'features', t0);
    return await fitModel(config, params, tr, va, backbone, steps, step, timings, o);
  } finally {
    await backbone?.close();
  }
}

async function fitModel(
  config: TrainConfig,
  params: Map<CohortSequence, ParameterFile>,
  tr: CohortData,
  va: CohortData | null,
  backbone: Backbone | null,
  steps: SelectionStep[],
  step: (s: SelectionStep['step'], rule: string, input: number, kept: readonly string[]) => void,
  timings: Record<string, number>,
  o: TrainOptions,
): Promise<TrainedModel> {
  const kind = config.model.kind;
  const ids = tr.rows.map((r) => r.patientId);
  const y = tr.outcome;
  let t0 = performance.now();
  o.onProgress?.({ stage: 'selection' });

  // Imaging candidates: radiomics columns, and the deep features' principal components.
  let imaging: Columns = { names: [], values: [] };
  const r = config.features.radiomics;
  if (r && tr.radiomics) {
    const names = radiomicsColumnNames(tr.radiomics, r.sequences, r.timePoints);
    imaging = toColumns(tr.radiomics, ids, names);
  }
  let pca: (PcaFit & { inputNames: string[] }) | null = null;
  const d = config.features.deep;
  if (d && tr.deep) {
    const rawNames = deepColumnNames(tr.deep, d.blocks);
    const raw = toColumns(tr.deep, ids, rawNames);
    const bad = raw.values.findIndex((v) => v.some((x) => !Number.isFinite(x)));
    if (bad >= 0)
      throw new TrainingError(`deep feature ${rawNames[bad]} is missing for some training patients`);
    if (d.components > Math.min(ids.length - 1, rawNames.length)) {
      throw new TrainingError(
        `features.deep.components is ${d.components}, but ${ids.length} training patients allow at most ${ids.length - 1}`,
      );
    }
    const fit = fitPca(matrixFromColumns(raw.values), d.components);
    pca = { ...fit, inputNames: rawNames };
    const scores = applyPca(fit, matrixFromColumns(raw.values));
    const pcNames = Array.from({ length: d.components }, (_, c) => deepComponentName(c + 1));
    imaging = {
      names: [...imaging.names, ...pcNames],
      values: [
        ...imaging.values,
        ...pcNames.map((_, c) => scores.data.slice(c * scores.rows, (c + 1) * scores.rows)),
      ],
    };
    step(
      'pca',
      `PCA of ${rawNames.length} deep features (${d.blocks.join(', ')}) to ${d.components} components, fitted on the training cohort`,
      rawNames.length,
      pcNames,
    );
  }

  let lasso: LassoSelection | null = null;
  let scaler: Scaler | null = null;
  let selectedImaging: string[] = [];
  const foldid = foldIds(config, tr);
  if (imaging.names.length > 0) {
    step('candidates', `${imaging.names.length} imaging candidates`, imaging.names.length, imaging.names);
    const usable = usableColumns(imaging);
    step(
      'complete-cases',
      `drop features missing for a training patient (${usable.incomplete.length}) or constant (${usable.constant.length})`,
      imaging.names.length,
      usable.kept.names,
    );
    let current = usable.kept;
    const repro = config.selection.reproducibility;
    if (repro && r) {
      const second = await radiomicsFeatures(
        repro.manifest,
        { sequences: r.sequences, params },
        {
          ...(o.cacheRoot ? { cacheRoot: o.cacheRoot } : {}),
          ...(o.workers ? { workers: o.workers } : {}),
        },
      );
      const both = ids.filter((id) => second.patientIds.includes(id));
      if (both.length < 3)
        throw new TrainingError(
          `reproducibility: only ${both.length} training patients have a second reader's masks`,
        );
      const radiomicsNames = current.names.filter((n) => !n.startsWith('DL_pc'));
      const first = selectRows(tr.radiomics!, both, radiomicsNames).columns;
      const other = selectRows(
        second,
        both,
        radiomicsNames.filter((n) => second.columns.has(n)),
      ).columns;
      const { kept } = reproducibleFeatures(first, other, radiomicsNames, repro.threshold);
      const keep = new Set([...kept, ...current.names.filter((n) => n.startsWith('DL_pc'))]);
      const next = byName(
        current,
        current.names.filter((n) => keep.has(n)),
      );
      step(
        'reproducibility',
        `ICC(2,1) ≥ ${repro.threshold} between two readers (${both.length} patients)`,
        current.names.length,
        next.names,
      );
      current = next;
    }
    const spear = spearmanRedundancy(current, config.selection.spearmanThreshold);
    step(
      'spearman',
      `Spearman |ρ| > ${config.selection.spearmanThreshold}: of a correlated pair the feature listed first in the features table stays`,
      current.names.length,
      spear.kept.names,
    );
    const p = mannWhitneyPValues(spear.kept, y);
    const pKept = new Map(spear.kept.names.map((n, i) => [n, p[i]!]));
    const mw = byName(
      spear.kept,
      spear.kept.names.filter((n) => pKept.get(n)! < config.selection.mannWhitneyP),
    );
    step(
      'mann-whitney',
      `Mann–Whitney U two-sided p < ${config.selection.mannWhitneyP}`,
      spear.kept.names.length,
      mw.names,
    );
    if (mw.names.length === 0)
      throw new TrainingError('no imaging feature passed the Mann–Whitney step; nothing to train on');
    scaler = fitScaler(mw);
    const z = applyScaler(scaler, mw);
    lasso = lassoSelect(z, y, { foldid, rule: config.selection.lasso.rule });
    step(
      'lasso',
      `LASSO logistic regression, ${config.selection.lasso.folds}-fold CV binomial deviance, ${config.selection.lasso.rule}`,
      mw.names.length,
      lasso.selected,
    );
    if (lasso.selected.length === 0)
      throw new TrainingError(`LASSO at ${config.selection.lasso.rule} selected no feature`);
    selectedImaging = lasso.selected;
    // Keep only the selected features' scaling.
    const keep = selectedImaging.map((n) => scaler!.names.indexOf(n));
    scaler = {
      names: selectedImaging,
      mean: Float64Array.from(keep, (i) => scaler!.mean[i]!),
      sd: Float64Array.from(keep, (i) => scaler!.sd[i]!),
    };
  }
  elapsed(timings, 'selection', t0);

  // Clinical predictors.
  let clinical: ClinicalSelection | null = null;
  let clinicalKept: string[] = [];
  const clinicalCols = config.features.clinical
    ? {
        names: config.features.clinical.candidates,
        values: [...clinicalColumns(tr.rows, config.features.clinical.candidates).values()],
      }
    : null;
  if (clinicalCols) {
    clinical = selectClinical(clinicalCols, y, config.selection.clinicalUnivariateP);
    step(
      'clinical-univariate',
      `univariate logistic regression, Wald p < ${config.selection.clinicalUnivariateP}`,
      clinicalCols.names.length,
      clinical.passedUnivariate,
    );
    step(
      'clinical-stepwise',
      'backward stepwise selection by AIC (R step)',
      clinical.passedUnivariate.length,
      clinical.stepwise.kept,
    );
    clinicalKept = clinical.stepwise.kept;
    if (kind === 'clinical' && clinicalKept.length === 0)
      throw new TrainingError('no clinical variable passed selection');
  }

  // Final logistic regression on the scale the classifier sees.
  t0 = performance.now();
  const zImaging = scaler ? applyScaler(scaler, byName(imaging, scaler.names)) : { names: [], values: [] };
  const clinicalKeptCols = clinicalCols ? byName(clinicalCols, clinicalKept) : { names: [], values: [] };
  const l2 = config.final.l2;
  let radscore: { intercept: number; coefficients: Record<string, number> } | undefined;
  let designNames: string[];
  let designCols: Float64Array[];
  if (kind === 'radiomics-clinical') {
    radscore = { intercept: lasso!.intercept, coefficients: lasso!.coefficients };
    const score = new Float64Array(ids.length).fill(radscore.intercept);
    zImaging.names.forEach((n, j) =>
      zImaging.values[j]!.forEach((v, i) => (score[i]! += radscore!.coefficients[n]! * v)),
    );
    designNames = ['radscore', ...clinicalKept];
    designCols = [score, ...clinicalKeptCols.values];
  } else {
    designNames = [...zImaging.names, ...clinicalKept];
    designCols = [...zImaging.values, ...clinicalKeptCols.values];
  }
  const X = matrixFromColumns(designCols);
  const fit = fitLogistic(X, y, { names: designNames, l2 });
  if (fit.warnings.length > 0 && l2 === 0) {
    throw new TrainingError(
      `final logistic regression: ${fit.warnings.join('; ')} — the ${designNames.length} predictors separate the outcomes; set final.l2 (ridge) in the config`,
    );
  }
  step(
    'final',
    `logistic regression${l2 > 0 ? ` with L2 penalty λ = ${l2}` : ''}`,
    designNames.length,
    designNames,
  );
  const trainP = predictLogistic(fit, X);
  const cut = youdenThreshold(trainP, y);
  elapsed(timings, 'final', t0);

  // The classifier as the bundle holds it: inputs in order, their scaling, composed weights.
  const inputs: TrainedModel['inputs'] = [
    ...selectedImaging.map((name) => ({
      name,
      source: name.startsWith('DL_pc') ? ('deep' as const) : ('radiomics' as const),
    })),
    ...clinicalKept.map((name) => ({ name, source: 'clinical' as const })),
  ];
  const mean = [...(scaler ? Array.from(scaler.mean) : []), ...clinicalKept.map(() => 0)];
  const scale = [...(scaler ? Array.from(scaler.sd) : []), ...clinicalKept.map(() => 1)];
  let weights: number[];
  let intercept: number;
  if (radscore) {
    const c = fit.coefficients[1]!;
    weights = [...selectedImaging.map((n) => c * radscore!.coefficients[n]!), ...fit.coefficients.slice(2)];
    intercept = fit.coefficients[0]! + c * radscore.intercept;
  } else {
    weights = fit.coefficients.slice(1);
    intercept = fit.coefficients[0]!;
  }

  // Raw input vectors (what the service assembles) and the training code's probabilities.
  const rawInputs = (data: CohortData): Map<string, number[]> => {
    const rowIds = data.rows.map((row) => row.patientId);
    const cols: Float64Array[] = [];
    const radiomicsNames = selectedImaging.filter((n) => !n.startsWith('DL_pc'));
    const rad =
      radiomicsNames.length > 0 ? selectRows(data.radiomics!, rowIds, radiomicsNames).columns : new Map();
    let pcs: Map<string, Float64Array> = new Map();
    if (pca && selectedImaging.some((n) => n.startsWith('DL_pc'))) {
      const raw = selectRows(data.deep!, rowIds, pca.inputNames);
      const scores = applyPca(pca, matrixFromColumns(pca.inputNames.map((n) => raw.columns.get(n)!)));
      pcs = new Map(
        Array.from({ length: scores.cols }, (_, c) => [
          deepComponentName(c + 1),
          scores.data.slice(c * scores.rows, (c + 1) * scores.rows),
        ]),
      );
    }
    for (const n of selectedImaging) cols.push(n.startsWith('DL_pc') ? pcs.get(n)! : rad.get(n)!);
    if (clinicalKept.length > 0) cols.push(...clinicalColumns(data.rows, clinicalKept).values());
    return new Map(rowIds.map((id, i) => [id, cols.map((c) => c[i]!)]));
  };
  const probability = (x: number[]): number => {
    let eta = intercept;
    x.forEach((v, j) => (eta += (weights[j]! * (v - mean[j]!)) / scale[j]!));
    return 1 / (1 + Math.exp(-eta));
  };
  const trainingInputs = rawInputs(tr);
  const trainingProbabilities = new Map([...trainingInputs].map(([id, x]) => [id, probability(x)]));
  let validationInputs: Map<string, number[]> | null = null;
  let validationProbabilities: Map<string, number> | null = null;
  let validationOutcome: Float64Array | null = null;
  if (va) {
    const all = rawInputs(va);
    // A patient whose selected features could not be extracted cannot be scored (reported).
    validationInputs = new Map([...all].filter(([, x]) => x.every(Number.isFinite)));
    validationProbabilities = new Map([...validationInputs].map(([id, x]) => [id, probability(x)]));
    validationOutcome = Float64Array.from(
      va.rows.filter((row) => validationInputs!.has(row.patientId)),
      (row) => row.apcr,
    );
  }

  // Evaluation: apparent, optimism-corrected (rms::validate: the final model refitted per resample), validation.
  t0 = performance.now();
  o.onProgress?.({ stage: 'evaluation' });
  const epv = { variables: designNames.length };
  const trainingScores = Float64Array.from(ids, (id) => trainingProbabilities.get(id)!);
  const training: EvaluationResult = evaluatePredictions(
    { apcr: y, probability: trainingScores },
    { outcome: 'apcr', scores: ['probability'], threshold: 'youden', eventsPerVariable: epv },
  );
  let validation: EvaluationResult | null = null;
  let aucDifference: TrainingReport['evaluation']['auc_difference'] = null;
  if (validationProbabilities && validationOutcome) {
    const vScores = Float64Array.from(validationProbabilities.values());
    validation = evaluatePredictions(
      { apcr: validationOutcome, probability: vScores },
      { outcome: 'apcr', scores: ['probability'], threshold: cut.threshold },
    );
    if (config.evaluation.differenceTest > 0) {
      const rng = createRng(`${config.seed}/auc-difference`);
      const test = aucDifferenceBootstrap(
        trainingScores,
        y,
        vScores,
        validationOutcome,
        config.evaluation.differenceTest,
        () => rng.uniform(),
      );
      aucDifference = {
        auc_training: test.auc1,
        auc_validation: test.auc2,
        difference: test.difference,
        d: test.d,
        p: test.p,
        resamples: test.resamples,
      };
    }
  }
  let optimism: TrainingReport['evaluation']['optimism'] = null;
  if (config.evaluation.bootstrap > 0) {
    const rng = createRng(`${config.seed}/optimism`);
    const result = optimismCorrectedAuc(
      ids.length,
      y,
      (rows) => {
        const refit = fitLogistic(
          selectMatrixRows(X, rows),
          Float64Array.from(rows, (i) => y[i]!),
          { names: designNames, l2 },
        );
        return (scoreRows) => predictLogistic(refit, selectMatrixRows(X, scoreRows));
      },
      config.evaluation.bootstrap,
      () => rng.uniform(),
      (done, total) => o.onProgress?.({ stage: 'bootstrap', done, total }),
    );
    optimism = { ...result };
  }
  elapsed(timings, 'evaluation', t0);

  // Classifier comparison on the final predictors (same folds as the LASSO).
  t0 = performance.now();
  let classifiers: TrainingReport['classifiers'] = [];
  if (config.evaluation.compareClassifiers) {
    o.onProgress?.({ stage: 'classifier comparison' });
    const rowsOf = (cols: Float64Array[], n: number): number[][] =>
      Array.from({ length: n }, (_, i) => cols.map((c) => c[i]!));
    let validationX: number[][] | undefined;
    if (validationInputs && validationOutcome) {
      const vr = [...validationInputs.values()].map((x) => x.map((v, j) => (v - mean[j]!) / scale[j]!));
      validationX = radscore
        ? vr.map((x) => [radscoreOf(x, selectedImaging, radscore!), ...x.slice(selectedImaging.length)])
        : vr;
    }
    classifiers = await compareClassifiers(
      {
        names: designNames,
        train: { X: rowsOf(designCols, ids.length), y: Array.from(y) },
        ...(validationX && validationOutcome
          ? { validation: { X: validationX, y: Array.from(validationOutcome) } }
          : {}),
      },
      { foldid, seed: createRng(`${config.seed}/classifiers`).uint32(), l2 },
    );
  }
  elapsed(timings, 'classifiers', t0);

  const ranges = new Map(designNames.map((n, j) => [n, range(designCols[j]!)]));
  const rows = coefficientRows(fit, ranges);
  const report: TrainingReport = {
    schema: TRAINING_REPORT_SCHEMA,
    model: { id: config.model.id, version: config.model.version, name: config.model.name, kind },
    cohort: {
      manifest: cohortName(config.training.manifest),
      n: ids.length,
      events: y.reduce((s, v) => s + v, 0),
      split: config.training.split,
    },
    config,
    steps,
    lasso: lasso
      ? {
          lambda_min: lasso.cv.lambdaMin,
          lambda_1se: lasso.cv.lambda1se,
          lambda_used: lasso.lambdaUsed,
          rule: config.selection.lasso.rule,
          selected: lasso.selected,
          coefficients: { '(Intercept)': lasso.intercept, ...lasso.coefficients },
          nfolds: config.selection.lasso.folds,
          folds_from: config.selection.lasso.foldColumn ? 'column' : 'seed',
          path: lassoPathReport(lasso),
          cv: { lambda: lasso.cv.lambda, cvm: lasso.cv.cvm, cvsd: lasso.cv.cvsd },
          kkt: { max_violation: lasso.kktMaxViolation },
        }
      : null,
    pca: pca
      ? {
          components: pca.components.length,
          inputs: pca.inputNames.length,
          explained_variance_ratio: pca.explainedVarianceRatio,
        }
      : null,
    clinical: clinical ? { univariate: clinical.univariate, stepwise: clinical.stepwise } : null,
    final: {
      intercept: rows[0]!,
      coefficients: rows.slice(1),
      penalty: l2 > 0 ? { l2 } : 'none',
      ...(radscore ? { radscore } : {}),
      threshold: {
        value: cut.threshold,
        method: 'youden',
        sensitivity: cut.sensitivity,
        specificity: cut.specificity,
      },
      events_per_variable: Math.min(training.events, training.n - training.events) / designNames.length,
    },
    spearman:
      zImaging.names.length > 1
        ? { names: zImaging.names, matrix: spearmanMatrix(zImaging.values) }
        : { names: zImaging.names, matrix: zImaging.names.map(() => [1]) },
    evaluation: { training, validation, optimism, auc_difference: aucDifference },
    classifiers,
    timings_ms: timings,
  };
  return {
    config,
    inputs,
    mean,
    scale,
    weights,
    intercept,
    threshold: cut.threshold,
    pca,
    backbone: backbone ? { sha256: backbone.sha256, description: backbone.label } : null,
    params,
    report,
    trainingProbabilities,
    validationProbabilities,
    trainingInputs,
    validationInputs,
    trainingRows: tr.rows,
  };
}

function radscoreOf(
  z: number[],
  names: string[],
  radscore: { intercept: number; coefficients: Record<string, number> },
): number {
  return names.reduce((s, n, j) => s + radscore.coefficients[n]! * z[j]!, radscore.intercept);
}

/** The LASSO path of every feature that is non-zero somewhere on it (for the path plot). */
function lassoPathReport(lasso: LassoSelection): NonNullable<TrainingReport['lasso']>['path'] {
  const path = lasso.cv.path;
  const names = lasso.cvNames;
  const ever = names.map((_, j) => path.beta.some((b) => b[j] !== 0));
  const coefficients: Record<string, number[]> = {};
  names.forEach((n, j) => {
    if (ever[j]) coefficients[n] = path.beta.map((b) => b[j]!);
  });
  return { lambda: path.lambda, df: path.df, coefficients };
}
