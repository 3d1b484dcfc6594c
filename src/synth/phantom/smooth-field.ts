/**
 * Smooth Gaussian random fields in continuous space, for tissue structure and tumour texture.
 *
 * A field is white noise on a lattice of spacing h, convolved with a Gaussian kernel of SD σ and
 * read between lattice points by trilinear interpolation. The white noise at lattice point
 * (a, b, c) is a hash of (seed, a, b, c), not a draw from a sequential stream, so the field has
 * one value everywhere in space however much of it is computed: a small field of view around the
 * tumour sees exactly the same tissue as a bilateral one, and DCE, T2 and DWI grids sample the same
 * anatomy. Only the block of lattice that a grid needs is materialised, with a margin of the
 * kernel radius so that values inside the block are exact.
 *
 * The convolution of unit-variance white noise with a kernel k has variance Σ k²; values are
 * divided by √(Σ k²) so the field has mean 0 and SD 1 at lattice points.
 */
import type { Vec3 } from '../../imaging/volume.ts';

export interface SmoothFieldSpec {
  /** 32-bit seed of the white noise. */
  seed: number;
  /** Lattice spacing h (mm). About σ/2 keeps trilinear interpolation smooth. */
  latticeMm: number;
  /** SD of the Gaussian smoothing kernel (mm): the correlation length of the field. */
  sigmaMm: number;
}

/** lowbias32 integer hash (C. Wellons, hash prospector): good avalanche in two multiplies. */
function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const SQRT3 = Math.sqrt(3);

/** Unit-variance white noise at a lattice point: uniform on [−√3, √3). */
export function latticeNoise(seed: number, a: number, b: number, c: number): number {
  let h = lowbias32(seed ^ Math.imul(a, 0x27d4eb2d));
  h = lowbias32(h ^ Math.imul(b, 0x165667b1));
  h = lowbias32(h ^ Math.imul(c, 0x9e3779b1));
  return (h / 4294967296) * 2 * SQRT3 - SQRT3;
}

function gaussianKernel(sigmaCells: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigmaCells));
  const k = new Float64Array(2 * radius + 1);
  for (let i = -radius; i <= radius; i += 1)
    k[i + radius] = Math.exp((-0.5 * i * i) / (sigmaCells * sigmaCells));
  return k;
}

/** A materialised block of a lattice field: lattice points start…start+dims−1, spacing h (mm). */
export class FieldBlock {
  constructor(
    readonly start: Vec3,
    readonly dims: Vec3,
    readonly latticeMm: number,
    readonly data: Float32Array,
  ) {}

  covers(lo: Vec3, hi: Vec3): boolean {
    for (let c = 0; c < 3; c += 1) {
      if (lo[c]! < this.start[c]! || hi[c]! > this.start[c]! + this.dims[c]! - 1) return false;
    }
    return true;
  }

  /** A block on the same lattice with `fn(value, x, y, z)` at every lattice point (x, y, z in mm). */
  map(fn: (value: number, x: number, y: number, z: number) => number): FieldBlock {
    const [nx, ny, nz] = this.dims;
    const h = this.latticeMm;
    const out = new Float32Array(this.data.length);
    let n = 0;
    for (let c = 0; c < nz; c += 1) {
      for (let b = 0; b < ny; b += 1) {
        for (let a = 0; a < nx; a += 1) {
          out[n] = fn(
            this.data[n]!,
            (this.start[0] + a) * h,
            (this.start[1] + b) * h,
            (this.start[2] + c) * h,
          );
          n += 1;
        }
      }
    }
    return new FieldBlock(this.start, this.dims, h, out);
  }

  /**
   * Trilinear interpolation at a world point (mm); points outside are clamped to the block. The
   * weights come from the absolute lattice coordinate, so every block that holds a point gives
   * it bit-identical values.
   */
  sample(x: number, y: number, z: number): number {
    const h = this.latticeMm;
    const [nx, ny, nz] = this.dims;
    const gx = x / h;
    const gy = y / h;
    const gz = z / h;
    let ax = Math.floor(gx);
    let ay = Math.floor(gy);
    let az = Math.floor(gz);
    let u = gx - ax;
    let v = gy - ay;
    let w = gz - az;
    ax -= this.start[0];
    ay -= this.start[1];
    az -= this.start[2];
    if (ax < 0) {
      ax = 0;
      u = 0;
    } else if (ax > nx - 2) {
      ax = nx - 2;
      u = 1;
    }
    if (ay < 0) {
      ay = 0;
      v = 0;
    } else if (ay > ny - 2) {
      ay = ny - 2;
      v = 1;
    }
    if (az < 0) {
      az = 0;
      w = 0;
    } else if (az > nz - 2) {
      az = nz - 2;
      w = 1;
    }
    const d = this.data;
    const sxy = nx * ny;
    const o = ax + nx * ay + sxy * az;
    const c00 = d[o]! + u * (d[o + 1]! - d[o]!);
    const c10 = d[o + nx]! + u * (d[o + nx + 1]! - d[o + nx]!);
    const c01 = d[o + sxy]! + u * (d[o + sxy + 1]! - d[o + sxy]!);
    const c11 = d[o + sxy + nx]! + u * (d[o + sxy + nx + 1]! - d[o + sxy + nx]!);
    const c0 = c00 + v * (c10 - c00);
    const c1 = c01 + v * (c11 - c01);
    return c0 + w * (c1 - c0);
  }
}

/** One smooth random field; materialises lattice blocks on demand and caches the last one. */
export class SmoothField {
  readonly spec: SmoothFieldSpec;
  private block: FieldBlock | undefined;
  private readonly kernel: Float64Array;
  private readonly norm: number;

  constructor(spec: SmoothFieldSpec) {
    if (!(spec.latticeMm > 0 && spec.sigmaMm > 0)) throw new RangeError('lattice spacing and σ must be > 0');
    this.spec = spec;
    this.kernel = gaussianKernel(spec.sigmaMm / spec.latticeMm);
    let sumSq = 0;
    for (const v of this.kernel) sumSq += v * v;
    this.norm = 1 / Math.pow(sumSq, 1.5);
  }

  /**
   * Makes sure the world box [minMm, maxMm] can be sampled. Grows the cached block to the union
   * of the old and the new box, so alternating requests do not recompute.
   */
  ensure(minMm: Vec3, maxMm: Vec3): void {
    const h = this.spec.latticeMm;
    const lo: [number, number, number] = [0, 0, 0];
    const hi: [number, number, number] = [0, 0, 0];
    for (let c = 0; c < 3; c += 1) {
      lo[c] = Math.floor(minMm[c]! / h) - 1;
      hi[c] = Math.ceil(maxMm[c]! / h) + 1;
    }
    if (this.block?.covers(lo, hi)) return;
    if (this.block) {
      for (let c = 0; c < 3; c += 1) {
        lo[c] = Math.min(lo[c]!, this.block.start[c]!);
        hi[c] = Math.max(hi[c]!, this.block.start[c]! + this.block.dims[c]! - 1);
      }
    }
    this.block = this.materialise(lo, hi);
  }

  /** Field value at a world point (mm); the point must lie in a box passed to `ensure`. */
  sample(x: number, y: number, z: number): number {
    if (!this.block) throw new Error('SmoothField.sample before ensure');
    return this.block.sample(x, y, z);
  }

  /** The materialised block (after `ensure`). */
  get current(): FieldBlock {
    if (!this.block) throw new Error('SmoothField.current before ensure');
    return this.block;
  }

  private materialise(lo: Vec3, hi: Vec3): FieldBlock {
    const k = this.kernel;
    const r = (k.length - 1) / 2;
    const dims: Vec3 = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
    // White noise on the block grown by the kernel radius, then three 1-D passes that each
    // shrink one axis back to the block.
    const wx = dims[0] + 2 * r;
    const wy = dims[1] + 2 * r;
    const wz = dims[2] + 2 * r;
    const seed = this.spec.seed;
    let src = new Float32Array(wx * wy * wz);
    let n = 0;
    for (let c = 0; c < wz; c += 1) {
      for (let b = 0; b < wy; b += 1) {
        for (let a = 0; a < wx; a += 1) {
          src[n] = latticeNoise(seed, lo[0] - r + a, lo[1] - r + b, lo[2] - r + c);
          n += 1;
        }
      }
    }
    // Pass along x: (wx, wy, wz) → (dims0, wy, wz).
    let dst = new Float32Array(dims[0] * wy * wz);
    for (let row = 0; row < wy * wz; row += 1) {
      const s0 = row * wx;
      const d0 = row * dims[0];
      for (let a = 0; a < dims[0]; a += 1) {
        let acc = 0;
        for (let t = 0; t < k.length; t += 1) acc += k[t]! * src[s0 + a + t]!;
        dst[d0 + a] = acc;
      }
    }
    src = dst;
    // Pass along y: (dims0, wy, wz) → (dims0, dims1, wz).
    dst = new Float32Array(dims[0] * dims[1] * wz);
    for (let c = 0; c < wz; c += 1) {
      for (let b = 0; b < dims[1]; b += 1) {
        const d0 = (c * dims[1] + b) * dims[0];
        for (let a = 0; a < dims[0]; a += 1) {
          let acc = 0;
          for (let t = 0; t < k.length; t += 1) acc += k[t]! * src[(c * wy + b + t) * dims[0] + a]!;
          dst[d0 + a] = acc;
        }
      }
    }
    src = dst;
    // Pass along z: (dims0, dims1, wz) → dims, with the unit-variance normalisation.
    const plane = dims[0] * dims[1];
    dst = new Float32Array(plane * dims[2]);
    for (let c = 0; c < dims[2]; c += 1) {
      for (let p = 0; p < plane; p += 1) {
        let acc = 0;
        for (let t = 0; t < k.length; t += 1) acc += k[t]! * src[(c + t) * plane + p]!;
        dst[c * plane + p] = acc * this.norm;
      }
    }
    return new FieldBlock(lo, dims, this.spec.latticeMm, dst);
  }
}
