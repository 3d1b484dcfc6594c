import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../synth/random.ts';
import { decisionCurve, defaultDecisionThresholds } from './decision-curve.ts';
import { R_MISSING, rAvailable, runR } from './r-reference.test-helper.ts';

describe('decisionCurve', () => {
  it('hand example: 4 patients, threshold 0.5', () => {
    // p = 0.9 (event), 0.6 (non-event), 0.5 (event), 0.2 (non-event); treated when p ≥ 0.5:
    // TP = 2, FP = 1, n = 4, odds 0.5/0.5 = 1 → NB = 2/4 − 1/4 = 0.25;
    // prevalence ½ → treat all = 0.5 − 0.5·1 = 0.
    const [pt] = decisionCurve([0.9, 0.6, 0.5, 0.2], [1, 0, 1, 0], [0.5]);
    assert.deepEqual(pt, { threshold: 0.5, net_benefit: 0.25, treat_all: 0, treat_none: 0 });
  });

  it('default thresholds are 0.01 … 0.99', () => {
    const t = defaultDecisionThresholds();
    assert.equal(t.length, 99);
    assert.equal(t[0], 0.01);
    assert.equal(t[98], 0.99);
    assert.equal(t[49], 0.5);
  });

  it('refuses thresholds of 0 or 1 and probabilities outside [0, 1]', () => {
    assert.throws(() => decisionCurve([0.2, 0.8], [0, 1], [1]), /threshold 0 is 1/);
    assert.throws(() => decisionCurve([0.2, 0.8], [0, 1], [0]), /threshold 0 is 0/);
    assert.throws(() => decisionCurve([-0.2, 0.8], [0, 1], [0.5]), /probability 0 is -0.2/);
  });
});

describe(
  'decisionCurve vs a direct R computation (Vickers & Elkin 2006)',
  { skip: rAvailable() ? false : R_MISSING },
  () => {
    const rng = createRng('dca-vs-r');
    const p = Array.from({ length: 180 }, () => Math.round(100 / (1 + Math.exp(-1.5 * rng.normal()))) / 100);
    const y = p.map((v) => (rng.uniform() < v ? 1 : 0));
    const thresholds = defaultDecisionThresholds();
    const r = runR<{ nb: number[]; all: number[] }>(
      String.raw`
p <- input$p; y <- input$y; n <- length(y); prev <- mean(y)
nb <- sapply(input$t, function(pt) sum(p >= pt & y == 1)/n - sum(p >= pt & y == 0)/n * pt/(1 - pt))
all <- sapply(input$t, function(pt) prev - (1 - prev) * pt/(1 - pt))
out <- list(nb = nb, all = all)
`,
      { p, y, t: thresholds },
    );

    it('net benefit and treat-all within 1e-14 absolute at 0.01 … 0.99 (probabilities on the same grid: ties at p = pt)', () => {
      const curve = decisionCurve(p, y, thresholds);
      curve.forEach((pt, i) => {
        assert.ok(Math.abs(pt.net_benefit - r.nb[i]!) <= 1e-14, `net benefit at ${pt.threshold}`);
        assert.ok(Math.abs(pt.treat_all - r.all[i]!) <= 1e-14, `treat all at ${pt.threshold}`);
        assert.equal(pt.treat_none, 0);
      });
    });
  },
);
