/**
 * PyRadiomics' marching-squares contour of a binary 2D mask (cshape.c `calculate_coefficients2D`): a 2×2
 * square walks the zero-padded mask; its 4 corners give a square index whose line segments (edge
 * midpoints, `SQUARE_LINES`) form the contour. Yields the perimeter, the enclosed area (signed triangles
 * against the origin) and the vertices used for the maximum diameter.
 */
import { allPoints, farthestPairSquared } from './farthestPair.ts';
import { DIAMETER_CORNER_EDGE_2D, SQUARE_CORNERS, SQUARE_EDGE_VERTICES, SQUARE_LINES } from './tables.ts';

/** A padded 2D mask in NumPy axis order (row, column), column fastest. */
export interface YxMask {
  shape: readonly [number, number];
  spacing: readonly [number, number];
  data: Uint8Array;
}

export interface ContourMesh {
  /** Σ segment lengths, mm. */
  perimeter: number;
  /** ½ Σ (a × b) over segments (a, b): the area enclosed, mm². */
  surface: number;
  /** Diameter vertices (row, column in mm, 2 per vertex). */
  vertices: Float64Array;
}

export function marchingSquares(mask: YxMask): ContourMesh {
  const [ny, nx] = mask.shape;
  const [sy, sx] = mask.spacing;
  const data = mask.data;
  const cornerOffsets = SQUARE_CORNERS.map(([dy, dx]) => dy * nx + dx);
  const vertices: number[] = [];
  let perimeter = 0;
  let surface2 = 0;
  for (let iy = 0; iy < ny - 1; iy += 1) {
    for (let ix = 0; ix < nx - 1; ix += 1) {
      const base = iy * nx + ix;
      let square = 0;
      for (let n = 0; n < 4; n += 1) if (data[base + cornerOffsets[n]!]) square |= 1 << n;
      if (square === 0 || square === 0xf) continue;
      const lines = SQUARE_LINES[square]!;
      for (let t = 0; t < lines.length; t += 2) {
        const va = SQUARE_EDGE_VERTICES[lines[t]!]!;
        const vb = SQUARE_EDGE_VERTICES[lines[t + 1]!]!;
        const ay = (iy + va[0]) * sy;
        const ax = (ix + va[1]) * sx;
        const by = (iy + vb[0]) * sy;
        const bx = (ix + vb[1]) * sx;
        surface2 += ay * bx - by * ax;
        perimeter += Math.sqrt((ay - by) ** 2 + (ax - bx) ** 2);
      }
      if (square > 7) square ^= 0xf;
      for (const [corner, edge] of DIAMETER_CORNER_EDGE_2D) {
        if (square & (1 << corner)) {
          const v = SQUARE_EDGE_VERTICES[edge]!;
          vertices.push((iy + v[0]) * sy, (ix + v[1]) * sx);
        }
      }
    }
  }
  return { perimeter, surface: surface2 / 2, vertices: Float64Array.from(vertices) };
}

/**
 * Largest pairwise Euclidean distance between contour vertices (cshape.c `calculate_meshDiameter2D`,
 * which compares every pair): the same maximum, bit for bit, from farthestPairSquared.
 */
export function contourDiameter(vertices: Float64Array): number {
  const n = vertices.length / 2;
  return Math.sqrt(farthestPairSquared(vertices, 2, allPoints(n)));
}
