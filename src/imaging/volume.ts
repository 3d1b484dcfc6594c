/**
 * The one image type of the codebase (DESIGN §4): voxel data with its full geometry. World
 * coordinates are DICOM patient coordinates (LPS, millimetres), as in ITK: the centre of voxel
 * (i, j, k) is at origin + D · diag(spacing) · (i, j, k), where the columns of D are the
 * direction cosines of the i, j and k axes. Data are stored with i fastest, then j, then k.
 * Masks share the geometry of the image they belong to.
 */

export type Vec3 = readonly [number, number, number];

/** Row-major 3×3; column c is the unit direction of voxel axis c in world space. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

export type VoxelArray =
  Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

export interface Geometry {
  /** Voxel counts along i, j, k. */
  size: Vec3;
  spacingMm: Vec3;
  /** World position (LPS, mm) of the centre of voxel (0, 0, 0). */
  originMm: Vec3;
  direction: Mat3;
}

export interface Volume<T extends VoxelArray = VoxelArray> extends Geometry {
  data: T;
}

/** A binary mask (0 / 1) on the grid of the image it belongs to. */
export type Mask = Volume<Uint8Array>;

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function voxelCount(g: Geometry): number {
  return g.size[0] * g.size[1] * g.size[2];
}

export function linearIndex(g: Geometry, i: number, j: number, k: number): number {
  return i + g.size[0] * (j + g.size[1] * k);
}

/** World position of a (possibly fractional) voxel index. */
export function indexToWorld(g: Geometry, i: number, j: number, k: number): Vec3 {
  const [si, sj, sk] = g.spacingMm;
  const d = g.direction;
  const a = i * si;
  const b = j * sj;
  const c = k * sk;
  return [
    g.originMm[0] + d[0] * a + d[1] * b + d[2] * c,
    g.originMm[1] + d[3] * a + d[4] * b + d[5] * c,
    g.originMm[2] + d[6] * a + d[7] * b + d[8] * c,
  ];
}

/** Continuous voxel index of a world position (the direction matrix is orthonormal). */
export function worldToIndex(g: Geometry, p: Vec3): Vec3 {
  const d = g.direction;
  const x = p[0] - g.originMm[0];
  const y = p[1] - g.originMm[1];
  const z = p[2] - g.originMm[2];
  return [
    (d[0] * x + d[3] * y + d[6] * z) / g.spacingMm[0],
    (d[1] * x + d[4] * y + d[7] * z) / g.spacingMm[1],
    (d[2] * x + d[5] * y + d[8] * z) / g.spacingMm[2],
  ];
}

/** True when two grids coincide within `toleranceMm` (origin, spacing·size extent) and 1e-6 in direction. */
export function sameGeometry(a: Geometry, b: Geometry, toleranceMm = 1e-3): boolean {
  for (let c = 0; c < 3; c += 1) {
    if (a.size[c] !== b.size[c]) return false;
    if (Math.abs(a.spacingMm[c]! - b.spacingMm[c]!) > toleranceMm) return false;
    if (Math.abs(a.originMm[c]! - b.originMm[c]!) > toleranceMm) return false;
  }
  return a.direction.every((v, n) => Math.abs(v - b.direction[n]!) < 1e-6);
}

export function createVolume<T extends VoxelArray>(geometry: Geometry, data: T): Volume<T> {
  if (data.length !== voxelCount(geometry)) {
    throw new RangeError(`voxel data has ${data.length} values; the geometry needs ${voxelCount(geometry)}`);
  }
  return {
    size: geometry.size,
    spacingMm: geometry.spacingMm,
    originMm: geometry.originMm,
    direction: geometry.direction,
    data,
  };
}

/**
 * Largest volume read or processed in memory: 2^28 voxels (e.g. 512 × 512 × 1024). Extraction
 * keeps float64 working copies of the image (2 GiB each at this size); beyond it the process
 * would run out of memory, so such images are refused with a specific error instead.
 */
export const MAX_VOXELS = 2 ** 28;

/** Throws a RangeError naming the size when `size` exceeds MAX_VOXELS. */
export function checkVoxelLimit(size: readonly number[], source: string): void {
  const n = size.reduce((a, b) => a * b, 1);
  if (n > MAX_VOXELS)
    throw new RangeError(
      `${source}: image of ${n.toLocaleString('en-US')} voxels (${size.join('×')}) exceeds the limit of ${MAX_VOXELS.toLocaleString('en-US')} voxels; crop it around the region of interest first`,
    );
}

/** The voxels of the inclusive index box [from, to], with the geometry of that block. */
export function cropVolume<T extends VoxelArray>(volume: Volume<T>, from: Vec3, to: Vec3): Volume<T> {
  const size: Vec3 = [to[0] - from[0] + 1, to[1] - from[1] + 1, to[2] - from[2] + 1];
  const Ctor = volume.data.constructor as new (n: number) => T;
  const data = new Ctor(size[0] * size[1] * size[2]);
  let o = 0;
  for (let k = from[2]; k <= to[2]; k += 1)
    for (let j = from[1]; j <= to[1]; j += 1) {
      const row = volume.size[0] * (j + volume.size[1] * k);
      data.set(volume.data.subarray(row + from[0], row + to[0] + 1) as never, o);
      o += size[0];
    }
  return {
    size,
    spacingMm: volume.spacingMm,
    originMm: indexToWorld(volume, from[0], from[1], from[2]),
    direction: volume.direction,
    data,
  };
}
