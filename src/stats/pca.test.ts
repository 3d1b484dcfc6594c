import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../synth/random.ts';
import { type Matrix, matrixFromColumns, matrixToRows } from './matrix.ts';
import { applyPca, fitPca } from './pca.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';

/** n × p data with a few strong latent directions plus noise, so the leading components are well separated. */
function simulate(seed: string, n: number, p: number, latent: number): Matrix {
  const rng = createRng(seed);
  const loadings = Array.from({ length: latent }, () => Float64Array.from({ length: p }, () => rng.normal()));
  const cols = Array.from({ length: p }, () => new Float64Array(n));
  for (let i = 0; i < n; i += 1) {
    const f = Array.from({ length: latent }, (_, l) => rng.normal(0, 4 / (l + 1)));
    for (let j = 0; j < p; j += 1) {
      let v = 3 + j * 0.01 + rng.normal(0, 0.5);
      for (let l = 0; l < latent; l += 1)
        v += (f[l] as number) * ((loadings[l] as Float64Array)[j] as number);
      (cols[j] as Float64Array)[i] = v;
    }
  }
  return matrixFromColumns(cols);
}

/** Matrices come back from runR flattened column-major. */
interface RPca {
  sdev: number[];
  rotation: number[];
  scores: number[];
  newScores: number[];
  ratio: number[];
  total: number;
}

const PRCOMP = String.raw`
one <- function(X, Xnew, k) {
  f <- prcomp(X, center = TRUE, scale. = FALSE)
  list(sdev = f$sdev[1:k], rotation = unname(f$rotation[, 1:k, drop = FALSE]),
       scores = unname(f$x[, 1:k, drop = FALSE]),
       newScores = unname(predict(f, newdata = Xnew)[, 1:k, drop = FALSE]),
       ratio = (f$sdev^2 / sum(f$sdev^2))[1:k], total = sum(f$sdev^2))
}
out <- list(wide = one(input$wide, input$wideNew, input$kw), tall = one(input$tall, input$tallNew, input$kt))
`;

describe(
  'fitPca vs R prcomp(center = TRUE, scale. = FALSE)',
  { skip: rAvailable() ? false : R_MISSING },
  () => {
    const wide = simulate('pca-wide', 40, 300, 6);
    const wideNew = simulate('pca-wide-new', 5, 300, 6);
    const tall = simulate('pca-tall', 120, 9, 3);
    const tallNew = simulate('pca-tall-new', 4, 9, 3);
    const kw = 12;
    const kt = 8;
    const r = runR<{ wide: RPca; tall: RPca }>(PRCOMP, {
      wide: matrixToRows(wide),
      wideNew: matrixToRows(wideNew),
      tall: matrixToRows(tall),
      tallNew: matrixToRows(tallNew),
      kw,
      kt,
    });

    function check(X: Matrix, Xnew: Matrix, k: number, ref: RPca, label: string): void {
      const fit = fitPca(X, k);
      let worst = 0;
      const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
      fit.sdev.forEach((s, c) => (worst = Math.max(worst, rel(s, ref.sdev[c] as number))));
      fit.explainedVarianceRatio.forEach((s, c) => (worst = Math.max(worst, rel(s, ref.ratio[c] as number))));
      worst = Math.max(worst, rel(fit.totalVariance, ref.total));
      assert.ok(worst <= 1e-9, `${label}: sdev/ratio differ by ${worst}`);
      // Components equal up to sign: fix the sign from R's largest loading.
      const scores = applyPca(fit, X);
      const newScores = applyPca(fit, Xnew);
      let worstVec = 0;
      for (let c = 0; c < k; c += 1) {
        const v = fit.components[c] as Float64Array;
        let big = 0;
        for (let j = 0; j < v.length; j += 1)
          if (Math.abs(v[j] as number) > Math.abs(v[big] as number)) big = j;
        const sign =
          Math.sign(v[big] as number) === Math.sign(ref.rotation[big + c * v.length] as number) ? 1 : -1;
        for (let j = 0; j < v.length; j += 1) {
          worstVec = Math.max(
            worstVec,
            Math.abs((v[j] as number) - sign * (ref.rotation[j + c * v.length] as number)),
          );
        }
        const scale = ref.sdev[c] as number;
        for (let i = 0; i < X.rows; i += 1) {
          const d = Math.abs(
            (scores.data[i + c * X.rows] as number) - sign * (ref.scores[i + c * X.rows] as number),
          );
          worstVec = Math.max(worstVec, d / scale);
        }
        for (let i = 0; i < Xnew.rows; i += 1) {
          const d = Math.abs(
            (newScores.data[i + c * Xnew.rows] as number) -
              sign * (ref.newScores[i + c * Xnew.rows] as number),
          );
          worstVec = Math.max(worstVec, d / scale);
        }
        // Sign convention: the largest-|loading| element is positive.
        assert.ok((v[big] as number) > 0);
      }
      assert.ok(worstVec <= 1e-9, `${label}: loadings/scores differ by ${worstVec}`);
    }

    test('n < p (Gram-matrix route): sdev, loadings, scores and new-data scores to 1e-9', () => {
      check(wide, wideNew, kw, r.wide, 'wide');
    });

    test('n > p (cross-product route), all p components', () => {
      check(tall, tallNew, kt, r.tall, 'tall');
    });
  },
);

describe('fitPca properties', () => {
  test('the deep-feature size (144 × 6,144, k = 128) is fast and gives orthonormal components', () => {
    const X = simulate('pca-big', 144, 6144, 10);
    const t0 = performance.now();
    const fit = fitPca(X, 128);
    const ms = performance.now() - t0;
    assert.equal(fit.components.length, 128);
    for (const [a, b] of [
      [0, 0],
      [0, 1],
      [5, 127],
      [127, 127],
    ] as const) {
      let s = 0;
      const va = fit.components[a] as Float64Array;
      const vb = fit.components[b] as Float64Array;
      for (let j = 0; j < va.length; j += 1) s += (va[j] as number) * (vb[j] as number);
      assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-9, `⟨v${a}, v${b}⟩ = ${s}`);
    }
    // Scores have the component variances and are uncorrelated.
    const scores = applyPca(fit, X);
    let v0 = 0;
    for (let i = 0; i < 144; i += 1) v0 += (scores.data[i] as number) ** 2;
    assert.ok(Math.abs(Math.sqrt(v0 / 143) - (fit.sdev[0] as number)) < 1e-9 * (fit.sdev[0] as number));
    assert.ok(ms < 5000, `fitPca took ${ms} ms`);
  });

  test('hand example: two perfectly correlated columns have one component along (1, 1)/√2', () => {
    // x = (1, 2, 3), y = x: centred (−1, 0, 1) in both; total variance 1 + 1 = 2, all on PC1.
    const fit = fitPca(
      matrixFromColumns([
        [1, 2, 3],
        [1, 2, 3],
      ]),
      1,
    );
    assert.ok(Math.abs((fit.components[0]?.[0] as number) - Math.SQRT1_2) < 1e-15);
    assert.ok(Math.abs((fit.components[0]?.[1] as number) - Math.SQRT1_2) < 1e-15);
    assert.ok(Math.abs((fit.sdev[0] as number) - Math.SQRT2) < 1e-15);
    assert.ok(Math.abs((fit.explainedVarianceRatio[0] as number) - 1) < 1e-15);
    assert.deepEqual(Array.from(fit.mean), [2, 2]);
  });

  test('bad input', () => {
    const X = matrixFromColumns([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    assert.throws(() => fitPca(X, 2), /asked for 2 components but the centred data have only 1 directions/);
    assert.throws(() => fitPca(X, 3), /k must be an integer from 1 to min\(n − 1, p\) = 2, got 3/);
    assert.throws(() => fitPca(matrixFromColumns([[4, 4, 4]]), 1), /every column is constant/);
    assert.throws(() => fitPca(matrixFromColumns([[1, NaN, 2]]), 1), /non-finite value NaN/);
    const fit = fitPca(X, 1);
    assert.throws(() => applyPca(fit, matrixFromColumns([[1, 2]])), /fitted on 2 columns but X has 1/);
  });
});
