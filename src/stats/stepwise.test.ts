import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRng } from '../synth/random.ts';
import { matrixFromColumns } from './matrix.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';
import { backwardStepAic } from './stepwise.ts';

/**
 * Simulated clinical-style data: two continuous predictors with an effect, two without, a binary
 * predictor with an effect and a three-level factor (cT1 reference, cT2, cT3) with a small effect.
 */
function simulate(seed: string, n: number) {
  const rng = createRng(seed);
  const col = () => new Float64Array(n);
  const x1 = col();
  const x2 = col();
  const x3 = col();
  const x4 = col();
  const er = col();
  const t2 = col();
  const t3 = col();
  const y = col();
  for (let i = 0; i < n; i += 1) {
    x1[i] = rng.normal();
    x2[i] = rng.normal(1, 2);
    x3[i] = rng.normal();
    x4[i] = rng.uniform();
    er[i] = rng.uniform() < 0.6 ? 1 : 0;
    const u = rng.uniform();
    t2[i] = u > 0.4 && u <= 0.8 ? 1 : 0;
    t3[i] = u > 0.8 ? 1 : 0;
    const eta =
      -0.2 +
      1.1 * (x1[i] as number) -
      0.25 * (x2[i] as number) -
      0.9 * (er[i] as number) +
      0.3 * (t3[i] as number);
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  return { x1, x2, x3, x4, er, t2, t3, y };
}

const STEP_SCRIPT = String.raw`
d <- data.frame(x1 = input$x1, x2 = input$x2, x3 = input$x3, x4 = input$x4, er = input$er,
                cT = factor(ifelse(input$t2 == 1, "T2", ifelse(input$t3 == 1, "T3", "T1")), levels = c("T1", "T2", "T3")),
                y = input$y)
run <- function(k, formula) {
  full <- glm(formula, family = binomial, data = d)
  s <- step(full, direction = "backward", k = k, trace = 0)
  list(kept = as.list(attr(terms(s), "term.labels")), steps = as.list(as.character(s$anova$Step)),
       aic = s$anova$AIC, coef = unname(coef(s)))
}
out <- list(aic = run(2, y ~ x1 + x2 + x3 + x4 + er + cT),
            bic = run(log(nrow(d)), y ~ x1 + x2 + x3 + x4 + er + cT),
            numeric = run(2, y ~ x3 + x1 + x4 + x2))
`;

interface RStep {
  kept: string[] | string;
  steps: string[];
  aic: number[] | number;
  coef: number[];
}

describe(
  'backwardStepAic vs R step(direction = "backward")',
  { skip: rAvailable() ? false : R_MISSING },
  () => {
    const d = simulate('stepwise-vs-r', 160);
    const r = runR<Record<'aic' | 'bic' | 'numeric', RStep>>(STEP_SCRIPT, {
      x1: Array.from(d.x1),
      x2: Array.from(d.x2),
      x3: Array.from(d.x3),
      x4: Array.from(d.x4),
      er: Array.from(d.er),
      t2: Array.from(d.t2),
      t3: Array.from(d.t3),
      y: Array.from(d.y),
    });
    const names = ['x1', 'x2', 'x3', 'x4', 'er', 'cT_T2', 'cT_T3'];
    const X = matrixFromColumns([d.x1, d.x2, d.x3, d.x4, d.er, d.t2, d.t3]);
    const terms = [
      ...['x1', 'x2', 'x3', 'x4', 'er'].map((n) => ({ name: n, columns: [n] })),
      { name: 'cT', columns: ['cT_T2', 'cT_T3'] },
    ];
    const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

    function check(ours: ReturnType<typeof backwardStepAic>, ref: RStep, label: string): void {
      assert.deepEqual(ours.kept, asArray(ref.kept), `${label}: kept terms`);
      // R's anova Step column: "" for the start, then "- term".
      assert.deepEqual(
        ours.steps.map((s) => (s.removed === null ? '' : `- ${s.removed}`)),
        ref.steps,
        `${label}: removal sequence`,
      );
      const refAic = asArray(ref.aic);
      assert.equal(ours.steps.length, refAic.length);
      ours.steps.forEach((s, i) => {
        const want = refAic[i] as number;
        assert.ok(
          Math.abs(s.aic - want) <= 1e-8 * Math.abs(want),
          `${label}: AIC step ${i}: ${s.aic} vs ${want}`,
        );
      });
      ours.fit.coefficients.forEach((b, j) => {
        const want = ref.coef[j] as number;
        assert.ok(Math.abs(b - want) <= 1e-7 * Math.max(1, Math.abs(want)), `${label}: coefficient ${j}`);
      });
    }

    test('AIC (k = 2) with a three-level factor as one term: same kept terms and AIC sequence', () => {
      const res = backwardStepAic(X, d.y, names, { terms });
      check(res, r.aic, 'AIC');
      assert.ok(res.steps.length >= 2, 'the data are built so that at least one term is dropped');
    });

    test('BIC (k = log n)', () => {
      check(backwardStepAic(X, d.y, names, { terms, k: Math.log(160) }), r.bic, 'BIC');
    });

    test('one term per column, in a different column order', () => {
      const Xn = matrixFromColumns([d.x3, d.x1, d.x4, d.x2]);
      check(backwardStepAic(Xn, d.y, ['x3', 'x1', 'x4', 'x2']), r.numeric, 'numeric');
    });
  },
);

describe('backwardStepAic rules', () => {
  test('k = 0 never removes a term (removal cannot lower the deviance); a huge k removes all', () => {
    const y = [0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0];
    const u = [1, 2, 3, 4, 1.5, 2.5, 3.5, 4.5, 9, 9, 0, 7];
    const v = [2, 1, 4, 3, 2, 1, 4, 3, 9, 8, 1, 2];
    const X = matrixFromColumns([u, v]);
    const none = backwardStepAic(X, y, ['u', 'v'], { k: 0 });
    assert.deepEqual(none.kept, ['u', 'v']);
    assert.deepEqual(none.steps, [{ removed: null, aic: none.fit.deviance }]);
    const all = backwardStepAic(X, y, ['u', 'v'], { k: 100 });
    assert.deepEqual(all.kept, []);
    assert.deepEqual(all.fit.names, ['(Intercept)']);
    assert.equal(all.steps.length, 3);
    // Each step's AIC is deviance + k·(coefficients) of the model after that step.
    assert.ok(Math.abs((all.steps[2]?.aic as number) - (all.fit.deviance + 100)) < 1e-9);
  });

  test('bad input', () => {
    const X = matrixFromColumns([
      [1, 2, 3, 4],
      [0, 1, 1, 0],
    ]);
    assert.throws(() => backwardStepAic(X, [0, 1, 0, 1], ['a']), /1 names for 2 columns/);
    assert.throws(() => backwardStepAic(X, [0, 1, 0, 1], ['a', 'a']), /duplicate column name 'a'/);
    assert.throws(
      () => backwardStepAic(X, [0, 1, 0, 1], ['a', 'b'], { terms: [{ name: 'A', columns: ['a'] }] }),
      /column 'b' belongs to no term/,
    );
    assert.throws(
      () => backwardStepAic(X, [0, 1, 0, 1], ['a', 'b'], { terms: [{ name: 'A', columns: ['a', 'c'] }] }),
      /unknown column 'c'/,
    );
  });
});
