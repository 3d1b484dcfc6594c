/**
 * A lobulated ellipsoid: the tumour's outline. In the tumour's own frame, with s = local / semiAxes
 * (the ellipsoid mapped to the unit sphere), a point is inside when |s| ≤ f(ŝ), where the radius
 * factor is a sum of von Mises–Fisher bumps on the sphere,
 *
 *   f(û) = 1 + Σ_m A_m·(exp(κ_m·(û·v_m − 1)) − μ_m),   μ_m = (1 − e^(−2κ_m)) / (2κ_m),
 *
 * μ_m being the bump's mean over the sphere, so the lobules leave the mean radius unchanged. The
 * bumps give the lobulated margins typical of invasive carcinoma; amplitudes stay small enough
 * that f > 0 and the shape stays star-shaped about its centre.
 *
 * Volume: the map s → local has Jacobian a·b·c, and a star-shaped region r ≤ f(ŝ) has volume
 * ∫ f³/3 dΩ, so V = a·b·c·∫_{S²} f(ŝ)³/3 dΩ, evaluated with a Gauss–Legendre (in cos θ) ×
 * trapezoid (in φ) product rule, which converges spectrally for this smooth integrand.
 */
import type { Mat3, Vec3 } from '../../imaging/volume.ts';
import type { Rng } from '../random.ts';

export interface ShapeBump {
  direction: Vec3;
  amplitude: number;
  concentration: number;
}

export interface LobulatedShape {
  /** Centre in phantom coordinates (mm). */
  centreMm: Vec3;
  /** Row-major rotation; column c is the tumour's axis c in phantom coordinates. */
  rotation: Mat3;
  /** Semi-axes (mm) at scale 1; the first is the longest. */
  semiAxesMm: Vec3;
  bumps: ShapeBump[];
}

/** f(û) for a unit vector û in the normalised frame. */
export function radiusFactor(shape: LobulatedShape, ux: number, uy: number, uz: number): number {
  let f = 1;
  for (const b of shape.bumps) {
    const k = b.concentration;
    const dot = ux * b.direction[0] + uy * b.direction[1] + uz * b.direction[2];
    f += b.amplitude * (Math.exp(k * (dot - 1)) - (1 - Math.exp(-2 * k)) / (2 * k));
  }
  return f;
}

/**
 * Normalised radius u = |s| / f(ŝ) of a phantom point for the shape scaled by `scale`: u ≤ 1
 * inside, u = 1 on the surface.
 */
export function normalisedRadius(
  shape: LobulatedShape,
  scale: number,
  x: number,
  y: number,
  z: number,
): number {
  const qx = x - shape.centreMm[0];
  const qy = y - shape.centreMm[1];
  const qz = z - shape.centreMm[2];
  const r = shape.rotation;
  const sx = (r[0] * qx + r[3] * qy + r[6] * qz) / (shape.semiAxesMm[0] * scale);
  const sy = (r[1] * qx + r[4] * qy + r[7] * qz) / (shape.semiAxesMm[1] * scale);
  const sz = (r[2] * qx + r[5] * qy + r[8] * qz) / (shape.semiAxesMm[2] * scale);
  const rho = Math.sqrt(sx * sx + sy * sy + sz * sz);
  if (rho === 0) return 0;
  return rho / radiusFactor(shape, sx / rho, sy / rho, sz / rho);
}

/**
 * Quantities that depend on the lobules only (not on centre, axes, rotation or scale), computed
 * once per bumps array, which pre- and post-NAT lesions share: ∫ f³/3 dΩ, the range of f and the
 * cube-map table. Shapes are treated as immutable.
 */
interface ShapeCache {
  unitIntegral?: number;
  range?: { min: number; max: number };
  table?: Float64Array;
}
const CACHE = new WeakMap<readonly ShapeBump[], ShapeCache>();
function cacheOf(shape: LobulatedShape): ShapeCache {
  let c = CACHE.get(shape.bumps);
  if (!c) {
    c = {};
    CACHE.set(shape.bumps, c);
  }
  return c;
}

const CUBE_CELLS = 64;
const CUBE_VERTS = CUBE_CELLS + 1;

function cubeMapTable(shape: LobulatedShape): Float64Array {
  const table = new Float64Array(6 * CUBE_VERTS * CUBE_VERTS);
  for (let face = 0; face < 6; face += 1) {
    const axis = face >> 1;
    const sign = face & 1 ? -1 : 1;
    for (let vt = 0; vt < CUBE_VERTS; vt += 1) {
      for (let vs = 0; vs < CUBE_VERTS; vs += 1) {
        const d = [0, 0, 0];
        d[axis] = sign;
        d[(axis + 1) % 3] = (2 * vs) / CUBE_CELLS - 1;
        d[(axis + 2) % 3] = (2 * vt) / CUBE_CELLS - 1;
        const n = Math.hypot(d[0]!, d[1]!, d[2]!);
        table[(face * CUBE_VERTS + vt) * CUBE_VERTS + vs] = radiusFactor(
          shape,
          d[0]! / n,
          d[1]! / n,
          d[2]! / n,
        );
      }
    }
  }
  return table;
}

/**
 * Fast evaluation of `normalisedRadius` for rendering: f is tabulated on a cube map (6 faces of
 * 64 × 64 cells, bilinear between vertices), which replaces one exponential per lobule with a
 * table read. f varies on angular scales ≥ 1/√κ ≈ 0.3 rad and a cell spans ≤ 0.03 rad, so the
 * interpolation error in u is ~10⁻⁴, far below a voxel.
 */
export class CompiledShape {
  private readonly m: Float64Array;
  private readonly cx: number;
  private readonly cy: number;
  private readonly cz: number;
  private readonly table: Float64Array;

  constructor(shape: LobulatedShape, scale: number) {
    const r = shape.rotation;
    const [a, b, c] = shape.semiAxesMm;
    // Row k of m maps q to the normalised coordinate s_k = (Rᵀ q)_k / (semi-axis_k · scale).
    this.m = Float64Array.from([
      r[0] / (a * scale),
      r[3] / (a * scale),
      r[6] / (a * scale),
      r[1] / (b * scale),
      r[4] / (b * scale),
      r[7] / (b * scale),
      r[2] / (c * scale),
      r[5] / (c * scale),
      r[8] / (c * scale),
    ]);
    [this.cx, this.cy, this.cz] = shape.centreMm;
    const cache = cacheOf(shape);
    cache.table ??= cubeMapTable(shape);
    this.table = cache.table;
  }

  normalisedRadius(x: number, y: number, z: number): number {
    const qx = x - this.cx;
    const qy = y - this.cy;
    const qz = z - this.cz;
    const m = this.m;
    const s0 = m[0]! * qx + m[1]! * qy + m[2]! * qz;
    const s1 = m[3]! * qx + m[4]! * qy + m[5]! * qz;
    const s2 = m[6]! * qx + m[7]! * qy + m[8]! * qz;
    const rho = Math.sqrt(s0 * s0 + s1 * s1 + s2 * s2);
    if (rho === 0) return 0;
    const a0 = Math.abs(s0);
    const a1 = Math.abs(s1);
    const a2 = Math.abs(s2);
    let face: number;
    let major: number;
    let u: number;
    let v: number;
    if (a0 >= a1 && a0 >= a2) {
      face = s0 >= 0 ? 0 : 1;
      major = a0;
      u = s1;
      v = s2;
    } else if (a1 >= a2) {
      face = s1 >= 0 ? 2 : 3;
      major = a1;
      u = s2;
      v = s0;
    } else {
      face = s2 >= 0 ? 4 : 5;
      major = a2;
      u = s0;
      v = s1;
    }
    let fu = ((u / major + 1) * CUBE_CELLS) / 2;
    let fv = ((v / major + 1) * CUBE_CELLS) / 2;
    fu = fu > CUBE_CELLS - 1e-9 ? CUBE_CELLS - 1e-9 : fu < 0 ? 0 : fu;
    fv = fv > CUBE_CELLS - 1e-9 ? CUBE_CELLS - 1e-9 : fv < 0 ? 0 : fv;
    const iu = Math.floor(fu);
    const iv = Math.floor(fv);
    const tu = fu - iu;
    const tv = fv - iv;
    const t = this.table;
    const o = (face * CUBE_VERTS + iv) * CUBE_VERTS + iu;
    const f0 = t[o]! + tu * (t[o + 1]! - t[o]!);
    const f1 = t[o + CUBE_VERTS]! + tu * (t[o + CUBE_VERTS + 1]! - t[o + CUBE_VERTS]!);
    return rho / (f0 + tv * (f1 - f0));
  }
}

// Gauss–Legendre nodes and weights on [−1, 1] by Newton's method on P_n (Golub–Welsch would do
// as well; n is small).
function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let t = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter += 1) {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k += 1) {
        const p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (t * p1 - p0)) / (t * t - 1);
      const step = p1 / dp;
      t -= step;
      if (Math.abs(step) < 1e-15) break;
    }
    x[i] = t;
    w[i] = 2 / ((1 - t * t) * dp * dp);
  }
  return { x, w };
}

const QUADRATURE = (() => {
  const gl = gaussLegendre(64);
  const nPhi = 128;
  const dirs: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < gl.x.length; i += 1) {
    const ct = gl.x[i]!;
    const st = Math.sqrt(1 - ct * ct);
    for (let j = 0; j < nPhi; j += 1) {
      const phi = (2 * Math.PI * j) / nPhi;
      dirs.push(st * Math.cos(phi), st * Math.sin(phi), ct);
      weights.push((gl.w[i]! * 2 * Math.PI) / nPhi);
    }
  }
  return { dirs: Float64Array.from(dirs), weights: Float64Array.from(weights) };
})();

/** Volume (mm³) of the shape scaled by `scale`. */
export function shapeVolumeMm3(shape: LobulatedShape, scale = 1): number {
  const cache = cacheOf(shape);
  if (cache.unitIntegral === undefined) {
    const { dirs, weights } = QUADRATURE;
    let integral = 0;
    for (let n = 0; n < weights.length; n += 1) {
      const f = radiusFactor(shape, dirs[3 * n]!, dirs[3 * n + 1]!, dirs[3 * n + 2]!);
      integral += weights[n]! * f * f * f;
    }
    cache.unitIntegral = integral / 3;
  }
  const [a, b, c] = shape.semiAxesMm;
  return a * b * c * scale * scale * scale * cache.unitIntegral;
}

/** Smallest and largest radius factor over the sphere (sampled on the quadrature directions). */
export function radiusFactorRange(shape: LobulatedShape): { min: number; max: number } {
  const cache = cacheOf(shape);
  if (!cache.range) {
    const { dirs } = QUADRATURE;
    let min = Infinity;
    let max = -Infinity;
    for (let n = 0; n < dirs.length; n += 3) {
      const f = radiusFactor(shape, dirs[n]!, dirs[n + 1]!, dirs[n + 2]!);
      if (f < min) min = f;
      if (f > max) max = f;
    }
    cache.range = { min, max };
  }
  return cache.range;
}

/** Radius (mm) of a sphere about the centre that contains the scaled shape, with a safety margin. */
export function boundingRadiusMm(shape: LobulatedShape, scale = 1): number {
  return Math.max(...shape.semiAxesMm) * scale * radiusFactorRange(shape).max * 1.03 + 0.5;
}

/** Uniformly random rotation from a random unit quaternion (Shoemake, Graphics Gems III, 1992). */
export function randomRotation(rng: Rng): Mat3 {
  const u1 = rng.uniform();
  const u2 = 2 * Math.PI * rng.uniform();
  const u3 = 2 * Math.PI * rng.uniform();
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const [w, x, y, z] = [a * Math.sin(u2), a * Math.cos(u2), b * Math.sin(u3), b * Math.cos(u3)];
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - z * w),
    2 * (x * z + y * w),
    2 * (x * y + z * w),
    1 - 2 * (x * x + z * z),
    2 * (y * z - x * w),
    2 * (x * z - y * w),
    2 * (y * z + x * w),
    1 - 2 * (x * x + y * y),
  ];
}

function randomUnitVector(rng: Rng): Vec3 {
  for (;;) {
    const v: Vec3 = [rng.normal(), rng.normal(), rng.normal()];
    const n = Math.hypot(...v);
    if (n > 1e-9) return [v[0] / n, v[1] / n, v[2] / n];
  }
}

/** A random lobulated ellipsoid whose longest semi-axis is half of `diameterMm`. */
export function drawLobulatedShape(rng: Rng, diameterMm: number, centreMm: Vec3): LobulatedShape {
  const a = diameterMm / 2;
  const bumps: ShapeBump[] = [];
  const count = rng.integer(4, 9);
  for (let m = 0; m < count; m += 1) {
    bumps.push({
      direction: randomUnitVector(rng),
      amplitude: rng.uniformIn(0.04, 0.16),
      concentration: rng.uniformIn(3, 10),
    });
  }
  return {
    centreMm,
    rotation: randomRotation(rng),
    semiAxesMm: [a, a * rng.uniformIn(0.7, 0.95), a * rng.uniformIn(0.6, 0.9)],
    bumps,
  };
}
