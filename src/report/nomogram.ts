/**
 * Nomogram of a logistic model, in the classic layout of rms `nomogram()` (Harrell, Regression
 * Modeling Strategies, 2nd ed., 2015, §5.1 and the rms documentation; Iasonos et al., J Clin
 * Oncol 26:1364, 2008):
 *
 * - each predictor xⱼ has an axis over its training range [loⱼ, hiⱼ]; its contribution βⱼxⱼ is
 *   shifted so the least favourable end scores 0 points: pointsⱼ(x) = (βⱼx − min(βⱼloⱼ, βⱼhiⱼ))·100/M,
 *   where M = maxⱼ |βⱼ|(hiⱼ − loⱼ) — the predictor with the widest effect spans 0–100 points (the
 *   "Points" axis on top), and a negative βⱼ gives an axis that runs right to left;
 * - Total points T = Σⱼ pointsⱼ(xⱼ), on its own axis spanning the same width;
 * - the linear predictor is LP = β₀ + Σⱼ min(βⱼloⱼ, βⱼhiⱼ) + T·M/100, and the probability axis
 *   marks where P = 1/(1 + e^−LP) takes round values.
 */
import { esc, niceTicks, niceStep, num, svgPlot, tickLabel } from './svg.ts';

export interface NomogramTerm {
  name: string;
  beta: number;
  /** Training range of the predictor on the scale the model sees. */
  range: readonly [number, number];
  /** Values to mark on the predictor's axis; default: round values in the range (0 and 1 only for [0, 1]). */
  ticks?: readonly number[];
}

export interface NomogramModel {
  intercept: number;
  terms: readonly NomogramTerm[];
}

export interface NomogramScale {
  /** Points per unit of linear predictor (100/M). */
  pointsPerUnit: number;
  /** LP when every predictor is at its 0-point end. */
  lpAtZeroPoints: number;
  /** Largest attainable total points. */
  maxTotalPoints: number;
  /** Points of term j at value x. */
  points(term: number, x: number): number;
  /** Probability at a total-points value. */
  probability(totalPoints: number): number;
}

/** The points scale of a logistic model (see the module comment). */
export function nomogramScale(model: NomogramModel): NomogramScale {
  if (model.terms.length === 0) throw new RangeError('nomogram: the model has no terms');
  if (!Number.isFinite(model.intercept)) throw new RangeError('nomogram: the intercept is not finite');
  const lows = model.terms.map((t) => {
    const [lo, hi] = t.range;
    if (!Number.isFinite(t.beta)) throw new RangeError(`nomogram: coefficient of "${t.name}" is not finite`);
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi))
      throw new RangeError(`nomogram: range of "${t.name}" is not a finite interval (${lo}, ${hi})`);
    return Math.min(t.beta * lo, t.beta * hi);
  });
  const widest = Math.max(...model.terms.map((t) => Math.abs(t.beta) * (t.range[1] - t.range[0])));
  if (!(widest > 0))
    throw new RangeError('nomogram: no predictor changes the linear predictor over its range');
  const pointsPerUnit = 100 / widest;
  const lpAtZeroPoints = model.intercept + lows.reduce((a, b) => a + b, 0);
  const maxTotalPoints = model.terms.reduce(
    (sum, t) => sum + Math.abs(t.beta) * (t.range[1] - t.range[0]) * pointsPerUnit,
    0,
  );
  return {
    pointsPerUnit,
    lpAtZeroPoints,
    maxTotalPoints,
    points: (j, x) => (model.terms[j]!.beta * x - lows[j]!) * pointsPerUnit,
    probability: (total) => 1 / (1 + Math.exp(-(lpAtZeroPoints + total / pointsPerUnit))),
  };
}

const PROBABILITIES = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99];

function defaultTicks(range: readonly [number, number]): number[] {
  const [lo, hi] = range;
  if (lo === 0 && hi === 1) return [0, 1];
  if (lo === hi) return [lo];
  const ticks = niceTicks(lo, hi, 4);
  return ticks.length >= 2 ? ticks : [lo, hi];
}

export function nomogramPlot(
  model: NomogramModel,
  o: { id: string; title: string; outcomeLabel: string },
): string {
  const scale = nomogramScale(model);
  const labelWidth = 190;
  const axisWidth = 460;
  const left = labelWidth + 10;
  const rowHeight = 46;
  const top = 40;
  const rows = model.terms.length + 4; // Points, terms, Total points, Linear predictor, Probability
  const width = left + axisWidth + 30;
  const height = top + rows * rowHeight + 10;
  const parts: string[] = [];
  const xPoints = (p: number) => left + (p / 100) * axisWidth;
  const xTotal = (t: number) => left + (t / scale.maxTotalPoints) * axisWidth;

  /** One labelled axis: a line from x0 to x1 with ticks (position, label) above it. */
  const axis = (row: number, label: string, cls: string, ticks: readonly { x: number; label: string }[]) => {
    const y = top + row * rowHeight + 28;
    const xs = ticks.map((t) => t.x);
    const x0 = Math.min(...xs);
    const x1 = Math.max(...xs);
    const out = [
      `<g class="nomogram-axis ${cls}" data-axis="${esc(label)}">`,
      `<text class="axis-label" x="${num(labelWidth)}" y="${num(y + 4)}" text-anchor="end">${esc(label)}</text>`,
      `<line x1="${num(x0)}" y1="${num(y)}" x2="${num(x1 === x0 ? x0 + 0.5 : x1)}" y2="${num(y)}" stroke="#222" stroke-width="1.2"/>`,
    ];
    // Labels go above the axis; one too close to the previous label goes below it (as rms does for
    // crowded axes), and is left out only when that place is taken too.
    let lastAbove = -Infinity;
    let lastBelow = -Infinity;
    const ordered = [...ticks].sort((a, b) => a.x - b.x);
    for (const t of ordered) {
      const room = 7 + 6.5 * t.label.length;
      out.push(`<line x1="${num(t.x)}" y1="${num(y)}" x2="${num(t.x)}" y2="${num(y - 6)}" stroke="#222"/>`);
      if (t.x - lastAbove >= room) {
        out.push(
          `<text class="tick-label" x="${num(t.x)}" y="${num(y - 9)}" text-anchor="middle">${esc(t.label)}</text>`,
        );
        lastAbove = t.x;
      } else if (t.x - lastBelow >= room) {
        out.push(
          `<text class="tick-label" x="${num(t.x)}" y="${num(y + 13)}" text-anchor="middle">${esc(t.label)}</text>`,
        );
        lastBelow = t.x;
      }
    }
    out.push('</g>');
    return out.join('\n');
  };

  parts.push(
    axis(
      0,
      'Points',
      'points',
      Array.from({ length: 11 }, (_, i) => ({ x: xPoints(i * 10), label: String(i * 10) })),
    ),
  );
  model.terms.forEach((term, j) => {
    const ticks = term.ticks ?? defaultTicks(term.range);
    const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
    parts.push(
      axis(
        j + 1,
        term.name,
        'predictor',
        ticks.map((v) => ({ x: xPoints(scale.points(j, v)), label: tickLabel(v, step) })),
      ),
    );
  });
  const totalTicks = niceTicks(0, scale.maxTotalPoints, 8);
  parts.push(
    axis(
      model.terms.length + 1,
      'Total points',
      'total',
      totalTicks.map((t) => ({ x: xTotal(t), label: String(t) })),
    ),
  );
  const lpLo = scale.lpAtZeroPoints;
  const lpHi = lpLo + scale.maxTotalPoints / scale.pointsPerUnit;
  const lpStep = niceStep(lpLo, lpHi, 6);
  parts.push(
    axis(
      model.terms.length + 2,
      'Linear predictor',
      'linear-predictor',
      niceTicks(lpLo, lpHi, 6).map((lp) => ({
        x: xTotal((lp - lpLo) * scale.pointsPerUnit),
        label: tickLabel(lp, lpStep),
      })),
    ),
  );
  const probTicks = PROBABILITIES.map((p) => ({ p, lp: Math.log(p / (1 - p)) })).filter(
    (t) => t.lp >= lpLo && t.lp <= lpHi,
  );
  if (probTicks.length > 0)
    parts.push(
      axis(
        model.terms.length + 3,
        `Probability of ${o.outcomeLabel}`,
        'probability',
        probTicks.map((t) => ({ x: xTotal((t.lp - lpLo) * scale.pointsPerUnit), label: String(t.p) })),
      ),
    );
  else
    parts.push(
      `<text class="axis-label" x="${num(labelWidth)}" y="${num(top + (model.terms.length + 3) * rowHeight + 32)}" text-anchor="end">Probability of ${esc(o.outcomeLabel)}: ${scale.probability(0).toFixed(3)}–${scale.probability(scale.maxTotalPoints).toFixed(3)}</text>`,
    );
  return svgPlot(
    {
      kind: 'nomogram',
      id: o.id,
      title: o.title,
      description: `Nomogram: read each predictor's points on the Points axis, add them, and read the probability of ${o.outcomeLabel} below the total.`,
      width,
      height,
    },
    parts.join('\n'),
  );
}
