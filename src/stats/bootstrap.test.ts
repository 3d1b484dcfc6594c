import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../synth/random.ts';
import { aucDifferenceBootstrap, optimismCorrectedAuc } from './bootstrap.ts';
import { normalDensity } from './distributions.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';
import { auc } from './roc.ts';

/** Two-predictor logistic data: y ~ Bernoulli(expit(−0.2 + 0.9 x1 + 0.5 x2)). */
function logisticData(seed: string, n: number): { x1: number[]; x2: number[]; y: number[] } {
  const rng = createRng(seed);
  const x1 = Array.from({ length: n }, () => rng.normal());
  const x2 = Array.from({ length: n }, () => rng.normal());
  const y = x1.map((v, i) => (rng.uniform() < 1 / (1 + Math.exp(-(-0.2 + 0.9 * v + 0.5 * x2[i]!))) ? 1 : 0));
  return { x1, x2, y };
}

/**
 * Maximum-likelihood logistic regression y ~ 1 + x1 + x2 by Newton–Raphson (written here because
 * the product's logistic.ts belongs to another module); throws when it does not converge.
 */
function fitLogistic3(rows: Int32Array, x1: number[], x2: number[], y: number[]): [number, number, number] {
  const beta = [0, 0, 0];
  for (let iter = 0; iter < 100; iter += 1) {
    const h = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const g = [0, 0, 0];
    for (const r of rows) {
      const x = [1, x1[r]!, x2[r]!];
      const p = 1 / (1 + Math.exp(-(beta[0]! + beta[1]! * x[1]! + beta[2]! * x[2]!)));
      for (let a = 0; a < 3; a += 1) {
        g[a]! += (y[r]! - p) * x[a]!;
        for (let b = 0; b < 3; b += 1) h[a]![b]! += p * (1 - p) * x[a]! * x[b]!;
      }
    }
    // Solve h·step = g by Gaussian elimination (h is positive definite).
    const m = h.map((row, i) => [...row, g[i]!]);
    for (let c = 0; c < 3; c += 1) {
      for (let r = c + 1; r < 3; r += 1) {
        const f = m[r]![c]! / m[c]![c]!;
        for (let k = c; k < 4; k += 1) m[r]![k]! -= f * m[c]![k]!;
      }
    }
    const step = [0, 0, 0];
    for (let r = 2; r >= 0; r -= 1) {
      let s = m[r]![3]!;
      for (let k = r + 1; k < 3; k += 1) s -= m[r]![k]! * step[k]!;
      step[r] = s / m[r]![r]!;
    }
    for (let a = 0; a < 3; a += 1) beta[a]! += step[a]!;
    if (Math.max(...step.map(Math.abs)) < 1e-12) return beta as [number, number, number];
  }
  throw new Error('logistic fit did not converge');
}

function logisticFitter(x1: number[], x2: number[], y: number[], record?: Int32Array[]) {
  return (train: Int32Array) => {
    record?.push(Int32Array.from(train));
    const [b0, b1, b2] = fitLogistic3(train, x1, x2, y);
    return (rows: Int32Array) => Float64Array.from(rows, (r) => b0 + b1 * x1[r]! + b2 * x2[r]!);
  };
}

describe('optimismCorrectedAuc', () => {
  it('with a scorer that ignores training, optimism is the mean of AUC(bootstrap rows) − AUC(all rows) of the fixed score', () => {
    // A fixed score has no optimism in expectation, but each bootstrap sample's AUC differs from
    // the original's, so the estimate is ≈ 0 (Monte-Carlo), not exactly 0; the exact check is the
    // bookkeeping against the resamples recorded here.
    const { x1, y } = logisticData('opt-fixed', 150);
    const seen: Int32Array[] = [];
    const fixed = (train: Int32Array) => {
      seen.push(Int32Array.from(train));
      return (rows: Int32Array) => Float64Array.from(rows, (r) => x1[r]!);
    };
    const rng = createRng('opt-fixed-draws');
    const res = optimismCorrectedAuc(150, y, fixed, 200, () => rng.uniform());
    const apparent = auc(x1, y);
    assert.equal(res.apparent, apparent);
    const boot = seen.slice(1); // the first call is the apparent fit on all rows
    assert.equal(boot.length, 200);
    const expected =
      boot.reduce(
        (s, rows) =>
          s +
          auc(
            Array.from(rows, (r) => x1[r]!),
            Array.from(rows, (r) => y[r]!),
          ) -
          apparent,
        0,
      ) / 200;
    assert.ok(Math.abs(res.optimism - expected) <= 1e-15, `${res.optimism} vs ${expected}`);
    assert.ok(
      Math.abs(res.optimism) <= 4 * (res.optimismSd / Math.sqrt(200)),
      `optimism ${res.optimism} is not ≈ 0`,
    );
    assert.equal(res.corrected, res.apparent - res.optimism);
    assert.equal(res.failed, 0);
  });

  it('counts resamples whose refit throws or that hold one class, and reports progress', () => {
    const y = [1, 0, 0, 0, 0, 0];
    let calls = 0;
    const flaky = () => {
      calls += 1;
      if (calls > 1 && calls % 2 === 0) throw new Error('separation');
      return (rows: Int32Array) => Float64Array.from(rows, (r) => r);
    };
    const rng = createRng('opt-failures');
    const progress: number[] = [];
    const res = optimismCorrectedAuc(
      6,
      y,
      flaky,
      40,
      () => rng.uniform(),
      (done, total) => {
        assert.equal(total, 40);
        progress.push(done);
      },
    );
    assert.equal(res.resamples + res.failed, 40);
    assert.ok(res.failed > 0);
    assert.deepEqual(
      progress,
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const plain = () => (rows: Int32Array) => Float64Array.from(rows, (r) => r);
    assert.throws(() => optimismCorrectedAuc(6, y, plain, 1, () => 1), /random\(\) returned 1/);
    assert.throws(() => optimismCorrectedAuc(3, [1, 1, 1], plain, 1, Math.random), /one class only/);
    const always = () => {
      throw new Error('no fit');
    };
    assert.throws(() => optimismCorrectedAuc(6, y, always, 5, () => 0.5), /no fit/);
  });
});

describe('aucDifferenceBootstrap', () => {
  it('identical samples give D = 0 and p = 1; bad arguments throw', () => {
    const s = [0.1, 0.4, 0.35, 0.8];
    const y = [0, 0, 1, 1];
    const rng = createRng('auc-diff-same');
    const t = aucDifferenceBootstrap(s, y, s, y, 50, () => rng.uniform());
    assert.equal(t.difference, 0);
    assert.ok(t.sd > 0);
    assert.equal(t.d, 0);
    assert.equal(t.p, 1);
    assert.throws(
      () => aucDifferenceBootstrap(s, y, s, y, 1, Math.random),
      /resamples must be an integer ≥ 2/,
    );
  });
});

describe(
  'bootstrap procedures vs R (pROC 1.18, rms 6.5, glm) — one R session',
  { skip: rAvailable() ? false : R_MISSING },
  () => {
    const n = 120;
    const { x1, x2, y } = logisticData('opt-vs-r', n);
    const seen: Int32Array[] = [];
    const rng = createRng('opt-vs-r-draws');
    const same = optimismCorrectedAuc(n, y, logisticFitter(x1, x2, y, seen), 40, () => rng.uniform());
    const rng200 = createRng('opt-vs-rms-draws');
    const b200 = optimismCorrectedAuc(n, y, logisticFitter(x1, x2, y), 200, () => rng200.uniform());

    // aucDifferenceBootstrap: a training-like and a validation-like cohort, independent patients,
    // scores with ties.
    const make = (seed: string, size: number, effect: number) => {
      const g = createRng(seed);
      const o = Array.from({ length: size }, (_, i) => (i < 2 ? i : g.uniform() < 0.45 ? 1 : 0));
      return { y: o, s: o.map((v) => Math.round((g.normal() + effect * v) * 20) / 20) };
    };
    const a = make('auc-diff-1', 150, 1.6);
    const b = make('auc-diff-2', 110, 0.9);
    const rngDiff = createRng('auc-diff-draws');
    const diff = aucDifferenceBootstrap(a.s, a.y, b.s, b.y, 2000, () => rngDiff.uniform());

    const r = runR<{
      apparent: number;
      optimism: number;
      rmsCorrected: number;
      rmsApparent: number;
      rmsB: number;
      d: number;
      p: number;
      auc1: number;
      auc2: number;
    }>(
      String.raw`
suppressMessages({ library(pROC); library(rms) })
d <- data.frame(y = input$y, x1 = input$x1, x2 = input$x2)
aucOf <- function(score, y) as.numeric(auc(roc(y, score, levels = c(0, 1), direction = "<", quiet = TRUE)))
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
full <- glm(y ~ x1 + x2, family = binomial, data = d, control = ctl)
apparent <- aucOf(predict(full, d), d$y)
# Harrell's loop on the resamples drawn in JavaScript (0-based row indices, one resample per row).
opt <- sapply(seq_len(nrow(input$rows)), function(k) {
  b <- d[input$rows[k, ] + 1, ]
  fit <- glm(y ~ x1 + x2, family = binomial, data = b, control = ctl)
  aucOf(predict(fit, b), b$y) - aucOf(predict(fit, d), d$y)
})
set.seed(20240611)
fit <- lrm(y ~ x1 + x2, data = d, x = TRUE, y = TRUE)
v <- validate(fit, B = 200)
set.seed(7)
r1 <- roc(input$y1, input$s1, levels = c(0, 1), direction = "<", quiet = TRUE)
r2 <- roc(input$y2, input$s2, levels = c(0, 1), direction = "<", quiet = TRUE)
t <- roc.test(r1, r2, method = "bootstrap", boot.n = 2000, paired = FALSE, boot.stratified = TRUE, progress = "none")
out <- list(apparent = apparent, optimism = mean(opt),
            rmsApparent = (v["Dxy", "index.orig"] + 1)/2, rmsCorrected = (v["Dxy", "index.corrected"] + 1)/2,
            rmsB = v["Dxy", "n"],
            d = as.numeric(t$statistic), p = t$p.value, auc1 = as.numeric(auc(r1)), auc2 = as.numeric(auc(r2)))
`,
      { y, x1, x2, rows: seen.slice(1).map((rows) => [...rows]), y1: a.y, s1: a.s, y2: b.y, s2: b.s },
    );

    it('same resamples as JavaScript, refit with glm: apparent AUC, optimism and corrected AUC within 1e-12', () => {
      assert.equal(same.failed, 0);
      assert.ok(Math.abs(same.apparent - r.apparent) <= 1e-12, `apparent ${same.apparent} vs ${r.apparent}`);
      assert.ok(Math.abs(same.optimism - r.optimism) <= 1e-12, `optimism ${same.optimism} vs ${r.optimism}`);
      assert.ok(Math.abs(same.corrected - (r.apparent - r.optimism)) <= 1e-12);
    });

    it('rms::validate(lrm, B = 200): (Dxy + 1)/2 apparent exactly, index.corrected within 4·√2 Monte-Carlo SE', () => {
      // Both sides estimate the same optimism from 200 independent resamples each; the SE of one
      // estimate is sd(per-resample optimism)/√200 (≈ 0.003 here), of their difference √2 times that.
      assert.equal(r.rmsB, 200);
      assert.ok(Math.abs(b200.apparent - r.rmsApparent) <= 1e-12);
      const tolerance = 4 * Math.SQRT2 * (b200.optimismSd / Math.sqrt(b200.resamples));
      assert.ok(
        Math.abs(b200.corrected - r.rmsCorrected) <= tolerance,
        `corrected ${b200.corrected} vs rms ${r.rmsCorrected} (tolerance ${tolerance})`,
      );
    });

    it('same AUCs; D and p agree within Monte-Carlo error of two independent 2,000-resample runs', () => {
      assert.ok(Math.abs(diff.auc1 - r.auc1) <= 1e-15 && Math.abs(diff.auc2 - r.auc2) <= 1e-15);
      // D differs only through sd(bootstrap differences). From B = 2000 roughly normal differences
      // an sd has relative SE ≈ 1/√(2(B − 1)) ≈ 1.6%, the ratio of two independent ones ≈ 2.2%; at
      // 4 SE the two D may differ by ≈ 9% relative, and p by ≈ 2φ(D)·|D|·0.09.
      assert.ok(Math.abs(diff.d / r.d - 1) <= 0.09, `D ${diff.d} vs pROC ${r.d}`);
      const pTolerance = 2 * normalDensity(r.d) * Math.abs(r.d) * 0.09;
      assert.ok(Math.abs(diff.p - r.p) <= pTolerance, `p ${diff.p} vs pROC ${r.p} (tolerance ${pTolerance})`);
    });
  },
);
