import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../synth/random.ts';
import { nomogramPlot, nomogramScale } from './nomogram.ts';

const model = {
  intercept: -0.7,
  terms: [
    { name: 'radscore', beta: 1.8, range: [-2.1, 2.6] as const },
    { name: 'ER_positive', beta: -1.1, range: [0, 1] as const },
    { name: 'HER2_positive', beta: 1.4, range: [0, 1] as const },
    { name: 'Ki67 (z)', beta: 0.35, range: [-1.5, 3] as const },
  ],
};

describe('nomogram', () => {
  it('points add up to the logistic model: P(total points) = 1/(1 + exp(−(β₀ + Σβx))) for any inputs', () => {
    const s = nomogramScale(model);
    const rng = createRng('nomogram');
    for (let k = 0; k < 200; k += 1) {
      const x = model.terms.map((t) => rng.uniformIn(t.range[0], t.range[1]));
      const total = x.reduce((sum, v, j) => sum + s.points(j, v), 0);
      const lp = model.intercept + x.reduce((sum, v, j) => sum + model.terms[j]!.beta * v, 0);
      assert.ok(Math.abs(s.probability(total) - 1 / (1 + Math.exp(-lp))) < 1e-12);
    }
  });

  it('the widest effect spans 0–100 points; each axis starts at 0 at its unfavourable end', () => {
    const s = nomogramScale(model);
    // Widest |β|·(hi − lo): radscore 1.8·4.7 = 8.46 > HER2 1.4 > ER 1.1 > Ki67 0.35·4.5 = 1.575.
    assert.ok(Math.abs(s.points(0, 2.6) - 100) < 1e-12);
    assert.equal(s.points(0, -2.1), 0);
    // Negative β: the axis runs right to left (ER-positive scores 0, ER-negative 1.1/8.46·100).
    assert.equal(s.points(1, 1), 0);
    assert.ok(Math.abs(s.points(1, 0) - (1.1 / 8.46) * 100) < 1e-12);
    assert.ok(Math.abs(s.maxTotalPoints - ((1.8 * 4.7 + 1.1 + 1.4 + 0.35 * 4.5) / 8.46) * 100) < 1e-9);
  });

  it('draws one axis per term plus points, total, linear predictor and probability; escapes names', () => {
    const svg = nomogramPlot(
      { ...model, terms: [...model.terms, { name: 'a<b & "c"', beta: 0.2, range: [0, 5] }] },
      { id: 'n', title: 'Nomogram', outcomeLabel: 'apCR' },
    );
    assert.match(svg, /data-plot="nomogram"/);
    assert.equal((svg.match(/class="nomogram-axis /g) ?? []).length, model.terms.length + 1 + 4);
    assert.match(svg, /a&lt;b &amp; &quot;c&quot;/);
    assert.doesNotMatch(svg, /a<b/);
  });

  it('refuses a model whose terms cannot move the prediction', () => {
    assert.throws(
      () => nomogramScale({ intercept: 0, terms: [{ name: 'x', beta: 0, range: [0, 1] }] }),
      /no predictor changes the linear predictor/,
    );
    assert.throws(
      () => nomogramScale({ intercept: 0, terms: [{ name: 'x', beta: 1, range: [2, 1] }] }),
      /not a finite interval/,
    );
  });
});
