/**
 * ROC curves, one per score, each with its pointwise sensitivity band (src/report/roc-band.ts):
 * x = 1 − specificity (false-positive rate), y = sensitivity, both 0–1, and the chance diagonal.
 * The empirical curve is the step function through pROC's points (thresholds between
 * consecutive distinct scores), drawn from (0, 0) to (1, 1).
 */
import type { RocBand } from '../evaluate/evaluation-types.ts';
import {
  axes,
  clipToFrame,
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

export interface RocSeries {
  name: string;
  auc: number;
  auc_ci: readonly [number, number];
  points: readonly { sensitivity: number; specificity: number }[];
  band: RocBand | null;
}

const f3 = (v: number) => fixed(v, 3);

export function rocPlot(series: readonly RocSeries[], o: { id: string; title: string }): string {
  if (series.length === 0) throw new RangeError('rocPlot: no series');
  const width = 460;
  const height = 440;
  const f = frame(width, height, { top: 30, right: 16, bottom: 52, left: 58 }, [0, 1], [0, 1]);
  const clip = `${o.id}-clip`;
  const parts: string[] = [clipToFrame(clip, f)];
  parts.push(
    axes(f, { xLabel: '1 − specificity (false-positive rate)', yLabel: 'Sensitivity', grid: true }),
    `<line class="chance" x1="${num(f.x(0))}" y1="${num(f.y(0))}" x2="${num(f.x(1))}" y2="${num(f.y(1))}" stroke="#999" stroke-dasharray="4 4"/>`,
  );
  const items: LegendItem[] = [];
  series.forEach((s, i) => {
    const c = colour(i);
    if (s.band && s.band.points.length > 1) {
      const pts = [...s.band.points].sort((a, b) => b.specificity - a.specificity);
      const upper = pts.map((p) => [f.x(1 - p.specificity), f.y(p.upper)] as const);
      const lower = [...pts].reverse().map((p) => [f.x(1 - p.specificity), f.y(p.lower)] as const);
      parts.push(
        `<path class="roc-band" data-series="${esc(s.name)}" d="${pathData([...upper, ...lower])} Z" fill="${c}" fill-opacity="0.18" stroke="none" clip-path="url(#${esc(clip)})"/>`,
      );
    }
    // Draw from (0,0): decreasing specificity, and within one specificity increasing sensitivity.
    const pts = [...s.points].sort((a, b) => b.specificity - a.specificity || a.sensitivity - b.sensitivity);
    const xy = pts.map((p) => [f.x(1 - p.specificity), f.y(p.sensitivity)] as const);
    parts.push(
      `<path class="roc-curve" data-series="${esc(s.name)}" d="${pathData(xy)}" fill="none" stroke="${c}" stroke-width="2"/>`,
    );
    items.push({ label: `${s.name}: AUC ${f3(s.auc)} (${f3(s.auc_ci[0])}–${f3(s.auc_ci[1])})`, colour: c });
  });
  const band = series.find((s) => s.band)?.band;
  if (band)
    items.push({
      label: `${Math.round(band.level * 100)}% band of sensitivity (${band.resamples} bootstrap resamples)`,
      colour: '#777',
      swatch: 'area',
    });
  parts.push(legend(items, f.right - 6, f.bottom - 6 - legendHeight(items.length), 'right'));
  return svgPlot(
    {
      kind: 'roc',
      id: o.id,
      title: o.title,
      description: `ROC curves of ${series.map((s) => s.name).join(', ')}: sensitivity against 1 − specificity, with pointwise confidence bands and the chance diagonal.`,
      width,
      height,
    },
    parts.join('\n'),
  );
}
