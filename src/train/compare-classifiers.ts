/**
 * Side-by-side comparison of classifiers on the final selected features (issue 5: "logistic
 * regression, naive Bayes, SVM, KNN, gradient boosting, AdaBoost, MLP — those for which well-kept
 * JavaScript libraries exist"). docs/classifier-comparison.md says which libraries were chosen,
 * which were not and why, the fixed hyper-parameters and how the AUCs are computed.
 *
 * The comparison is descriptive: hyper-parameters are fixed defaults, not tuned, and the shipped
 * model stays the logistic regression the studies used. Each offered classifier gets
 * - `cv_auc`: fit on the rows of K − 1 folds, score the held-out fold, pool the K sets of
 *   out-of-fold scores and compute one AUC (the folds are the LASSO's);
 * - `train_auc`: fit on all training rows and score them (apparent AUC);
 * - `validation_auc`: the same fit scoring the validation rows, when given.
 * AUCs are `auc` of src/stats/roc.ts (pROC's convention: class 1 has the higher scores, ties
 * count ½). Every score is P(class 1) or a strictly increasing function of it (log-odds), which
 * gives the same AUC; the row's `score` field says which.
 *
 * The libraries are loaded on first use (dynamic import / require), so code that only imports
 * this module does not pay for TensorFlow.js or the libsvm build.
 */
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';

import type * as TF from '@tensorflow/tfjs-core';

import { fitLogistic, predictLogistic } from '../stats/logistic.ts';
import { matrixFromRows } from '../stats/matrix.ts';
import { auc } from '../stats/roc.ts';
import { splitmix32 } from '../util/splitmix32.ts';
import type { ClassifierComparisonRow } from './training-report.ts';

/** X rows are patients, already z-scored with training means/SDs; columns are the final selected features. */
export interface ComparisonData {
  names: string[];
  train: { X: number[][]; y: number[] };
  validation?: { X: number[][]; y: number[] };
}

export interface ComparisonOptions {
  /** Fold 1..K of each training row: the same folds the LASSO used. */
  foldid: ArrayLike<number>;
  /**
   * Seeds the MLP's weight initialisation. Logistic regression, naive Bayes and k-NN draw no random
   * numbers; libsvm's Platt step uses libsvm's own rand(), restarted in every run (see `svm`).
   */
  seed: number;
  /** Called after every fit: `total` = offered classifiers × (K + 1). */
  onProgress?: (done: number, total: number) => void;
  /** Ridge penalty of the logistic regression row, as the final model uses (default: none). */
  l2?: number;
  /** Run only these of the offered classifiers (default: all); the rows of the others are left out. */
  classifiers?: readonly OfferedClassifier[];
}

/** The classifiers this module runs, in the order. */
export const OFFERED_CLASSIFIERS = [
  'logistic regression',
  'naive Bayes',
  'SVM',
  'k-nearest neighbours',
  'MLP',
] as const;
export type OfferedClassifier = (typeof OFFERED_CLASSIFIERS)[number];

/** What a row's AUCs were computed from. */
export type ComparisonScore = 'P(class 1)' | 'log-odds of class 1' | 'fraction of neighbours in class 1';

export interface ComparisonRow extends ClassifierComparisonRow {
  /** False for a classifier the product does not run (no well-kept JavaScript library); its AUCs are null. */
  offered: boolean;
  score: ComparisonScore | null;
  /** The fixed, untuned settings, in words. */
  hyperparameters: string | null;
}

/** Fixed hyper-parameters (docs/classifier-comparison.md); chosen as common defaults, not tuned. */
export const COMPARISON_SETTINGS = {
  svm: { cost: 1, tolerance: 0.001 },
  mlp: { hidden: 16, learningRate: 0.01, epochs: 100, l2: 0.01 },
} as const;

/** A fitted model: scores rows (one value per row, larger = more likely class 1). */
interface Fitted {
  score(X: number[][]): Float64Array;
  dispose(): void;
  /** Warnings of the fit worth a note on the row (e.g. glm's separation warning). */
  warnings?: string[];
}

interface Classifier {
  name: OfferedClassifier;
  library: string;
  score: ComparisonScore;
  hyperparameters: string;
  fit(X: number[][], y: number[]): Fitted;
}

const requireCjs = createRequire(import.meta.url);

/** `name@version` of an installed npm package, read from its package.json. */
function packageVersion(name: string): string {
  const pkg = requireCjs(`${name}/package.json`) as { version: string };
  return `${name}@${pkg.version}`;
}

// ————————————————————————————————————————— input checks —————————————————————————————————————————

function fail(message: string): never {
  throw new RangeError(`compareClassifiers: ${message}`);
}

function checkRows(X: number[][], y: number[], names: string[], what: string): void {
  const p = names.length;
  if (!Array.isArray(X) || !Array.isArray(y)) fail(`${what}: X and y must be arrays`);
  if (X.length !== y.length) fail(`${what}: X has ${X.length} rows but y has ${y.length} outcomes`);
  if (X.length === 0) fail(`${what}: no rows`);
  X.forEach((row, i) => {
    if (row.length !== p) fail(`${what}: row ${i} has ${row.length} values, expected ${p} (one per name)`);
    row.forEach((v, j) => {
      if (!Number.isFinite(v))
        fail(`${what}: row ${i}, feature ${names[j]} is ${v} (finite values required)`);
    });
  });
  let events = 0;
  y.forEach((v, i) => {
    if (v === 1) events += 1;
    else if (v !== 0) fail(`${what}: outcome ${i} is ${v} (0 or 1 required)`);
  });
  if (events === 0 || events === y.length) {
    fail(`${what}: outcomes hold one class only (${events} events, ${y.length - events} non-events)`);
  }
}

/** Validates the fold ids (integers 1..K, each used, K ≥ 2) and returns K. */
function checkFolds(foldid: ArrayLike<number>, y: number[]): number {
  if (foldid.length !== y.length)
    fail(`foldid has ${foldid.length} entries but there are ${y.length} training rows`);
  let K = 0;
  for (let i = 0; i < foldid.length; i += 1) {
    const f = foldid[i]!;
    if (!Number.isInteger(f) || f < 1) fail(`foldid[${i}] is ${f} (fold ids must be integers 1..K)`);
    K = Math.max(K, f);
  }
  if (K < 2) fail(`foldid uses ${K} fold (at least 2 are needed for cross-validation)`);
  for (let k = 1; k <= K; k += 1) {
    let size = 0;
    let events = 0;
    for (let i = 0; i < y.length; i += 1) {
      if (foldid[i] === k) continue;
      size += 1;
      events += y[i]!;
    }
    if (size === y.length) fail(`fold ${k} of 1..${K} is empty (fold ids must be integers 1..K, each used)`);
    if (events === 0 || events === size) {
      fail(
        `the training part of fold ${k} (rows not in fold ${k}) holds one class only ` +
          `(${events} events, ${size - events} non-events): no classifier can be fitted on it`,
      );
    }
  }
  return K;
}

// ————————————————————————————————————————— classifiers —————————————————————————————————————————

/** The product's own logistic regression (src/stats/logistic.ts), as the final model fits it. */
function logisticRegression(names: string[], l2: number | undefined): Classifier {
  return {
    name: 'logistic regression',
    library: 'axilla-cds',
    score: 'P(class 1)',
    hyperparameters:
      l2 === undefined || l2 === 0
        ? 'maximum likelihood, no penalty (as the final model)'
        : `ridge penalty l2 = ${l2} (as the final model)`,
    fit(X, y) {
      const fit = fitLogistic(
        matrixFromRows(X),
        Float64Array.from(y),
        l2 === undefined ? { names } : { names, l2 },
      );
      return { score: (Z) => predictLogistic(fit, matrixFromRows(Z)), dispose() {}, warnings: fit.warnings };
    },
  };
}

/** The parts of ml-naivebayes' GaussianNB this module reads (its toJSON() exposes them). */
interface GaussianNBModel {
  train(X: number[][], y: number[]): void;
  /** Per class (index = label): per-feature means. */
  means: number[][];
  /** Per class: [log prior, [1/(√(2π)·sd), −2·sd²] per feature]. */
  calculateProbabilities: [number, ...[number, number][]][];
}

/**
 * Gaussian naive Bayes, fitted by ml-naivebayes (per-class means and SDs with the n − 1 divisor,
 * priors = class proportions, as R's e1071::naiveBayes). The library's `predict` only returns the
 * arg-max class and exponentiates densities (they underflow far from the means), so the score is
 * the log posterior odds computed in log space from the fitted parameters:
 *   log P(1|x) − log P(0|x) = Σ_c∈{1,0} ±[log π_c + Σ_j (log a_cj + (x_j − μ_cj)² / b_cj)],
 * a_cj = 1/(√(2π) s_cj), b_cj = −2 s_cj² — the library's own density, without the round trip
 * through exp.
 */
function naiveBayes(names: string[]): Classifier {
  const { GaussianNB } = requireCjs('ml-naivebayes') as { GaussianNB: new () => GaussianNBModel };
  return {
    name: 'naive Bayes',
    library: packageVersion('ml-naivebayes'),
    score: 'log-odds of class 1',
    hyperparameters:
      'Gaussian class-conditional densities (per-class mean and SD, n − 1), priors = class proportions',
    fit(X, y) {
      const model = new GaussianNB();
      model.train(X, y);
      const params = model.calculateProbabilities;
      for (const c of [0, 1]) {
        const cls = params[c]!;
        for (let j = 1; j < cls.length; j += 1) {
          const [a, b] = cls[j] as [number, number];
          if (!Number.isFinite(a) || !(b < 0)) {
            throw new Error(
              `feature ${names[j - 1]} is constant within class ${c}: its Gaussian density is degenerate`,
            );
          }
        }
      }
      const logJoint = (x: number[], c: number): number => {
        const cls = params[c]!;
        const mu = model.means[c]!;
        let s = cls[0];
        for (let j = 0; j < x.length; j += 1) {
          const [a, b] = cls[j + 1] as [number, number];
          const d = x[j]! - mu[j]!;
          s += Math.log(a) + (d * d) / b;
        }
        return s;
      };
      return {
        score: (Z) => Float64Array.from(Z, (x) => logJoint(x, 1) - logJoint(x, 0)),
        dispose() {},
      };
    },
  };
}

/** The parts of libsvm-js' SVM class this module uses. */
interface LibsvmModel {
  train(X: number[][], y: number[]): void;
  predictOneProbability(x: number[]): {
    prediction: number;
    estimates: { label: number; probability: number }[];
  };
  free(): void;
}
interface LibsvmClass {
  new (options: Record<string, unknown>): LibsvmModel;
  SVM_TYPES: { C_SVC: string };
  KERNEL_TYPES: { RBF: string };
}

/**
 * A fresh instance of libsvm-js' asm.js build (libsvm 3.22 compiled with emscripten). libsvm's
 * Platt scaling runs an internal 5-fold cross-validation whose split uses C `rand()`, whose state
 * lives in the module's memory and cannot be reseeded from JavaScript (`srand` is not exported):
 * loading the module afresh for each comparison restarts `rand()` from the same state, so the same
 * input gives the same probabilities. The asm.js build (not the WebAssembly one) loads synchronously
 * and without the WebAssembly build's "wasm streaming compile failed" message under Node.
 */
function freshLibsvm(): LibsvmClass {
  const root = dirname(requireCjs.resolve('libsvm-js/package.json')) + sep;
  for (const key of Object.keys(requireCjs.cache)) if (key.startsWith(root)) delete requireCjs.cache[key];
  // Emscripten's Node start-up code adds process listeners (`unhandledRejection` → process.exit(1),
  // which would turn any later unhandled rejection of the product into a silent exit, and would
  // keep every loaded module alive). Remove whatever the load added.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(emitter.eventNames().map((e) => [e, new Set(emitter.listeners(e))]));
  try {
    return requireCjs('libsvm-js/asm') as LibsvmClass;
  } finally {
    for (const e of emitter.eventNames()) {
      const had = before.get(e);
      for (const l of emitter.listeners(e)) {
        if (!had?.has(l)) emitter.removeListener(e, l as (...args: unknown[]) => void);
      }
    }
  }
}

/** C-SVC with an RBF kernel (libsvm via libsvm-js), Platt-scaled probability of class 1. */
function svm(p: number): Classifier {
  const SVM = freshLibsvm();
  const gamma = 1 / p;
  const { cost, tolerance } = COMPARISON_SETTINGS.svm;
  return {
    name: 'SVM',
    library: `${packageVersion('libsvm-js')} (libsvm 3.22)`,
    score: 'P(class 1)',
    hyperparameters:
      `C-SVC, RBF kernel exp(−γ‖x − x′‖²), C = ${cost}, γ = 1/p = ${+gamma.toPrecision(6)}, ` +
      `tolerance ${tolerance}, shrinking on; Platt probabilities (libsvm's internal 5-fold CV)`,
    fit(X, y) {
      const model = new SVM({
        type: SVM.SVM_TYPES.C_SVC,
        kernel: SVM.KERNEL_TYPES.RBF,
        gamma,
        cost,
        tolerance,
        shrinking: true,
        probabilityEstimates: true,
        quiet: true,
      });
      model.train(X, y);
      return {
        score: (Z) =>
          Float64Array.from(Z, (x) => {
            const e = model.predictOneProbability(x).estimates.find((r) => r.label === 1);
            if (!e) throw new Error('libsvm returned no probability for class 1');
            return e.probability;
          }),
        dispose: () => model.free(),
      };
    },
  };
}

/** The parts of ml-knn this module uses: its k-d tree (exposed by toJSON) returns the k nearest rows with their labels appended. */
interface KnnModel {
  kdTree: { nearest(x: number[], k: number): [number[], number][] };
}

/** The largest odd integer ≤ √n (at least 1): the common √n rule, odd so two-class votes cannot tie. */
export function knnK(n: number): number {
  const k = Math.floor(Math.sqrt(n));
  return Math.max(1, k % 2 === 0 ? k - 1 : k);
}

/**
 * k-nearest neighbours (ml-knn, Euclidean distance). ml-knn's `predict` returns the majority
 * class only; the score is the fraction of the k nearest training rows that are class 1 (the
 * unweighted-vote estimate of P(class 1), as R's class::knn `prob`). ml-knn's k-d tree search is
 * exact; a tie at the k-th distance keeps whichever rows the tree visits first.
 */
function knn(): Classifier {
  const KNN = requireCjs('ml-knn') as new (X: number[][], y: number[], options: { k: number }) => KnnModel;
  return {
    name: 'k-nearest neighbours',
    library: packageVersion('ml-knn'),
    score: 'fraction of neighbours in class 1',
    hyperparameters:
      'k = largest odd integer ≤ √n of the rows fitted on, Euclidean distance, unweighted vote',
    fit(X, y) {
      const k = knnK(X.length);
      const model = new KNN(X, y, { k });
      return {
        score: (Z) =>
          Float64Array.from(Z, (x) => {
            const near = model.kdTree.nearest(x, k);
            if (near.length !== k)
              throw new Error(`ml-knn returned ${near.length} neighbours, expected ${k}`);
            let ones = 0;
            for (const [point] of near) if (point[x.length] === 1) ones += 1;
            return ones / k;
          }),
        dispose() {},
      };
    },
  };
}

/**
 * A multilayer perceptron built with TensorFlow.js layers on its pure-JavaScript CPU backend:
 * p → 16 ReLU → 1 (logit), Glorot-uniform kernels from seeds derived from `seed`, zero biases;
 * loss = mean binary cross-entropy + l2·Σ(kernel weights²) (the convention of Keras'
 * `regularizers.l2`); Adam on the full batch for a fixed number of epochs, no early stopping, no
 * shuffling (COMPARISON_SETTINGS.mlp). Float32 arithmetic; the score is the output logit. The
 * training loop is tfjs' own `optimizer.minimize` over the layers' variables, the step `model.fit`
 * takes, without fit's asynchronous per-epoch callbacks and history.
 */
async function mlp(seed: number): Promise<Classifier> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  // tfjs-layers' Node bundle also registers the gradients the optimiser needs.
  const tfl = await import('@tensorflow/tfjs-layers');
  // PROD silences tfjs' console advice to install tfjs-node (a native download the product avoids).
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu' && !(await tf.setBackend('cpu'))) {
    throw new Error('TensorFlow.js CPU backend unavailable');
  }
  const { hidden, learningRate, epochs, l2 } = COMPARISON_SETTINGS.mlp;
  const seeds = [splitmix32(seed), splitmix32(seed + 1)] as const;
  return {
    name: 'MLP',
    library: `${packageVersion('@tensorflow/tfjs-layers')} (CPU backend)`,
    score: 'log-odds of class 1',
    hyperparameters:
      `one hidden layer of ${hidden} ReLU units, logistic output; Glorot-uniform initialisation seeded from ` +
      `the run's seed; Adam, learning rate ${learningRate}, ${epochs} full-batch epochs; ` +
      `L2 ${l2} on the weights; float32`,
    fit(X, y) {
      const p = X[0]!.length;
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({
            inputShape: [p],
            units: hidden,
            activation: 'relu',
            kernelInitializer: tfl.initializers.glorotUniform({ seed: seeds[0] }),
            biasInitializer: 'zeros',
          }),
          tfl.layers.dense({
            units: 1,
            activation: 'linear',
            kernelInitializer: tfl.initializers.glorotUniform({ seed: seeds[1] }),
            biasInitializer: 'zeros',
          }),
        ],
      });
      // The layers' own tf.Variables, so the optimiser updates the model in place and the penalty
      // is a function of the weights being trained.
      const variables = model.trainableWeights.map((w) => w.read() as TF.Variable);
      const kernels = variables.filter((v) => v.name.endsWith('/kernel'));
      if (kernels.length !== 2) {
        model.dispose();
        throw new Error(`expected 2 kernel weights in the MLP, found ${kernels.length}`);
      }
      const optimizer = tf.train.adam(learningRate);
      const xs = tf.tensor2d(X, [X.length, p], 'float32');
      const ys = tf.tensor2d(y, [y.length, 1], 'float32');
      const loss = (): TF.Scalar => {
        const logits = model.apply(xs, { training: true }) as TF.Tensor2D;
        const penalty = tf.addN(kernels.map((k) => tf.sum(tf.square(k))));
        return tf.add(tf.losses.sigmoidCrossEntropy(ys, logits), tf.mul(l2, penalty));
      };
      try {
        for (let epoch = 0; epoch < epochs; epoch += 1)
          tf.tidy(() => void optimizer.minimize(loss, false, variables));
      } catch (e) {
        model.dispose();
        throw e;
      } finally {
        tf.dispose([xs, ys]);
        optimizer.dispose();
      }
      return {
        score(Z) {
          const out = tf.tidy(() => model.predict(tf.tensor2d(Z, [Z.length, p], 'float32')) as TF.Tensor);
          try {
            return Float64Array.from(out.dataSync());
          } finally {
            out.dispose();
          }
        },
        dispose: () => model.dispose(),
      };
    },
  };
}

/** The classifiers that have no well-kept JavaScript library (docs/classifier-comparison.md). */
const NOT_OFFERED: { name: string; note: string }[] = [
  {
    name: 'gradient boosting',
    note:
      'not offered: no well-kept JavaScript library. ml-xgboost@1.1.2, the only XGBoost build for ' +
      'JavaScript, was last released in February 2018 (about 1,500 downloads a month), wraps an ' +
      'unversioned, locally patched XGBoost snapshot, and its package.json licence (MIT) disagrees ' +
      "with its LICENSE file (Apache-2.0); decision-tree@1.0.0's 'XGBoost' splits on exact " +
      'categorical values and returns labels, not probabilities. See docs/classifier-comparison.md.',
  },
  {
    name: 'AdaBoost',
    note:
      'not offered: the npm registry has no AdaBoost implementation for continuous features; ' +
      'writing one here would be unreviewed code, not a library. See docs/classifier-comparison.md.',
  },
];

/** The order of classifiers; offered ones first get their library loaded. */
const ORDER = [
  'logistic regression',
  'naive Bayes',
  'SVM',
  'k-nearest neighbours',
  'gradient boosting',
  'AdaBoost',
  'MLP',
];

// ————————————————————————————————————————— comparison —————————————————————————————————————————

/**
 * Runs every offered classifier with the fixed settings and returns one row per classifier of
 * the issue (offered or not), in the order. Throws a RangeError naming the problem for
 * bad input (length mismatch, non-finite values, outcomes not 0/1 or one class only, fold ids
 * not integers 1..K each used, one class in a fold's training part). A classifier whose fit
 * fails on valid input (e.g. a feature constant within a class for naive Bayes) gets null AUCs
 * and a note saying why, so one library cannot abort a training run.
 */
export async function compareClassifiers(
  data: ComparisonData,
  options: ComparisonOptions,
): Promise<ComparisonRow[]> {
  const p = data.names.length;
  if (p === 0) fail('no features (names is empty)');
  checkRows(data.train.X, data.train.y, data.names, 'training data');
  if (data.validation) checkRows(data.validation.X, data.validation.y, data.names, 'validation data');
  const K = checkFolds(options.foldid, data.train.y);
  if (!Number.isInteger(options.seed)) fail(`seed must be an integer, got ${options.seed}`);
  if (options.l2 !== undefined && !(options.l2 >= 0)) fail(`l2 must be ≥ 0, got ${options.l2}`);

  const wanted = new Set<string>(options.classifiers ?? OFFERED_CLASSIFIERS);
  for (const name of wanted) {
    if (!(OFFERED_CLASSIFIERS as readonly string[]).includes(name)) {
      fail(`unknown classifier "${name}" (offered: ${OFFERED_CLASSIFIERS.join(', ')})`);
    }
  }
  const load: Record<OfferedClassifier, () => Classifier | Promise<Classifier>> = {
    'logistic regression': () => logisticRegression(data.names, options.l2),
    'naive Bayes': () => naiveBayes(data.names),
    SVM: () => svm(p),
    'k-nearest neighbours': () => knn(),
    MLP: () => mlp(options.seed),
  };
  const classifiers: Classifier[] = [];
  for (const name of OFFERED_CLASSIFIERS) if (wanted.has(name)) classifiers.push(await load[name]());
  const total = classifiers.length * (K + 1);
  let done = 0;
  const step = (): void => {
    done += 1;
    options.onProgress?.(done, total);
  };

  const { X, y } = data.train;
  const foldid = Array.from(options.foldid);
  const rows: ComparisonRow[] = NOT_OFFERED.map((c) => ({
    name: c.name,
    library: 'none',
    cv_auc: null,
    train_auc: null,
    validation_auc: null,
    note: c.note,
    offered: false,
    score: null,
    hyperparameters: null,
  }));

  for (const [index, c] of classifiers.entries()) {
    const row: ComparisonRow = {
      name: c.name,
      library: c.library,
      cv_auc: null,
      train_auc: null,
      validation_auc: null,
      offered: true,
      score: c.score,
      hyperparameters: c.hyperparameters,
    };
    const warnings = new Set<string>();
    /** Fits on the rows `keep` selects and scores each of `targets`. */
    const fitAndScore = (
      keep: (i: number) => boolean,
      targets: number[][][],
      where: string,
    ): Float64Array[] => {
      try {
        const fitted = c.fit(
          X.filter((_, i) => keep(i)),
          y.filter((_, i) => keep(i)),
        );
        try {
          for (const w of fitted.warnings ?? []) warnings.add(`${w} (${where})`);
          return targets.map((t) => fitted.score(t));
        } finally {
          fitted.dispose();
        }
      } catch (e) {
        throw new Error(`failed on ${where}: ${(e as Error).message}`, { cause: e });
      }
    };
    try {
      const outOfFold = new Float64Array(y.length);
      for (let k = 1; k <= K; k += 1) {
        const held = foldid.flatMap((f, i) => (f === k ? [i] : []));
        const [s] = fitAndScore(
          (i) => foldid[i] !== k,
          [held.map((i) => X[i]!)],
          `the training part of fold ${k} of ${K}`,
        );
        held.forEach((i, m) => (outOfFold[i] = s![m]!));
        step();
      }
      const targets = data.validation ? [X, data.validation.X] : [X];
      const [apparent, validation] = fitAndScore(() => true, targets, 'all training rows');
      step();
      row.cv_auc = auc(outOfFold, y);
      row.train_auc = auc(apparent!, y);
      row.validation_auc = data.validation ? auc(validation!, data.validation.y) : null;
    } catch (e) {
      row.cv_auc = row.train_auc = row.validation_auc = null;
      warnings.add((e as Error).message);
      done = (index + 1) * (K + 1);
      options.onProgress?.(done, total);
    }
    if (warnings.size > 0) row.note = [...warnings].join('; ');
    rows.push(row);
  }
  return ORDER.flatMap((name) => rows.filter((r) => r.name === name));
}
