/**
 * Heat map of a correlation matrix (the Spearman ρ of the selected features): one square per
 * pair, on a diverging blue–white–red scale from −1 to +1 (ColorBrewer RdBu end colours, Harrower
 * & Brewer, Cartogr J 40:27, 2003, interpolated linearly in sRGB through white), rows and columns
 * labelled with the feature names, the value printed in each cell when the matrix is small, and
 * a colour key.
 */
import { esc, fixed, num, svgPlot } from './svg.ts';

const NEGATIVE = [33, 102, 172]; // RdBu #2166AC
const POSITIVE = [178, 24, 43]; // RdBu #B2182B
const WHITE = [255, 255, 255];

/** Fill colour of a correlation in [−1, 1]. */
export function divergingColour(r: number): string {
  if (!(r >= -1 - 1e-12 && r <= 1 + 1e-12)) throw new RangeError(`divergingColour: ${r} is not in [−1, 1]`);
  const t = Math.min(1, Math.abs(r));
  const end = r < 0 ? NEGATIVE : POSITIVE;
  const rgb = WHITE.map((w, k) => Math.round(w + (end[k]! - w) * t));
  return `rgb(${rgb.join(',')})`;
}

function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`;
}

export function correlationHeatmap(
  names: readonly string[],
  matrix: readonly (readonly number[])[],
  o: { id: string; title: string; measure?: string },
): string {
  const k = names.length;
  if (k === 0) throw new RangeError('correlationHeatmap: no features');
  if (matrix.length !== k || matrix.some((row) => row.length !== k))
    throw new RangeError(`correlationHeatmap: the matrix is not ${k} × ${k}`);
  const measure = o.measure ?? 'Spearman ρ';
  const cell = Math.max(12, Math.min(40, Math.floor(520 / k)));
  const labelChars = 28;
  const labelWidth = labelChars * 6.7; // DejaVu Sans at 11 px: about 6.5 px per character
  const left = labelWidth + 10;
  const top = 34;
  const grid = cell * k;
  const bottomLabels = labelWidth * 0.72 + 16;
  const keyWidth = 70;
  const width = left + grid + keyWidth + 16;
  const height = top + grid + bottomLabels + 10;
  const parts: string[] = [];
  const printValues = k <= 14;
  for (let i = 0; i < k; i += 1)
    for (let j = 0; j < k; j += 1) {
      const r = matrix[i]![j]!;
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(
        `<rect class="heat-cell" x="${num(x)}" y="${num(y)}" width="${cell}" height="${cell}" fill="${divergingColour(r)}" stroke="#fff" stroke-width="0.5"><title>${esc(
          `${names[i]} × ${names[j]}: ${measure} = ${fixed(r, 3)}`,
        )}</title></rect>`,
      );
      if (printValues)
        parts.push(
          `<text class="cell-value" x="${num(x + cell / 2)}" y="${num(y + cell / 2 + 3.5)}" text-anchor="middle" fill="${Math.abs(r) > 0.6 ? '#fff' : '#222'}">${fixed(r, 2)}</text>`,
        );
    }
  names.forEach((name, i) => {
    const label = esc(shorten(name, labelChars));
    const cy = top + i * cell + cell / 2 + 3.5;
    const cx = left + i * cell + cell / 2;
    parts.push(
      `<text class="row-label" x="${num(left - 6)}" y="${num(cy)}" text-anchor="end">${label}</text>`,
      `<text class="column-label" transform="translate(${num(cx + 3.5)} ${num(top + grid + 6)}) rotate(-45)" text-anchor="end">${label}</text>`,
    );
  });
  // Colour key: −1 … +1 in 20 steps.
  const keyX = left + grid + 22;
  const keyH = Math.min(grid, 240);
  const steps = 20;
  for (let s = 0; s < steps; s += 1) {
    const r = 1 - (2 * (s + 0.5)) / steps;
    parts.push(
      `<rect class="key-cell" x="${num(keyX)}" y="${num(top + (s * keyH) / steps)}" width="14" height="${num(keyH / steps + 0.5)}" fill="${divergingColour(r)}"/>`,
    );
  }
  for (const [v, label] of [
    [1, '+1'],
    [0, '0'],
    [-1, '−1'],
  ] as const) {
    const y = top + ((1 - v) / 2) * keyH;
    parts.push(`<text class="tick-label" x="${num(keyX + 18)}" y="${num(y + 4)}">${label}</text>`);
  }
  parts.push(
    `<text class="axis-label" x="${num(keyX)}" y="${num(top + keyH + 16)}">${esc(measure)}</text>`,
    `<rect class="plot-area" x="${num(left)}" y="${num(top)}" width="${grid}" height="${grid}" fill="none" stroke="#444"/>`,
  );
  return svgPlot(
    {
      kind: 'spearman-heatmap',
      id: o.id,
      title: o.title,
      description: `${measure} between ${k} features as a colour matrix from −1 (blue) through 0 (white) to +1 (red).`,
      width: Math.ceil(width),
      height: Math.ceil(height),
    },
    parts.join('\n'),
  );
}
