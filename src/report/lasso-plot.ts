/**
 * The two LASSO figures in glmnet's layout (Friedman, Hastie & Tibshirani, J Stat Softw 33(1),
 * 2010; `plot.glmnet(xvar = "lambda")` and `plot.cv.glmnet`):
 * - coefficient path: each feature's coefficient against log λ (natural log, λ decreasing to the
 *   left as in glmnet's plot), the number of non-zero coefficients along the top;
 * - CV curve: mean cross-validated binomial deviance ± one standard error (cvm ± cvsd) against
 *   log λ, with dashed vertical lines at λ.min and λ.1se.
 */
import type { LassoReport } from '../train/training-report.ts';
import {
  axes,
  clipToFrame,
  colour,
  esc,
  frame,
  legend,
  niceDomain,
  niceTicks,
  num,
  pathData,
  PALETTE,
  svgPlot,
} from './svg.ts';

const MARGINS = { top: 62, right: 210, bottom: 52, left: 62 };
const KEY_ROWS = 22;

function logLambdas(lambda: readonly number[], what: string): number[] {
  if (lambda.length === 0) throw new RangeError(`${what}: no lambda values`);
  return lambda.map((l, i) => {
    if (!(l > 0)) throw new RangeError(`${what}: lambda ${i} is ${l}, must be positive`);
    return Math.log(l);
  });
}

export function lassoPathPlot(
  path: LassoReport['path'],
  o: { id: string; title: string; lambdaUsed?: number },
): string {
  const x = logLambdas(path.lambda, 'lassoPathPlot');
  const names = Object.keys(path.coefficients);
  const width = 680;
  const height = 440;
  const values = names.flatMap((n) => path.coefficients[n]!);
  const [y0, y1] = niceDomain(Math.min(0, ...values), Math.max(0, ...values));
  const xLo = Math.min(...x);
  const xHi = Math.max(...x);
  const f = frame(width, height, MARGINS, [xLo, xHi === xLo ? xLo + 1 : xHi], [y0, y1]);
  const clip = `${o.id}-clip`;
  const parts: string[] = [
    clipToFrame(clip, f),
    axes(f, { xLabel: 'log λ', yLabel: 'Coefficient (z-scored inputs)' }),
  ];
  parts.push(
    `<line class="zero" x1="${num(f.left)}" y1="${num(f.y(0))}" x2="${num(f.right)}" y2="${num(f.y(0))}" stroke="#999" stroke-dasharray="3 3"/>`,
  );
  // Degrees of freedom along the top, at about six evenly spaced lambdas.
  const every = Math.max(1, Math.ceil(x.length / 6));
  for (let i = 0; i < x.length; i += every)
    parts.push(
      `<text class="tick-label df" x="${num(f.x(x[i]!))}" y="${num(f.top - 6)}" text-anchor="middle">${path.df[i] ?? ''}</text>`,
    );
  parts.push(
    `<text class="axis-label" x="${num((f.left + f.right) / 2)}" y="${num(f.top - 24)}" text-anchor="middle">Number of non-zero coefficients</text>`,
  );
  if (o.lambdaUsed !== undefined && o.lambdaUsed > 0)
    parts.push(
      `<line class="lambda-used" x1="${num(f.x(Math.log(o.lambdaUsed)))}" y1="${num(f.top)}" x2="${num(f.x(Math.log(o.lambdaUsed)))}" y2="${num(f.bottom)}" stroke="#444" stroke-dasharray="5 4"/>`,
    );
  names.forEach((name, i) => {
    const coef = path.coefficients[name]!;
    if (coef.length !== x.length)
      throw new RangeError(`lassoPathPlot: ${coef.length} coefficients of "${name}" for ${x.length} lambdas`);
    const xy = coef.map((c, k) => [f.x(x[k]!), f.y(c)] as const).sort((a, b) => a[0] - b[0]);
    parts.push(
      `<path class="lasso-coefficient" data-series="${esc(name)}" d="${pathData(xy)}" fill="none" stroke="${colour(i)}" stroke-width="1.5"${dash(i)} clip-path="url(#${esc(clip)})"><title>${esc(name)}</title></path>`,
    );
  });
  // The paths fan out at the smallest lambda (left edge); the key in the right margin lists the
  // features in the order their lines end there, top to bottom.
  const atMin = argMin(x);
  const key = names
    .map((name, i) => ({ name, i, end: path.coefficients[name]![atMin] ?? 0 }))
    .sort((a, b) => b.end - a.end);
  const shown = key.slice(0, KEY_ROWS);
  parts.push(
    `<text class="series-label" x="${num(f.right + 8)}" y="${num(f.top + 4)}">At smallest λ, top to bottom:</text>`,
  );
  shown.forEach((k, r) => {
    const y = f.top + 20 + r * 13;
    parts.push(
      `<line x1="${num(f.right + 8)}" y1="${num(y - 3)}" x2="${num(f.right + 24)}" y2="${num(y - 3)}" stroke="${colour(k.i)}" stroke-width="2"${dash(k.i)}/>`,
      `<text class="key-label" x="${num(f.right + 28)}" y="${num(y)}">${esc(shorten(k.name, 30))}</text>`,
    );
  });
  if (key.length > shown.length)
    parts.push(
      `<text class="key-label" x="${num(f.right + 28)}" y="${num(f.top + 20 + shown.length * 13)}">… and ${key.length - shown.length} more</text>`,
    );
  return svgPlot(
    {
      kind: 'lasso-path',
      id: o.id,
      title: o.title,
      description: `LASSO coefficient paths of ${names.length} features against log lambda, with the number of non-zero coefficients on top.`,
      width,
      height,
    },
    parts.join('\n'),
  );
}

function argMin(v: readonly number[]): number {
  let k = 0;
  for (let i = 1; i < v.length; i += 1) if (v[i]! < v[k]!) k = i;
  return k;
}

/** Long feature names keep their start (sequence, time point) and end (feature): "DCE_post_…_Contrast". */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`;
}

/** Colours repeat after the palette's eight; a dash pattern tells the second round apart. */
function dash(i: number): string {
  const round = Math.floor(i / PALETTE.length) % 3;
  return round === 0 ? '' : round === 1 ? ' stroke-dasharray="6 3"' : ' stroke-dasharray="2 2"';
}

export function lassoCvPlot(
  cv: LassoReport['cv'],
  lambdaMin: number,
  lambda1se: number,
  o: { id: string; title: string },
): string {
  const x = logLambdas(cv.lambda, 'lassoCvPlot');
  if (cv.cvm.length !== x.length || cv.cvsd.length !== x.length)
    throw new RangeError('lassoCvPlot: lambda, cvm and cvsd differ in length');
  const width = 600;
  const height = 420;
  const lo = Math.min(...cv.cvm.map((m, i) => m - cv.cvsd[i]!));
  const hi = Math.max(...cv.cvm.map((m, i) => m + cv.cvsd[i]!));
  const [y0, y1] = niceDomain(lo, hi);
  const xLo = Math.min(...x, Math.log(lambdaMin), Math.log(lambda1se));
  const xHi = Math.max(...x, Math.log(lambdaMin), Math.log(lambda1se));
  const f = frame(
    width,
    height,
    { ...MARGINS, top: 30, right: 150 },
    [xLo, xHi === xLo ? xLo + 1 : xHi],
    [y0, y1],
  );
  const parts: string[] = [
    axes(f, {
      xLabel: 'log λ',
      yLabel: 'Binomial deviance (10-fold CV)',
      xTicks: niceTicks(f.x.domain[0], f.x.domain[1]),
    }),
  ];
  cv.cvm.forEach((m, i) => {
    const px = f.x(x[i]!);
    parts.push(
      `<line class="cv-error-bar" x1="${num(px)}" y1="${num(f.y(m - cv.cvsd[i]!))}" x2="${num(px)}" y2="${num(f.y(m + cv.cvsd[i]!))}" stroke="#999" stroke-width="1"/>`,
      `<circle class="cv-point" cx="${num(px)}" cy="${num(f.y(m))}" r="2.6" fill="#D55E00"/>`,
    );
  });
  const vline = (cls: string, l: number, label: string) => {
    const px = f.x(Math.log(l));
    return [
      `<line class="${cls}" x1="${num(px)}" y1="${num(f.top)}" x2="${num(px)}" y2="${num(f.bottom)}" stroke="#333" stroke-dasharray="5 4"/>`,
      `<text class="series-label" x="${num(px + 3)}" y="${num(f.top + 12)}">${esc(label)}</text>`,
    ].join('\n');
  };
  parts.push(vline('lambda-min', lambdaMin, 'λ.min'));
  parts.push(vline('lambda-1se', lambda1se, 'λ.1se'));
  parts.push(
    legend(
      [
        { label: 'Mean CV deviance', colour: '#D55E00', swatch: 'point' },
        { label: '± 1 standard error', colour: '#999' },
      ],
      f.right + 4,
      f.top,
    ),
  );
  return svgPlot(
    {
      kind: 'lasso-cv',
      id: o.id,
      title: o.title,
      description: `Cross-validated binomial deviance with one-standard-error bars against log lambda; dashed lines at lambda.min (${lambdaMin.toPrecision(3)}) and lambda.1se (${lambda1se.toPrecision(3)}).`,
      width,
      height,
    },
    parts.join('\n'),
  );
}
