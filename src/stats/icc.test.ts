import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../synth/random.ts';
import { icc21 } from './icc.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

describe('icc21', () => {
  it('hand example: 3 subjects × 2 raters', () => {
    // Ratings (1, 2), (3, 4), (5, 7): row means 1.5, 3.5, 6; column means 3, 13/3; grand 11/3.
    // SSR = 2·[(1.5 − 11/3)² + (3.5 − 11/3)² + (6 − 11/3)²] = 2·(169 + 1 + 196)/36 = 61/3, MSR = 61/6
    // SSC = 3·[(3 − 11/3)² + (13/3 − 11/3)²] = 3·(4/9 + 4/9) = 8/3, MSC = 8/3
    // SST = Σ(x − 11/3)² = (64 + 25 + 4 + 1 + 16 + 100)/9 = 70/3; SSE = 70/3 − 61/3 − 8/3 = 1/3,
    // MSE = (1/3)/2 = 1/6. ICC = (61/6 − 1/6)/(61/6 + 1/6 + 2(8/3 − 1/6)/3) = 10/(62/6 + 10/6)
    // = 5/6; F = (61/6)/(1/6) = 61.
    const r = icc21([
      [1, 2],
      [3, 4],
      [5, 7],
    ]);
    close(r.icc, 5 / 6, 1e-14, 'icc');
    close(r.f, 61, 1e-14, 'F');
    assert.equal(r.df1, 2);
    assert.equal(r.df2, 2);
  });

  it('refuses ragged tables, too few rows or raters, and error-free ratings', () => {
    assert.throws(() => icc21([[1, 2], [3]]), /row 1 has 1 ratings/);
    assert.throws(() => icc21([[1, 2]]), /at least 2 subjects/);
    assert.throws(() => icc21([[1], [2]]), /at least 2 raters/);
    assert.throws(
      () =>
        icc21([
          [1, 2],
          [3, 4],
        ]),
      /residual mean square is 0/,
    );
    assert.throws(
      () =>
        icc21([
          [1, Number.NaN],
          [3, 4],
        ]),
      /NaN/,
    );
  });
});

describe(
  'icc21 vs psych::ICC(lmer = FALSE), row "Single_random_raters" (ICC2)',
  { skip: rAvailable() ? false : R_MISSING },
  () => {
    const rng = createRng('icc-vs-psych');
    // (subjects, raters, rater bias sd, error sd): good agreement, 2 segmentations of 254 patients,
    // poor agreement (ICC near 0), small sample.
    const designs = [
      [30, 3, 0.3, 0.4],
      [254, 2, 0.05, 0.3],
      [40, 4, 0.5, 3],
      [6, 2, 0.2, 0.5],
    ] as const;
    const tables = designs.map(([n, k, biasSd, errorSd]) => {
      const bias = Array.from({ length: k }, () => biasSd * rng.normal());
      return Array.from({ length: n }, () => {
        const truth = rng.normal();
        return bias.map((b) => truth + b + errorSd * rng.normal());
      });
    });
    const r = runR<{ rows: number[][] }>(
      String.raw`
suppressMessages(library(psych))
out <- list(rows = lapply(input$tables, function(t) {
  res <- ICC(as.matrix(t), lmer = FALSE)$results
  as.numeric(res["Single_random_raters", c("ICC", "F", "df1", "df2", "p", "lower bound", "upper bound")])
}))
`,
      { tables },
    );

    it('ICC, F, df1, df2 within 1e-12; p within 1e-12 relative (or 1e-15 absolute); CI bounds within 1e-10', () => {
      tables.forEach((t, k) => {
        const [icc, f, df1, df2, p, lower, upper] = r.rows[k]!;
        const mine = icc21(t);
        close(mine.icc, icc!, 1e-12, `icc ${k}`);
        close(mine.f, f!, 1e-12, `F ${k}`);
        assert.equal(mine.df1, df1);
        assert.equal(mine.df2, df2);
        // psych computes p as −expm1(pf(F, log.p = TRUE)), accurate in the tail as our upper tail is.
        assert.ok(Math.abs(mine.p - p!) <= Math.max(1e-12 * p!, 1e-15), `p ${k}: ${mine.p} vs ${p}`);
        // The interval goes through qf with non-integer df; R's qf is good to ~1e-11 (see distributions.test.ts).
        close(mine.ci[0], lower!, 1e-10, `lower ${k}`);
        close(mine.ci[1], upper!, 1e-10, `upper ${k}`);
      });
    });
  },
);
