/**
 * Calibration plot: for each score, the Hosmer–Lemeshow groups (deciles of predicted
 * probability) as points at (mean predicted probability, observed event rate), joined by a line,
 * against the diagonal of perfect calibration — the grouped display of rms `val.prob`. Point area
 * grows with the group's size; the legend gives the logistic-recalibration slope and intercept.
 */
import {
  axes,
  colour,
  esc,
  fixed,
  frame,
  legend,
  legendHeight,
  num,
  pathData,
  svgPlot,
  type LegendItem,
} from './svg.ts';

export interface CalibrationSeries {
  name: string;
  groups: readonly { mean_predicted: number; observed_rate: number; n: number }[];
  slope: number;
  intercept: number;
}

export function calibrationPlot(
  series: readonly CalibrationSeries[],
  o: { id: string; title: string },
): string {
  if (series.length === 0) throw new RangeError('calibrationPlot: no series');
  const width = 460;
  const height = 440;
  const f = frame(width, height, { top: 30, right: 16, bottom: 52, left: 58 }, [0, 1], [0, 1]);
  const parts: string[] = [
    axes(f, { xLabel: 'Predicted probability', yLabel: 'Observed event rate', grid: true }),
    `<line class="ideal" x1="${num(f.x(0))}" y1="${num(f.y(0))}" x2="${num(f.x(1))}" y2="${num(f.y(1))}" stroke="#999" stroke-dasharray="4 4"/>`,
  ];
  const maxN = Math.max(1, ...series.flatMap((s) => s.groups.map((g) => g.n)));
  const items: LegendItem[] = [];
  series.forEach((s, i) => {
    const c = colour(i);
    const xy = s.groups.map((g) => [f.x(g.mean_predicted), f.y(g.observed_rate)] as const);
    if (xy.length > 1)
      parts.push(
        `<path class="calibration-line" data-series="${esc(s.name)}" d="${pathData(xy)}" fill="none" stroke="${c}" stroke-width="1.5"/>`,
      );
    s.groups.forEach((g, k) => {
      const r = 2.5 + 3.5 * Math.sqrt(g.n / maxN);
      parts.push(
        `<circle class="calibration-point" data-series="${esc(s.name)}" cx="${num(xy[k]![0])}" cy="${num(xy[k]![1])}" r="${num(r)}" fill="${c}" fill-opacity="0.8" stroke="#fff" stroke-width="0.8"><title>${esc(
          `${s.name}: n = ${g.n}, mean predicted ${fixed(g.mean_predicted, 3)}, observed ${fixed(g.observed_rate, 3)}`,
        )}</title></circle>`,
      );
    });
    items.push({
      label: `${s.name}: slope ${fixed(s.slope, 2)}, intercept ${fixed(s.intercept, 2)}`,
      colour: c,
      swatch: 'point',
    });
  });
  items.push({ label: 'Perfect calibration', colour: '#999', dash: '4 4' });
  parts.push(legend(items, f.right - 6, f.bottom - 6 - legendHeight(items.length), 'right'));
  return svgPlot(
    {
      kind: 'calibration',
      id: o.id,
      title: o.title,
      description: `Observed event rate against mean predicted probability per decile group for ${series.map((s) => s.name).join(', ')}, with the diagonal of perfect calibration.`,
      width,
      height,
    },
    parts.join('\n'),
  );
}
