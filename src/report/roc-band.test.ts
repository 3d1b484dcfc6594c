import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rocCurve } from '../stats/roc.ts';
import { R_MISSING, rAvailable, runR } from '../stats/r-reference.test-helper.ts';
import { createRng } from '../synth/random.ts';
import { rocSensitivityBand, sensitivityAtSpecificity } from './roc-band.ts';

/** Scores rounded to one decimal (many ties), events shifted up by `shift` SDs. */
function sample(seed: string, n: number, shift: number): { scores: number[]; outcomes: number[] } {
  const rng = createRng(seed);
  const scores: number[] = [];
  const outcomes: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const y = rng.uniform() < 0.45 ? 1 : 0;
    // Box–Muller normal.
    const z = Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
    scores.push(Math.round((z + shift * y) * 10) / 10);
    outcomes.push(y);
  }
  return { scores, outcomes };
}

describe('sensitivityAtSpecificity', () => {
  it('hand example: exact specificity takes the top of the step, otherwise interpolates', () => {
    // Events 2, 3; non-events 1, 2. pROC thresholds −Inf, 1.5, 2.5, Inf:
    //   t = −Inf: se 1, sp 0;  t = 1.5: se 1, sp 0.5;  t = 2.5: se 0.5, sp 1;  t = Inf: se 0, sp 1.
    const curve = rocCurve([2, 3, 1, 2], [1, 1, 0, 0]);
    assert.equal(sensitivityAtSpecificity(curve, 0.5), 1); // exact: the point at sp 0.5
    assert.equal(sensitivityAtSpecificity(curve, 1), 0.5); // two points at sp 1: the higher se
    // sp 0.75 lies between (sp 0.5, se 1) and (sp 1, se 0.5): se = 1 + (0.75 − 0.5)/(1 − 0.5)·(0.5 − 1) = 0.75.
    assert.equal(sensitivityAtSpecificity(curve, 0.75), 0.75);
    assert.throws(() => sensitivityAtSpecificity(curve, 1.2), /specificity must be in \[0, 1\]/);
    assert.throws(() => sensitivityAtSpecificity([], 0.5), /empty ROC curve/);
  });

  it('band: reproducible with a seed, ordered, bad input refused', () => {
    const { scores, outcomes } = sample('band-props', 60, 1);
    const run = (seed: string) => {
      const rng = createRng(seed);
      return rocSensitivityBand(scores, outcomes, { random: () => rng.uniform(), resamples: 300 });
    };
    const a = run('s');
    assert.deepEqual(run('s'), a);
    assert.notDeepEqual(run('t'), a);
    for (const p of a) assert.ok(p.lower <= p.median && p.median <= p.upper, JSON.stringify(p));
    assert.equal(a[0]!.specificity, 0);
    assert.equal(a[0]!.lower, 1); // specificity 0: sensitivity 1 in every resample
    assert.throws(
      () =>
        rocSensitivityBand(
          scores,
          outcomes.map(() => 1),
          { random: Math.random, resamples: 10 },
        ),
      /both outcome classes/,
    );
    assert.throws(
      () => rocSensitivityBand(scores, outcomes, { random: Math.random, resamples: 0 }),
      /resamples/,
    );
  });
});

describe('ROC band against pROC 1.18', { skip: rAvailable() ? false : R_MISSING }, () => {
  it('reads sensitivity as coords(input = "specificity") does, and matches ci.se in distribution', (t) => {
    const { scores, outcomes } = sample('band-vs-proc', 90, 1.2);
    const n0 = outcomes.filter((y) => y === 0).length;
    // Grid points plus specificities that fall exactly on curve points (k/n0), to hit both branches.
    const specificities = [
      ...Array.from({ length: 21 }, (_, i) => i / 20),
      ...[3, 10, 17, 30].map((k) => k / n0),
    ];
    const bandSps = Array.from({ length: 11 }, (_, i) => i / 10);
    const r = runR<{ se: number[]; lower: number[]; median: number[]; upper: number[] }>(
      `suppressMessages(library(pROC))
       r <- roc(input$outcomes, input$scores, direction = "<", levels = c(0, 1), quiet = TRUE)
       se <- coords(r, input$sp, input = "specificity", ret = "sensitivity", transpose = FALSE)$sensitivity
       set.seed(1)
       ci <- ci.se(r, specificities = input$bandSp, boot.n = 2000, boot.stratified = TRUE, progress = "none")
       out <- list(se = se, lower = ci[, 1], median = ci[, 2], upper = ci[, 3])`,
      { scores, outcomes, sp: specificities, bandSp: bandSps },
    );
    const curve = rocCurve(scores, outcomes);
    specificities.forEach((sp, i) =>
      assert.ok(
        Math.abs(sensitivityAtSpecificity(curve, sp) - r.se[i]!) < 1e-12,
        `sp ${sp}: ${sensitivityAtSpecificity(curve, sp)} vs pROC ${r.se[i]}`,
      ),
    );

    const rng = createRng('band-vs-proc/bootstrap');
    const ours = rocSensitivityBand(scores, outcomes, {
      random: () => rng.uniform(),
      specificities: bandSps,
      resamples: 2000,
    });
    // Different random draws: the quantiles agree up to Monte-Carlo error. With ~40 events a
    // resampled sensitivity moves in steps of 1/40 = 0.025; two independent 2000-resample runs
    // differ by up to about two such steps at the tails.
    let largest = 0;
    ours.forEach((p, i) => {
      for (const [mine, theirs] of [
        [p.lower, r.lower[i]!],
        [p.median, r.median[i]!],
        [p.upper, r.upper[i]!],
      ] as const) {
        largest = Math.max(largest, Math.abs(mine - theirs));
        assert.ok(Math.abs(mine - theirs) <= 0.06, `sp ${p.specificity}: ${mine} vs pROC ci.se ${theirs}`);
      }
    });
    t.diagnostic(`largest |band − pROC ci.se| over 11 specificities × 3 quantiles: ${largest.toFixed(4)}`);
  });
});
