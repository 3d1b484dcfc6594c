/**
 * Hand-written SVG building blocks for the report's plots: escaping, linear scales, "nice" tick
 * values, axes with labels, legends and the `<svg data-plot=…>` wrapper. Plots are strings of
 * inline SVG (no script, no external reference), sized by a viewBox so they scale with the page
 * and print sharply.
 */

/** Escapes text for an XML/HTML text node or a quoted attribute value. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A coordinate with two decimals: plenty at report size, and keeps the file small. */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`svg: non-finite coordinate ${v}`);
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

/** v with `digits` decimals for labels: no "-0.00", and a typographic minus sign. */
export function fixed(v: number, digits: number): string {
  return v
    .toFixed(digits)
    .replace(/^-(0\.?0*)$/, '$1')
    .replace(/^-/, '−');
}

/** Colour-blind-safe qualitative palette (Okabe & Ito 2008), darkest first. */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];

export function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

export interface LinearScale {
  (v: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
}

export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const f = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as LinearScale;
  f.domain = domain;
  f.range = range;
  return f;
}

/** Step of about `count` intervals over [lo, hi], rounded to 1, 2 or 5 × 10^k. */
export function niceStep(lo: number, hi: number, count = 5): number {
  const raw = Math.abs(hi - lo) / Math.max(1, count) || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/** Multiples of a nice step inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const step = niceStep(lo, hi, count);
  const ticks: number[] = [];
  const start = Math.ceil(lo / step - 1e-9);
  for (let k = start; k * step <= hi + step * 1e-9; k += 1) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Domain widened outward to nice steps (so the data end on a tick). */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (lo === hi) return [lo - 1, hi + 1];
  const step = niceStep(lo, hi, count);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** Tick label with as many decimals as the step needs. */
export function tickLabel(v: number, step: number): string {
  return fixed(v, Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))));
}

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** A plot's drawing area inside its margins, with its x and y scales. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: LinearScale;
  y: LinearScale;
}

export function frame(
  width: number,
  height: number,
  margins: Margins,
  xDomain: readonly [number, number],
  yDomain: readonly [number, number],
): Frame {
  const left = margins.left;
  const right = width - margins.right;
  const top = margins.top;
  const bottom = height - margins.bottom;
  return {
    width,
    height,
    left,
    right,
    top,
    bottom,
    x: linearScale(xDomain, [left, right]),
    y: linearScale(yDomain, [bottom, top]),
  };
}

export interface AxisOptions {
  xLabel: string;
  yLabel: string;
  xTicks?: readonly number[];
  yTicks?: readonly number[];
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** Light grid lines at the ticks. */
  grid?: boolean;
}

/** The plot-area rectangle (class "plot-area"), ticks, tick labels and axis titles. */
export function axes(f: Frame, o: AxisOptions): string {
  const xTicks = o.xTicks ?? niceTicks(f.x.domain[0], f.x.domain[1]);
  const yTicks = o.yTicks ?? niceTicks(f.y.domain[0], f.y.domain[1]);
  const xStep = xTicks.length > 1 ? Math.abs(xTicks[1]! - xTicks[0]!) : 1;
  const yStep = yTicks.length > 1 ? Math.abs(yTicks[1]! - yTicks[0]!) : 1;
  const xf = o.xFormat ?? ((v: number) => tickLabel(v, xStep));
  const yf = o.yFormat ?? ((v: number) => tickLabel(v, yStep));
  const parts: string[] = [
    `<rect class="plot-area" x="${num(f.left)}" y="${num(f.top)}" width="${num(f.right - f.left)}" height="${num(f.bottom - f.top)}" fill="none" stroke="#444" stroke-width="1"/>`,
  ];
  for (const t of xTicks) {
    const x = f.x(t);
    if (o.grid)
      parts.push(
        `<line class="grid" x1="${num(x)}" y1="${num(f.top)}" x2="${num(x)}" y2="${num(f.bottom)}"/>`,
      );
    parts.push(
      `<line class="tick" x1="${num(x)}" y1="${num(f.bottom)}" x2="${num(x)}" y2="${num(f.bottom + 5)}"/>`,
      `<text class="tick-label" x="${num(x)}" y="${num(f.bottom + 18)}" text-anchor="middle">${esc(xf(t))}</text>`,
    );
  }
  for (const t of yTicks) {
    const y = f.y(t);
    if (o.grid)
      parts.push(
        `<line class="grid" x1="${num(f.left)}" y1="${num(y)}" x2="${num(f.right)}" y2="${num(y)}"/>`,
      );
    parts.push(
      `<line class="tick" x1="${num(f.left - 5)}" y1="${num(y)}" x2="${num(f.left)}" y2="${num(y)}"/>`,
      `<text class="tick-label" x="${num(f.left - 8)}" y="${num(y + 4)}" text-anchor="end">${esc(yf(t))}</text>`,
    );
  }
  const cx = (f.left + f.right) / 2;
  const cy = (f.top + f.bottom) / 2;
  parts.push(
    `<text class="axis-label" x="${num(cx)}" y="${num(f.bottom + 38)}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text class="axis-label" transform="translate(${num(f.left - 44)} ${num(cy)}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  return parts.join('\n');
}

/** `M x y L x y …` through the points (already in pixels). */
export function pathData(points: readonly (readonly [number, number])[]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${num(x)} ${num(y)}`).join(' ');
}

export interface LegendItem {
  label: string;
  colour: string;
  dash?: string;
  /** Draw a filled square (for bands) instead of a line. */
  swatch?: 'line' | 'area' | 'point';
}

const LEGEND_ROW = 16;

/** Height of a legend box of `rows` items. */
export function legendHeight(rows: number): number {
  return rows * LEGEND_ROW + 8;
}

/**
 * A legend box whose top edge is at y; x is its left edge, or its right edge with
 * `anchor: 'right'` (width estimated from the label lengths at the report's 11 px font).
 */
export function legend(
  items: readonly LegendItem[],
  x: number,
  y: number,
  anchor: 'left' | 'right' = 'left',
): string {
  const rowHeight = LEGEND_ROW;
  const width = 36 + Math.max(...items.map((i) => i.label.length)) * 5.9;
  if (anchor === 'right') x -= width;
  const parts = [
    `<g class="legend"><rect x="${num(x)}" y="${num(y)}" width="${num(width)}" height="${num(legendHeight(items.length))}" fill="#fff" fill-opacity="0.85" stroke="#bbb"/>`,
  ];
  items.forEach((item, i) => {
    const cy = y + 12 + i * rowHeight;
    if (item.swatch === 'area')
      parts.push(
        `<rect x="${num(x + 6)}" y="${num(cy - 5)}" width="18" height="10" fill="${item.colour}" fill-opacity="0.25"/>`,
      );
    else if (item.swatch === 'point')
      parts.push(`<circle cx="${num(x + 15)}" cy="${num(cy)}" r="3.5" fill="${item.colour}"/>`);
    else
      parts.push(
        `<line x1="${num(x + 6)}" y1="${num(cy)}" x2="${num(x + 24)}" y2="${num(cy)}" stroke="${item.colour}" stroke-width="2"${item.dash ? ` stroke-dasharray="${item.dash}"` : ''}/>`,
      );
    parts.push(`<text x="${num(x + 30)}" y="${num(cy + 4)}">${esc(item.label)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

export type PlotKind =
  'roc' | 'calibration' | 'decision-curve' | 'lasso-path' | 'lasso-cv' | 'spearman-heatmap' | 'nomogram';

export interface PlotShell {
  kind: PlotKind;
  /** Unique in the document: the `<title>` and clip paths derive their ids from it. */
  id: string;
  title: string;
  /** One or two sentences read by screen readers (the `<desc>`). */
  description: string;
  width: number;
  height: number;
}

/** `<svg data-plot=…>` with its `<title>` and `<desc>` first, as the SVG accessibility notes ask. */
export function svgPlot(shell: PlotShell, body: string): string {
  return [
    `<svg class="plot" data-plot="${shell.kind}" id="${esc(shell.id)}" viewBox="0 0 ${shell.width} ${shell.height}" width="${shell.width}" height="${shell.height}" role="img" aria-labelledby="${esc(shell.id)}-title ${esc(shell.id)}-desc">`,
    `<title id="${esc(shell.id)}-title">${esc(shell.title)}</title>`,
    `<desc id="${esc(shell.id)}-desc">${esc(shell.description)}</desc>`,
    `<text class="plot-title" x="${num(shell.width / 2)}" y="18" text-anchor="middle">${esc(shell.title)}</text>`,
    body,
    '</svg>',
  ].join('\n');
}

/** A clip path for the plot area; reference it with `clip-path="url(#ID)"` (a local fragment, no URL). */
export function clipToFrame(id: string, f: Frame): string {
  return `<clipPath id="${esc(id)}"><rect x="${num(f.left)}" y="${num(f.top)}" width="${num(f.right - f.left)}" height="${num(f.bottom - f.top)}"/></clipPath>`;
}
