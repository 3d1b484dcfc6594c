import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';

import { fitLogistic, predictLogistic } from '../stats/logistic.ts';
import { matrixFromRows } from '../stats/matrix.ts';
import { R_MISSING, rAvailable, runR } from '../stats/r-reference.test-helper.ts';
import { auc } from '../stats/roc.ts';
import { createRng, type Rng } from '../synth/random.ts';
import {
  compareClassifiers,
  knnK,
  OFFERED_CLASSIFIERS,
  type ComparisonData,
  type ComparisonRow,
} from './compare-classifiers.ts';

/**
 * n patients × p standard-normal features; P(y = 1) = logistic(Σ beta_j x_j) over the first
 * beta.length features (all-zero beta = pure noise).
 */
function cohort(rng: Rng, n: number, p: number, beta: number[]): { X: number[][]; y: number[] } {
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const x = Array.from({ length: p }, () => rng.normal());
    const eta = beta.reduce((s, b, j) => s + b * x[j]!, 0);
    X.push(x);
    y.push(rng.uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0);
  }
  return { X, y };
}

/**
 * Fold ids 1..K stratified by outcome (as caret::createFolds): each class is shuffled and dealt
 * round-robin, so every fold's training part holds both classes and the fold prevalences agree.
 */
function folds(rng: Rng, y: number[], K: number): number[] {
  const f = new Array<number>(y.length);
  let pos = 0;
  for (const c of [0, 1]) {
    const rows = y.flatMap((v, i) => (v === c ? [i] : []));
    for (let i = rows.length - 1; i > 0; i -= 1) {
      const j = rng.integer(0, i);
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    for (const r of rows) f[r] = (pos++ % K) + 1;
  }
  return f;
}

const P = 6;
const K = 5;
const names = Array.from({ length: P }, (_, j) => `x${j + 1}`);
const signalRng = createRng('compare-classifiers/signal');
// Two of six features carry the signal (log-odds 1.5 per SD each): true AUC about 0.85.
const signal: ComparisonData = {
  names,
  train: cohort(signalRng.fork('train'), 120, P, [1.5, -1.5]),
  validation: cohort(signalRng.fork('validation'), 120, P, [1.5, -1.5]),
};
const signalFolds = folds(signalRng.fork('folds'), signal.train.y, K);

const byName = (rows: ComparisonRow[], name: string): ComparisonRow => {
  const row = rows.find((r) => r.name === name);
  assert.ok(row, `no row ${name}`);
  return row;
};

describe('compareClassifiers on a known linear signal', () => {
  let rows: ComparisonRow[];
  const progress: [number, number][] = [];
  const processListeners = (): number =>
    process.eventNames().reduce((s, e) => s + (process as NodeJS.EventEmitter).listenerCount(e), 0);
  let listenersBefore = 0;
  before(async () => {
    listenersBefore = processListeners();
    rows = await compareClassifiers(signal, {
      foldid: signalFolds,
      seed: 11,
      onProgress: (done, total) => progress.push([done, total]),
    });
  });

  it('leaves no process listeners behind (libsvm’s emscripten start-up adds an unhandledRejection → exit(1) one)', () => {
    assert.equal(processListeners(), listenersBefore);
  });

  it('returns the issue’s seven classifiers in order; the offered ones have AUCs, the others nulls and a reason', () => {
    assert.deepEqual(
      rows.map((r) => r.name),
      [
        'logistic regression',
        'naive Bayes',
        'SVM',
        'k-nearest neighbours',
        'gradient boosting',
        'AdaBoost',
        'MLP',
      ],
    );
    for (const r of rows) {
      if ((OFFERED_CLASSIFIERS as readonly string[]).includes(r.name)) {
        assert.equal(r.offered, true, r.name);
        assert.equal(r.note, undefined, `${r.name}: ${r.note}`);
        assert.ok(r.score && r.hyperparameters, r.name);
      } else {
        assert.equal(r.offered, false);
        assert.deepEqual([r.cv_auc, r.train_auc, r.validation_auc], [null, null, null]);
        assert.match(r.note ?? '', /^not offered: .*docs\/classifier-comparison\.md/);
      }
    }
  });

  it('every offered classifier’s cross-validated and validation AUC is clearly above 0.5', () => {
    for (const r of rows.filter((x) => x.offered)) {
      assert.ok(r.cv_auc! > 0.7, `${r.name}: cv_auc ${r.cv_auc}`);
      assert.ok(r.validation_auc! > 0.7, `${r.name}: validation_auc ${r.validation_auc}`);
      assert.ok(r.train_auc! >= r.cv_auc! - 0.05, `${r.name}: apparent ${r.train_auc} vs cv ${r.cv_auc}`);
    }
  });

  it('the logistic regression row equals fitLogistic + predictLogistic + auc called directly', () => {
    const { X, y } = signal.train;
    const pooled = new Float64Array(y.length);
    for (let k = 1; k <= K; k += 1) {
      const fitRows = X.flatMap((x, i) => (signalFolds[i] !== k ? [i] : []));
      const held = X.flatMap((x, i) => (signalFolds[i] === k ? [i] : []));
      const fit = fitLogistic(
        matrixFromRows(fitRows.map((i) => X[i]!)),
        fitRows.map((i) => y[i]!),
      );
      predictLogistic(fit, matrixFromRows(held.map((i) => X[i]!))).forEach((s, m) => (pooled[held[m]!] = s));
    }
    const full = fitLogistic(matrixFromRows(X), y);
    const lr = byName(rows, 'logistic regression');
    assert.equal(lr.cv_auc, auc(pooled, y));
    assert.equal(lr.train_auc, auc(predictLogistic(full, matrixFromRows(X)), y));
    assert.equal(
      lr.validation_auc,
      auc(predictLogistic(full, matrixFromRows(signal.validation!.X)), signal.validation!.y),
    );
    assert.equal(lr.library, 'axilla-cds');
  });

  it('reports progress after every fit: 5 classifiers × (K + 1) fits', () => {
    const total = OFFERED_CLASSIFIERS.length * (K + 1);
    assert.deepEqual(
      progress,
      Array.from({ length: total }, (_, i) => [i + 1, total]),
    );
  });

  it('is deterministic: the same input gives the same rows again', async () => {
    const again = await compareClassifiers(signal, { foldid: signalFolds, seed: 11 });
    assert.deepEqual(again, rows);
  });

  // References: R 4.2.2 — stats::glm + pROC 1.18 auc (logistic regression), e1071::naiveBayes
  // predict(type = "raw") (Gaussian naive Bayes), class::knn(prob = TRUE) (k-NN vote fraction),
  // e1071::svm decision values (libsvm C-SVC, RBF). The SVM's apparent and validation AUC are
  // compared: Platt's P(class 1) = 1/(1 + exp(A·f + B)) is a decreasing function of f with A < 0,
  // so its AUC equals the decision value's. Its CV AUC pools ten differently calibrated models and
  // e1071's Platt CV draws from R's RNG, so it has no reference.
  const rPackages = (): boolean =>
    rAvailable() &&
    spawnSync(
      'Rscript',
      ['-e', 'quit(status = !all(sapply(c("e1071", "class"), requireNamespace, quietly = TRUE)))'],
      {
        stdio: 'ignore',
      },
    ).status === 0;
  it(
    'agrees with R (glm, e1071::naiveBayes, class::knn, e1071::svm) on the same folds',
    { skip: rPackages() ? false : `${R_MISSING}; e1071 and class are needed too` },
    () => {
      const ref = runR<Record<string, { cv: number | null; train: number; validation: number }>>(
        String.raw`
suppressMessages({ library(pROC); library(e1071); library(class) })
X <- input$X; y <- input$y; V <- input$V; yv <- input$yv; f <- input$foldid; p <- ncol(X)
A <- function(s, o) as.numeric(auc(roc(o, s, levels = c(0, 1), direction = "<", quiet = TRUE)))
kk <- function(n) { k <- floor(sqrt(n)); if (k %% 2 == 0) k <- k - 1; max(1, k) }
df <- function(M) { d <- as.data.frame(M); names(d) <- paste0("x", seq_len(ncol(M))); d }
score <- list(
  lr = function(Xf, yf, Z) { m <- glm(yf ~ ., data = cbind(df(Xf), yf = yf), family = binomial)
                             predict(m, df(Z), type = "response") },
  nb = function(Xf, yf, Z) predict(naiveBayes(df(Xf), factor(yf, levels = c(0, 1))), df(Z), type = "raw")[, "1"],
  knn = function(Xf, yf, Z) { r <- knn(Xf, Z, factor(yf, levels = c(0, 1)), k = kk(nrow(Xf)), prob = TRUE)
                             pr <- attr(r, "prob"); ifelse(r == "1", pr, 1 - pr) },
  svm = function(Xf, yf, Z) { m <- svm(Xf, factor(yf, levels = c(0, 1)), type = "C-classification", kernel = "radial",
                                       gamma = 1 / p, cost = 1, tolerance = 0.001, shrinking = TRUE, scale = FALSE)
                             dv <- attr(predict(m, Z, decision.values = TRUE), "decision.values")
                             if (colnames(dv)[1] == "1/0") dv[, 1] else -dv[, 1] })
out <- lapply(names(score), function(nm) {
  s <- score[[nm]]; pooled <- numeric(length(y))
  for (k in sort(unique(f))) pooled[f == k] <- s(X[f != k, , drop = FALSE], y[f != k], X[f == k, , drop = FALSE])
  list(cv = if (nm == "svm") NULL else A(pooled, y), train = A(s(X, y, X), y), validation = A(s(X, y, V), yv))
})
names(out) <- names(score)
`,
        {
          X: signal.train.X,
          y: signal.train.y,
          V: signal.validation!.X,
          yv: signal.validation!.y,
          foldid: signalFolds,
        },
      );
      const pairs: [string, string][] = [
        ['lr', 'logistic regression'],
        ['nb', 'naive Bayes'],
        ['knn', 'k-nearest neighbours'],
        ['svm', 'SVM'],
      ];
      for (const [key, name] of pairs) {
        const row = byName(rows, name);
        const r = ref[key]!;
        // AUC is a function of the ranks only: the same fitted ordering gives the same value up to
        // the last bit of the rank sums; 1e-12 leaves room for summation order.
        const tol = 1e-12;
        if (r.cv !== null)
          assert.ok(Math.abs(row.cv_auc! - r.cv) <= tol, `${name} cv: ${row.cv_auc} vs R ${r.cv}`);
        assert.ok(
          Math.abs(row.train_auc! - r.train) <= tol,
          `${name} train: ${row.train_auc} vs R ${r.train}`,
        );
        assert.ok(
          Math.abs(row.validation_auc! - r.validation) <= tol,
          `${name} validation: ${row.validation_auc} vs R ${r.validation}`,
        );
      }
    },
  );
});

describe('compareClassifiers on pure noise', () => {
  it('gives cross-validated and validation AUCs near 0.5', async () => {
    const rng = createRng('compare-classifiers/noise');
    const n = 200;
    const data: ComparisonData = {
      names,
      train: cohort(rng.fork('train'), n, P, []),
      validation: cohort(rng.fork('validation'), n, P, []),
    };
    const rows = await compareClassifiers(data, {
      foldid: folds(rng.fork('folds'), data.train.y, K),
      seed: 3,
    });
    // Tolerances. Validation AUC: under no signal an AUC with n₁ ≈ n₀ ≈ 100 has SD
    // √((n₁ + n₀ + 1)/(12 n₁ n₀)) ≈ 0.041 (the Mann–Whitney null variance; Hanley & McNeil 1982),
    // so ±0.15 is about 3.7 SD. Cross-validated AUC: pooling out-of-fold scores of K different
    // models adds variance and a slight downward bias under the null (Airola et al. 2011, Comput.
    // Stat. Data Anal. 55:1828). A simulation with this generator when the test was written
    // (20 noise data sets, n = 200, p = 6, stratified 5-fold) gave means 0.47–0.51 and SDs
    // 0.046–0.065 across the five classifiers (k-NN the widest), so ±0.2 is about 3 SD.
    for (const r of rows.filter((x) => x.offered)) {
      assert.ok(Math.abs(r.cv_auc! - 0.5) < 0.2, `${r.name}: cv_auc ${r.cv_auc}`);
      assert.ok(Math.abs(r.validation_auc! - 0.5) < 0.15, `${r.name}: validation_auc ${r.validation_auc}`);
    }
  });
});

describe('compareClassifiers on valid input a library cannot fit', () => {
  it('gives naive Bayes null AUCs and a note when a feature is constant within a class', async () => {
    const rng = createRng('compare-classifiers/constant-within-class');
    const { X, y } = cohort(rng, 60, 3, [1]);
    // x3 = 1 for every event, a varying value for the non-events: GaussianNB's SD for class 1 is 0.
    X.forEach((x, i) => (x[2] = y[i] === 1 ? 1 : x[2]!));
    const rows = await compareClassifiers(
      { names: ['a', 'b', 'c'], train: { X, y } },
      {
        foldid: folds(rng.fork('folds'), y, 3),
        seed: 1,
        classifiers: ['naive Bayes', 'k-nearest neighbours'],
      },
    );
    const nb = byName(rows, 'naive Bayes');
    assert.deepEqual([nb.cv_auc, nb.train_auc, nb.validation_auc], [null, null, null]);
    assert.match(
      nb.note ?? '',
      /failed on the training part of fold 1 of 3: feature c is constant within class 1/,
    );
    assert.ok(byName(rows, 'k-nearest neighbours').cv_auc !== null);
    assert.deepEqual(
      rows.map((r) => r.name),
      ['naive Bayes', 'k-nearest neighbours', 'gradient boosting', 'AdaBoost'],
    );
  });
});

describe('compareClassifiers rejects bad input with a specific error', () => {
  const base = (): ComparisonData => ({
    names: ['a', 'b'],
    train: {
      X: [
        [0, 1],
        [1, 0],
        [2, 2],
        [3, 1],
        [1, 1],
        [0, 0],
      ],
      y: [0, 1, 0, 1, 0, 1],
    },
  });
  const ok = [1, 1, 2, 2, 3, 3];
  const cases: [string, () => [ComparisonData, number[]], RegExp][] = [
    [
      'X and y lengths differ',
      () => {
        const d = base();
        d.train.y.pop();
        return [d, ok];
      },
      /training data: X has 6 rows but y has 5 outcomes/,
    ],
    [
      'a row has the wrong number of features',
      () => {
        const d = base();
        d.train.X[3] = [1];
        return [d, ok];
      },
      /training data: row 3 has 1 values, expected 2/,
    ],
    [
      'a value is NaN',
      () => {
        const d = base();
        d.train.X[2]![1] = NaN;
        return [d, ok];
      },
      /training data: row 2, feature b is NaN/,
    ],
    [
      'an outcome is not 0/1',
      () => {
        const d = base();
        d.train.y[4] = 2;
        return [d, ok];
      },
      /outcome 4 is 2 \(0 or 1 required\)/,
    ],
    [
      'foldid is shorter than the rows',
      () => [base(), [1, 1, 2, 2, 3]],
      /foldid has 5 entries but there are 6 training rows/,
    ],
    [
      'a fold id is 0',
      () => [base(), [0, 1, 2, 2, 3, 3]],
      /foldid\[0\] is 0 \(fold ids must be integers 1..K\)/,
    ],
    ['a fold id is not an integer', () => [base(), [1, 1.5, 2, 2, 3, 3]], /foldid\[1\] is 1.5/],
    ['a fold between 1 and K is unused', () => [base(), [1, 1, 3, 3, 3, 1]], /fold 2 of 1..3 is empty/],
    ['only one fold', () => [base(), [1, 1, 1, 1, 1, 1]], /foldid uses 1 fold/],
    [
      'one class in a fold’s training part',
      // Fold 3 holds every event (rows 1, 3, 5), so the rows not in fold 3 are all non-events.
      () => [base(), [1, 3, 2, 3, 1, 3]],
      /the training part of fold 3 \(rows not in fold 3\) holds one class only \(0 events, 3 non-events\)/,
    ],
    [
      'validation rows of one class',
      () => {
        const d = base();
        d.validation = { X: [[0, 0]], y: [1] };
        return [d, ok];
      },
      /validation data: outcomes hold one class only \(1 events, 0 non-events\)/,
    ],
    [
      'no features',
      () => {
        const d = base();
        d.names = [];
        return [d, ok];
      },
      /no features/,
    ],
  ];
  for (const [what, make, message] of cases) {
    it(what, async () => {
      const [data, foldid] = make();
      await assert.rejects(compareClassifiers(data, { foldid, seed: 1 }), (e: Error) => {
        assert.ok(e instanceof RangeError, `${e.name}: ${e.message}`);
        assert.match(e.message, /^compareClassifiers: /);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  it('an unknown classifier name', async () => {
    await assert.rejects(
      compareClassifiers(base(), { foldid: ok, seed: 1, classifiers: ['random forest' as 'SVM'] }),
      /unknown classifier "random forest"/,
    );
  });
});

describe('knnK', () => {
  it('is the largest odd integer ≤ √n, at least 1', () => {
    // √144 = 12 (even) → 11; √130 ≈ 11.40 → 11; √120 ≈ 10.95 → 10 → 9; √96 ≈ 9.80 → 9; √3 → 1.
    assert.deepEqual([144, 130, 121, 120, 96, 4, 3, 1].map(knnK), [11, 11, 11, 9, 9, 1, 1, 1]);
  });
});
