/**
 * PyRadiomics' marching-cubes surface of a binary mask (cshape.c `calculate_coefficients`): a 2×2×2
 * cube walks the zero-padded mask; its 8 corners give a cube index whose triangles (edge midpoints,
 * `CUBE_TRIANGLES`) form the surface. Indices with corner 7 set are complemented and their volume
 * contribution negated, as cshape.c does. One pass yields the surface area, the enclosed volume (signed
 * tetrahedra against the origin) and the vertices used for the maximum diameters.
 */
import { CUBE_CORNERS, CUBE_EDGE_VERTICES, CUBE_TRIANGLES, DIAMETER_CORNER_EDGE } from './tables.ts';
import { allPoints, farthestPairSquared } from './farthestPair.ts';
import type { ZyxMask } from './padding.ts';

export interface SurfaceMesh {
  /** Sum of triangle areas, mm². */
  surfaceArea: number;
  /** Volume enclosed by the mesh, mm³: Σ sign · (a × b) · c / 6 over triangles (a, b, c). */
  volume: number;
  /** Diameter vertices (z, y, x in mm, 3 per vertex), each mesh vertex at most once. */
  vertices: Float64Array;
  /** Number of triangles. */
  triangleCount: number;
}

/** CUBE_EDGE_VERTICES flattened: (z, y, x) of edge e at 3e. */
const EDGE_VERTEX = Float64Array.from(CUBE_EDGE_VERTICES.flat());
/** CUBE_TRIANGLES flattened: the edges of cube index c are TRI_EDGES[TRI_START[c]..TRI_START[c+1]). */
const TRI_START = Int32Array.from(
  CUBE_TRIANGLES.reduce<number[]>((acc, t) => [...acc, acc[acc.length - 1]! + t.length], [0]),
);
const TRI_EDGES = Int32Array.from(CUBE_TRIANGLES.flat());

/** What marching one row of cubes reads and writes. */
interface MarchState {
  data: Uint8Array;
  nx: number;
  sz: number;
  sy: number;
  sx: number;
  /** Index offsets of the 8 cube corners. */
  corners: Int32Array;
  diameterCorners: Int32Array;
  diameterEdges: Int32Array;
  /** Diameter vertices so far (3 values each, nv values used). */
  vertices: Float64Array;
  nv: number;
  /** Running sums, in triangle order: [surface area, 6 · volume, triangle count]. */
  sums: Float64Array;
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
}

/** Build the mesh of a padded (z, y, x) mask (see `padMaskZyx`). */
export function marchingCubes(mask: ZyxMask): SurfaceMesh {
  const [nz, ny, nx] = mask.shape;
  const [sz, sy, sx] = mask.spacing;
  const sYX = ny * nx;
  const st: MarchState = {
    data: mask.data,
    nx,
    sz,
    sy,
    sx,
    corners: Int32Array.from(CUBE_CORNERS.map(([dz, dy, dx]) => dz * sYX + dy * nx + dx)),
    diameterCorners: Int32Array.from(DIAMETER_CORNER_EDGE.map(([corner]) => corner)),
    diameterEdges: Int32Array.from(DIAMETER_CORNER_EDGE.map(([, edge]) => edge)),
    vertices: new Float64Array(3 * 1024),
    nv: 0,
    sums: new Float64Array(3),
    a: new Float64Array(3),
    b: new Float64Array(3),
    c: new Float64Array(3),
  };
  // One call per row of cubes: a small function, optimised early and kept across calls.
  for (let iz = 0; iz < nz - 1; iz += 1)
    for (let iy = 0; iy < ny - 1; iy += 1) marchRow(st, iz, iy, iz * sYX + iy * nx);
  return {
    surfaceArea: st.sums[0]!,
    volume: st.sums[1]! / 6,
    vertices: st.vertices.slice(0, st.nv),
    triangleCount: st.sums[2]!,
  };
}

/** The cubes (iz, iy, 0..nx−2), whose origin corners start at index `row`. */
function marchRow(st: MarchState, iz: number, iy: number, row: number): void {
  const { data, corners, sums, a, b, c, sz, sy, sx } = st;
  for (let ix = 0; ix < st.nx - 1; ix += 1) {
    const base = row + ix;
    let cube = 0;
    for (let n = 0; n < 8; n += 1) if (data[base + corners[n]!]) cube |= 1 << n;
    if (cube === 0) continue; // no vertex, no triangle
    let sign = 1;
    if (cube & 0x80) {
      cube ^= 0xff;
      sign = -1;
    }
    for (let k = 0; k < st.diameterCorners.length; k += 1) {
      if (cube & (1 << st.diameterCorners[k]!)) {
        if (st.nv + 3 > st.vertices.length) {
          const grown = new Float64Array(2 * st.vertices.length);
          grown.set(st.vertices);
          st.vertices = grown;
        }
        const e = 3 * st.diameterEdges[k]!;
        st.vertices[st.nv] = (iz + EDGE_VERTEX[e]!) * sz;
        st.vertices[st.nv + 1] = (iy + EDGE_VERTEX[e + 1]!) * sy;
        st.vertices[st.nv + 2] = (ix + EDGE_VERTEX[e + 2]!) * sx;
        st.nv += 3;
      }
    }
    if (cube === 0) continue;
    for (let t = TRI_START[cube]!; t < TRI_START[cube + 1]!; t += 3) {
      placeVertex(a, iz, iy, ix, TRI_EDGES[t]!, sz, sy, sx);
      placeVertex(b, iz, iy, ix, TRI_EDGES[t + 1]!, sz, sy, sx);
      placeVertex(c, iz, iy, ix, TRI_EDGES[t + 2]!, sz, sy, sx);
      sums[1]! += sign * tripleProduct(a, b, c);
      sums[0]! += triangleArea(a, b, c);
      sums[2]! += 1;
    }
  }
}

function placeVertex(
  out: Float64Array,
  iz: number,
  iy: number,
  ix: number,
  edge: number,
  sz: number,
  sy: number,
  sx: number,
): void {
  const e = 3 * edge;
  out[0] = (iz + EDGE_VERTEX[e]!) * sz;
  out[1] = (iy + EDGE_VERTEX[e + 1]!) * sy;
  out[2] = (ix + EDGE_VERTEX[e + 2]!) * sx;
}

/** (a × b) · c: six times the signed volume of the tetrahedron (origin, a, b, c). */
function tripleProduct(a: Float64Array, b: Float64Array, c: Float64Array): number {
  const x = a[1]! * b[2]! - b[1]! * a[2]!;
  const y = a[2]! * b[0]! - b[2]! * a[0]!;
  const z = a[0]! * b[1]! - b[0]! * a[1]!;
  return x * c[0]! + y * c[1]! + z * c[2]!;
}

/** ½ |(a − c) × (b − c)|. */
function triangleArea(a: Float64Array, b: Float64Array, c: Float64Array): number {
  const u0 = a[0]! - c[0]!;
  const u1 = a[1]! - c[1]!;
  const u2 = a[2]! - c[2]!;
  const w0 = b[0]! - c[0]!;
  const w1 = b[1]! - c[1]!;
  const w2 = b[2]! - c[2]!;
  const x = u1 * w2 - w1 * u2;
  const y = u2 * w0 - w2 * u0;
  const z = u0 * w1 - w0 * u1;
  return 0.5 * Math.sqrt(x * x + y * y + z * z);
}

/** Largest squared distances between diameter vertices: [same z, same y, same x, any] (cshape.c). */
export interface MeshDiameters {
  /** Maximum2DDiameterSlice: pairs with equal z (axial plane). */
  slice: number;
  /** Maximum2DDiameterColumn: pairs with equal y (coronal plane). */
  column: number;
  /** Maximum2DDiameterRow: pairs with equal x (sagittal plane). */
  row: number;
  /** Maximum3DDiameter. */
  all: number;
}

/**
 * Largest pairwise Euclidean distance between mesh vertices, overall and restricted to pairs sharing
 * z, y or x (cshape.c `calculate_meshDiameter`, which compares every pair). The same maxima, bit for
 * bit, from farthestPairSquared: over all vertices, and within each group of vertices with one exact
 * z (y, x) value.
 */
export function meshDiameters(vertices: Float64Array): MeshDiameters {
  const n = vertices.length / 3;
  const all = farthestPairSquared(vertices, 3, allPoints(n));
  const [slice, column, row] = [0, 1, 2].map((axis) => {
    let best = 0;
    for (const group of groupByCoordinate(vertices, axis)) {
      const d = farthestPairSquared(vertices, 3, group);
      if (d > best) best = d;
    }
    return best;
  }) as [number, number, number];
  return { slice: Math.sqrt(slice), column: Math.sqrt(column), row: Math.sqrt(row), all: Math.sqrt(all) };
}

/** The vertex indices grouped by their exact value of coordinate `axis` (0 = z, 1 = y, 2 = x). */
function groupByCoordinate(vertices: Float64Array, axis: number): Int32Array[] {
  const groups = new Map<number, number[]>();
  for (let p = 0; p < vertices.length / 3; p += 1) {
    const key = vertices[3 * p + axis]!;
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  return [...groups.values()].map((g) => Int32Array.from(g));
}
