/**
 * Decision curve (Vickers & Elkin, Med Decis Making 26:565, 2006): net benefit against the
 * threshold probability for each model, for treating everyone and for treating no one (net
 * benefit 0). As is usual for decision curves (Vickers et al., Diagn Progn Res 3:18, 2019), the
 * y axis runs from a little below zero to a little above the prevalence, and lines are clipped
 * there: "treat all" falls steeply at high thresholds and would otherwise flatten the models.
 */
import {
  axes,
  clipToFrame,
  colour,
  esc,
  frame,
  legend,
  niceStep,
  pathData,
  svgPlot,
  type LegendItem,
} from './svg.ts';

export interface DecisionSeries {
  name: string;
  points: readonly { threshold: number; net_benefit: number }[];
}

export function decisionCurvePlot(
  models: readonly DecisionSeries[],
  treatAll: readonly { threshold: number; treat_all: number }[],
  o: { id: string; title: string },
): string {
  if (models.length === 0 || treatAll.length === 0) throw new RangeError('decisionCurvePlot: no curve');
  const width = 520;
  const height = 420;
  const thresholds = [
    ...treatAll.map((p) => p.threshold),
    ...models.flatMap((m) => m.points.map((p) => p.threshold)),
  ];
  const xMax = Math.min(1, Math.max(...thresholds));
  const yTop = Math.max(
    ...treatAll.map((p) => p.treat_all),
    ...models.flatMap((m) => m.points.map((p) => p.net_benefit)),
  );
  const step = niceStep(0, Math.max(yTop, 0.05), 5);
  const yMax = Math.ceil((Math.max(yTop, 0.05) * 1.05) / step) * step;
  // A little room below zero shows where a strategy starts to harm, without flattening the rest.
  const yMin = -Math.max(0.05, 0.15 * yMax);
  const f = frame(width, height, { top: 30, right: 16, bottom: 52, left: 62 }, [0, xMax], [yMin, yMax]);
  const clip = `${o.id}-clip`;
  const parts: string[] = [
    clipToFrame(clip, f),
    axes(f, { xLabel: 'Threshold probability', yLabel: 'Net benefit', grid: true }),
  ];
  const line = (cls: string, name: string, xy: (readonly [number, number])[], stroke: string, extra = '') =>
    `<path class="${cls}" data-series="${esc(name)}" d="${pathData(xy)}" fill="none" stroke="${stroke}" stroke-width="2"${extra} clip-path="url(#${esc(clip)})"/>`;
  parts.push(
    line(
      'treat-none',
      'Treat none',
      [
        [f.x(0), f.y(0)],
        [f.x(xMax), f.y(0)],
      ],
      '#222',
      ' stroke-dasharray="2 3"',
    ),
    line(
      'treat-all',
      'Treat all',
      treatAll.map((p) => [f.x(p.threshold), f.y(Math.max(p.treat_all, yMin * 2))] as const),
      '#888',
    ),
  );
  const items: LegendItem[] = [];
  models.forEach((m, i) => {
    const c = colour(i);
    parts.push(
      line(
        'net-benefit',
        m.name,
        m.points.map((p) => [f.x(p.threshold), f.y(Math.max(p.net_benefit, yMin * 2))] as const),
        c,
      ),
    );
    items.push({ label: m.name, colour: c });
  });
  items.push({ label: 'Treat all', colour: '#888' }, { label: 'Treat none', colour: '#222', dash: '2 3' });
  parts.push(legend(items, f.right - 6, f.top + 6, 'right'));
  return svgPlot(
    {
      kind: 'decision-curve',
      id: o.id,
      title: o.title,
      description: `Net benefit against threshold probability for ${models.map((m) => m.name).join(', ')}, treat all and treat none.`,
      width,
      height,
    },
    parts.join('\n'),
  );
}
