/**
 * PyRadiomics' marching-cubes surface of a binary mask (cshape.c `calculate_coefficients`): a 2×2×2
 * cube walks the zero-padded mask; its 8 corners give a cube index whose triangles (edge midpoints,
 * `CUBE_TRIANGLES`) form the surface. Indices with corner 7 set are complemented and their volume
 * contribution negated, as cshape.c does. One pass yields the surface area, the enclosed volume (signed
 * tetrahedra against the origin) and the vertices used for the maximum diameters.
 */
import { CUBE_CORNERS, CUBE_EDGE_VERTICES, CUBE_TRIANGLES, DIAMETER_CORNER_EDGE } from './tables.ts';
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

/** Build the mesh of a padded (z, y, x) mask (see `padMaskZyx`). */
export function marchingCubes(mask: ZyxMask): SurfaceMesh {
  const [nz, ny, nx] = mask.shape;
  const [sz, sy, sx] = mask.spacing;
  const sYX = ny * nx;
  const data = mask.data;
  const cornerOffsets = CUBE_CORNERS.map(([dz, dy, dx]) => dz * sYX + dy * nx + dx);
  const vertices: number[] = [];
  let surfaceArea = 0;
  let volume6 = 0;
  let triangleCount = 0;
  const a = [0, 0, 0];
  const b = [0, 0, 0];
  const c = [0, 0, 0];

  for (let iz = 0; iz < nz - 1; iz += 1) {
    for (let iy = 0; iy < ny - 1; iy += 1) {
      for (let ix = 0; ix < nx - 1; ix += 1) {
        const base = iz * sYX + iy * nx + ix;
        let cube = 0;
        for (let n = 0; n < 8; n += 1) if (data[base + cornerOffsets[n]!]) cube |= 1 << n;
        let sign = 1;
        if (cube & 0x80) {
          cube ^= 0xff;
          sign = -1;
        }
        for (const [corner, edge] of DIAMETER_CORNER_EDGE) {
          if (cube & (1 << corner)) {
            const v = CUBE_EDGE_VERTICES[edge]!;
            vertices.push((iz + v[0]) * sz, (iy + v[1]) * sy, (ix + v[2]) * sx);
          }
        }
        if (cube === 0) continue;
        const tri = CUBE_TRIANGLES[cube]!;
        for (let t = 0; t < tri.length; t += 3) {
          placeVertex(a, iz, iy, ix, tri[t]!, sz, sy, sx);
          placeVertex(b, iz, iy, ix, tri[t + 1]!, sz, sy, sx);
          placeVertex(c, iz, iy, ix, tri[t + 2]!, sz, sy, sx);
          volume6 += sign * tripleProduct(a, b, c);
          surfaceArea += triangleArea(a, b, c);
          triangleCount += 1;
        }
      }
    }
  }
  return { surfaceArea, volume: volume6 / 6, vertices: Float64Array.from(vertices), triangleCount };
}

function placeVertex(
  out: number[],
  iz: number,
  iy: number,
  ix: number,
  edge: number,
  sz: number,
  sy: number,
  sx: number,
): void {
  const v = CUBE_EDGE_VERTICES[edge]!;
  out[0] = (iz + v[0]) * sz;
  out[1] = (iy + v[1]) * sy;
  out[2] = (ix + v[2]) * sx;
}

/** (a × b) · c: six times the signed volume of the tetrahedron (origin, a, b, c). */
function tripleProduct(a: number[], b: number[], c: number[]): number {
  const x = a[1]! * b[2]! - b[1]! * a[2]!;
  const y = a[2]! * b[0]! - b[2]! * a[0]!;
  const z = a[0]! * b[1]! - b[0]! * a[1]!;
  return x * c[0]! + y * c[1]! + z * c[2]!;
}

/** ½ |(a − c) × (b − c)|. */
function triangleArea(a: number[], b: number[], c: number[]): number {
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
 * z, y or x (cshape.c `calculate_meshDiameter`). O(n²) in the vertex count, as in PyRadiomics.
 */
export function meshDiameters(vertices: Float64Array): MeshDiameters {
  let slice = 0;
  let column = 0;
  let row = 0;
  let all = 0;
  const n = vertices.length / 3;
  for (let p = 0; p < n; p += 1) {
    const az = vertices[3 * p]!;
    const ay = vertices[3 * p + 1]!;
    const ax = vertices[3 * p + 2]!;
    for (let q = p + 1; q < n; q += 1) {
      const bz = vertices[3 * q]!;
      const by = vertices[3 * q + 1]!;
      const bx = vertices[3 * q + 2]!;
      const dz = az - bz;
      const dy = ay - by;
      const dx = ax - bx;
      const d = dz * dz + dy * dy + dx * dx;
      if (az === bz && d > slice) slice = d;
      if (ay === by && d > column) column = d;
      if (ax === bx && d > row) row = d;
      if (d > all) all = d;
    }
  }
  return { slice: Math.sqrt(slice), column: Math.sqrt(column), row: Math.sqrt(row), all: Math.sqrt(all) };
}
