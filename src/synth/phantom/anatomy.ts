/**
 * The background anatomy of a bilateral breast MRI in continuous space: two breasts (skin,
 * subcutaneous fat, fibroglandular tissue, retromammary fat) on a curved chest wall
 * (subcutaneous fat, pectoral muscle and ribs), lungs and heart, and air. Coordinates are DICOM
 * patient coordinates (LPS, mm) of the phantom: x towards the patient's left, y posterior, z
 * superior. The anterior surface of the chest wall is the parabola y = κ·x² (κ = 1/(2R), R the
 * radius of curvature of the anterior chest), so the breasts lie in front of it (smaller y) and
 * the plane z = 0 passes through the nipples.
 *
 * Each point gets partial-volume fractions of the background tissues (fat, fibroglandular, skin,
 * muscle, lung, blood); what is left is air. Surfaces are blurred over ~1 mm, the partial-volume
 * effect of the voxels that sample them.
 *
 * Fibroglandular tissue is a thresholded smooth random field (two scales), favoured centrally
 * and absent from the subcutaneous and retromammary fat layers; the threshold sets the breast
 * density category (ACR BI-RADS a-d).
 */
import type { Vec3 } from '../../imaging/volume.ts';
import { hashSeed32, type Rng } from '../random.ts';
import { SmoothField, type FieldBlock } from './smooth-field.ts';
import { BACKGROUND_TISSUE_COUNT, Tissue } from './tissues.ts';

export type BreastDensity = 'a' | 'b' | 'c' | 'd';

export interface AnatomyParameters {
  /** |x| of both breast centres. */
  breastCentreXMm: number;
  breastCentreZMm: number;
  /** Semi-axes of each (half-ellipsoid) breast: lateral half-width, anterior depth, cranio-caudal half-height. */
  breastSemiAxesMm: Vec3;
  /** κ of the chest surface y = κ·x². */
  chestCurvaturePerMm: number;
  skinMm: number;
  subcutaneousFatMm: number;
  retromammaryFatMm: number;
  /** Fat between skin and muscle over the chest outside the breasts. */
  chestFatMm: number;
  /** Pectoral muscle and ribs. */
  chestWallMm: number;
  thoraxHalfWidthMm: number;
  heartCentreMm: Vec3;
  heartSemiAxesMm: Vec3;
  density: BreastDensity;
  /** Background parenchymal enhancement relative to the tissue table's fibroglandular Ktrans. */
  backgroundEnhancement: number;
  fgtSeeds: { fine: number; coarse: number };
}

/** FGT threshold per density category (lower = more fibroglandular tissue). */
const DENSITY_THRESHOLD: Record<BreastDensity, number> = { a: 1.9, b: 1.35, c: 0.85, d: 0.4 };
/** ACR BI-RADS density distribution of screening populations (~10/40/40/10 %). */
const DENSITY_PREVALENCE: Record<BreastDensity, number> = { a: 0.1, b: 0.4, c: 0.4, d: 0.1 };

const EDGE_MM = 0.7;
const INV_EDGE = 1 / EDGE_MM;

// Local copies: imported bindings cost a getter call per access in the hot loop once transpiled.
const N_BACKGROUND: number = BACKGROUND_TISSUE_COUNT;
const FAT: number = Tissue.Fat;
const FGT: number = Tissue.Fibroglandular;
const SKIN: number = Tissue.Skin;
const MUSCLE: number = Tissue.Muscle;
const LUNG: number = Tissue.Lung;
const BLOOD: number = Tissue.Blood;

export function drawAnatomy(rng: Rng): AnatomyParameters {
  const density = rng.choiceOf(DENSITY_PREVALENCE);
  const depth = rng.uniformIn(70, 115);
  const chestWallMm = rng.uniformIn(14, 22);
  const curvature = 1 / (2 * rng.uniformIn(220, 300));
  const heartX = rng.uniformIn(15, 35);
  const heartRy = rng.uniformIn(45, 55);
  return {
    breastCentreXMm: rng.uniformIn(78, 86),
    breastCentreZMm: 0,
    breastSemiAxesMm: [rng.uniformIn(56, 66), depth, rng.uniformIn(55, 70)],
    chestCurvaturePerMm: curvature,
    skinMm: rng.uniformIn(1.5, 2.2),
    subcutaneousFatMm: rng.uniformIn(4, 9),
    retromammaryFatMm: rng.uniformIn(4, 9),
    chestFatMm: rng.uniformIn(5, 12),
    chestWallMm,
    thoraxHalfWidthMm: rng.uniformIn(150, 165),
    // The heart lies behind the sternum and the left chest wall, below the nipple line.
    heartCentreMm: [
      heartX,
      curvature * heartX * heartX + chestWallMm + heartRy + rng.uniformIn(5, 15),
      rng.uniformIn(-70, -45),
    ],
    heartSemiAxesMm: [rng.uniformIn(50, 60), heartRy, rng.uniformIn(50, 65)],
    density,
    // Minimal to marked BPE (BI-RADS); most women have minimal or mild.
    backgroundEnhancement: [0.4, 1, 1.8, 3][rng.choice([0.4, 0.35, 0.17, 0.08])]!,
    fgtSeeds: { fine: hashSeed32(`${rng.key}/fgt-fine`), coarse: hashSeed32(`${rng.key}/fgt-coarse`) },
  };
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** The anatomy of one patient: parameters plus the fibroglandular fields, evaluated point by point. */
export class Anatomy {
  readonly params: AnatomyParameters;
  private readonly fine: SmoothField;
  private readonly coarse: SmoothField;
  /** 0.75·fine + 0.66·coarse on the fine lattice: one interpolation per voxel instead of two. */
  private fgtField: FieldBlock | undefined;
  private fgtSource: FieldBlock | undefined;
  private readonly threshold: number;
  // Unpacked parameters for the per-voxel code.
  private readonly kappa: number;
  private readonly bx: number;
  private readonly bz: number;
  private readonly ax: number;
  private readonly ay: number;
  private readonly az: number;
  private readonly minBreastAxis: number;
  private readonly skin: number;
  private readonly subcutaneous: number;
  private readonly retromammary: number;
  private readonly chestFat: number;
  private readonly chestWall: number;
  private readonly halfWidth: number;
  private readonly hx: number;
  private readonly hy: number;
  private readonly hz: number;
  private readonly hrx: number;
  private readonly hry: number;
  private readonly hrz: number;
  private readonly heartEdge: number;

  constructor(params: AnatomyParameters) {
    this.params = params;
    this.fine = new SmoothField({ seed: params.fgtSeeds.fine, latticeMm: 1.5, sigmaMm: 2.5 });
    this.coarse = new SmoothField({ seed: params.fgtSeeds.coarse, latticeMm: 4, sigmaMm: 9 });
    this.threshold = DENSITY_THRESHOLD[params.density];
    this.kappa = params.chestCurvaturePerMm;
    this.bx = params.breastCentreXMm;
    this.bz = params.breastCentreZMm;
    [this.ax, this.ay, this.az] = params.breastSemiAxesMm;
    this.minBreastAxis = Math.min(this.ax, this.az);
    this.skin = params.skinMm;
    this.subcutaneous = params.subcutaneousFatMm;
    this.retromammary = params.retromammaryFatMm;
    this.chestFat = params.chestFatMm;
    this.chestWall = params.chestWallMm;
    this.halfWidth = params.thoraxHalfWidthMm;
    [this.hx, this.hy, this.hz] = params.heartCentreMm;
    [this.hrx, this.hry, this.hrz] = params.heartSemiAxesMm;
    this.heartEdge = Math.min(this.hrx, this.hry, this.hrz) * INV_EDGE;
  }

  /** y of the anterior chest surface at x. */
  chestSurfaceY(x: number): number {
    return this.kappa * x * x;
  }

  /** The most anterior y of the breasts (their tips). */
  anteriorLimitMm(): number {
    return this.chestSurfaceY(this.bx) - this.ay;
  }

  /** Box (phantom mm) holding both breasts. */
  breastBox(): { min: Vec3; max: Vec3 } {
    const xMax = this.bx + this.ax + 2;
    return {
      min: [-xMax, this.anteriorLimitMm() - 2, this.bz - this.az - 2],
      max: [xMax, this.chestSurfaceY(xMax) + 2, this.bz + this.az + 2],
    };
  }

  /** Prepares the fibroglandular fields for sampling inside the box (phantom mm). */
  prepare(min: Vec3, max: Vec3): void {
    const box = this.breastBox();
    const lo: [number, number, number] = [0, 0, 0];
    const hi: [number, number, number] = [0, 0, 0];
    for (let c = 0; c < 3; c += 1) {
      lo[c] = Math.max(min[c]!, box.min[c]!);
      hi[c] = Math.min(max[c]!, box.max[c]!);
      if (lo[c]! > hi[c]!) return; // the box misses the breasts
    }
    this.fine.ensure(lo, hi);
    this.coarse.ensure(lo, hi);
    if (this.fgtSource !== this.fine.current) {
      const coarse = this.coarse;
      this.fgtSource = this.fine.current;
      this.fgtField = this.fine.current.map((v, x, y, z) => 0.75 * v + 0.66 * coarse.sample(x, y, z));
    }
  }

  /**
   * Background tissue fractions at a point, written to `out` in `Tissue` order (fat …
   * blood); returns their sum (1 inside the body, 0 in air). Requires `prepare` over the point.
   */
  fractions(x: number, y: number, z: number, out: Float64Array): number {
    for (let t = 0; t < N_BACKGROUND; t += 1) out[t] = 0;
    const yc = y - this.kappa * x * x; // depth behind the chest surface (along y)
    if (yc < EDGE_MM) this.breast(x, y, yc, z, out);
    if (yc > -this.chestFat - EDGE_MM) this.chest(x, y, yc, z, out);
    let sum = 0;
    for (let t = 0; t < N_BACKGROUND; t += 1) sum += out[t]!;
    if (sum > 1) {
      for (let t = 0; t < N_BACKGROUND; t += 1) out[t] = out[t]! / sum;
      sum = 1;
    }
    return sum;
  }

  /** Fibroglandular fraction at a point (for tests and truth); `prepare` first. */
  fibroglandularFraction(x: number, y: number, z: number): number {
    const out = new Float64Array(N_BACKGROUND);
    this.fractions(x, y, z, out);
    return out[FGT]!;
  }

  /** Breast tissue; `yc` is y relative to the chest surface (negative in front of it). */
  private breast(x: number, y: number, yc: number, z: number, out: Float64Array): void {
    const ax = this.ax;
    const ay = this.ay;
    const az = this.az;
    const dx = (x - (x >= 0 ? this.bx : -this.bx)) / ax;
    const dy = yc / ay;
    const dz = (z - this.bz) / az;
    const q2 = dx * dx + dy * dy + dz * dz;
    const limit = 1 + (2 * EDGE_MM) / this.minBreastAxis;
    if (q2 > limit * limit) return;
    const q = Math.sqrt(q2);
    // First-order distance to the ellipsoid surface: (1 − q) / |∇q|.
    let depth = 1000;
    if (q > 0.2) {
      const gx = dx / ax;
      const gy = dy / ay;
      const gz = dz / az;
      depth = ((1 - q) * q) / Math.sqrt(gx * gx + gy * gy + gz * gz);
    }
    const base = clamp01(0.5 - yc * INV_EDGE); // the breast ends at the chest surface
    const breast = clamp01(0.5 + depth * INV_EDGE) * base;
    if (breast <= 0) return;
    const inner = clamp01(0.5 + (depth - this.skin) * INV_EDGE) * base;
    out[SKIN] = breast - inner;
    if (inner <= 0) return;
    // Fibroglandular tissue: smooth random field + centrality, kept out of the fat layers.
    let fgt = 0;
    const layers =
      clamp01((depth - this.skin - this.subcutaneous) * 0.25) * clamp01((-yc - this.retromammary) * 0.25);
    if (layers > 0) {
      if (!this.fgtField) throw new Error('Anatomy.fractions before prepare');
      const g = this.fgtField.sample(x, y, z);
      const t = clamp01(0.5 + (g + 1.4 * (1 - q) - this.threshold) / 0.6);
      fgt = t * t * (3 - 2 * t) * layers;
    }
    out[FGT] = inner * fgt;
    out[FAT] = inner * (1 - fgt);
  }

  /** Chest: subcutaneous fat, chest wall (muscle, ribs), then heart and lungs. */
  private chest(x: number, y: number, yc: number, z: number, out: Float64Array): void {
    // Depth below the curved surface, measured along its normal.
    const slope = 2 * this.kappa * x;
    const d = yc / Math.sqrt(1 + slope * slope);
    const ax = x < 0 ? -x : x;
    const lateral = clamp01(0.5 + (this.halfWidth - ax) * INV_EDGE);
    if (lateral <= 0) return;
    if (d < 0) {
      // Fat between skin and chest wall where there is no breast (fills what the breast left).
      const fat = lateral * clamp01(0.5 + (d + this.chestFat) * INV_EDGE) * clamp01(0.5 - d * INV_EDGE);
      const free = 1 - (out[FAT]! + out[FGT]! + out[SKIN]!);
      if (free > 0) out[FAT] = out[FAT]! + (fat < free ? fat : free);
      return;
    }
    const body = lateral * clamp01(0.5 + d * INV_EDGE);
    const deep = lateral * clamp01(0.5 + (d - this.chestWall) * INV_EDGE);
    out[MUSCLE] = out[MUSCLE]! + body - deep;
    if (deep <= 0) return;
    const hxn = (x - this.hx) / this.hrx;
    const hyn = (y - this.hy) / this.hry;
    const hzn = (z - this.hz) / this.hrz;
    const hr2 = hxn * hxn + hyn * hyn + hzn * hzn;
    let heart = 0;
    if (hr2 < 1.2) heart = clamp01(0.5 + (1 - Math.sqrt(hr2)) * this.heartEdge);
    out[BLOOD] = deep * heart;
    out[LUNG] = deep * (1 - heart);
  }
}

/**
 * Row-wise evaluation of `Anatomy.fractions` for grids whose rows run along world x (axis-aligned
 * axial grids): everything that depends on x alone (the chest curvature, the normal to the
 * chest surface, the lateral body edge, the breasts' lateral terms, the heart's x term) is
 * computed once per column, the y and z terms once per row, so a voxel costs a few
 * multiply-adds. Results equal `fractions` up to rounding.
 */
export class AnatomyRowSampler {
  private readonly anatomy: Anatomy;
  private readonly xs: Float64Array;
  private readonly chestY: Float64Array;
  private readonly normalScale: Float64Array;
  private readonly lateral: Float64Array;
  private readonly breastDx: Float64Array;
  private readonly heartX: Float64Array;
  private readonly point = new Float64Array(N_BACKGROUND);
  private readonly ay: number;
  private readonly az: number;
  private readonly bz: number;
  private readonly limit2: number;
  private readonly heartEdge: number;

  constructor(anatomy: Anatomy, xs: Float64Array) {
    this.anatomy = anatomy;
    this.xs = xs;
    const n = xs.length;
    const p = anatomy.params;
    const k = p.chestCurvaturePerMm;
    const [ax, ay, az] = p.breastSemiAxesMm;
    this.ay = ay;
    this.az = az;
    this.bz = p.breastCentreZMm;
    const limit = 1 + (2 * EDGE_MM) / Math.min(ax, az);
    this.limit2 = limit * limit;
    this.heartEdge = Math.min(...p.heartSemiAxesMm) * INV_EDGE;
    this.chestY = new Float64Array(n);
    this.normalScale = new Float64Array(n);
    this.lateral = new Float64Array(n);
    this.breastDx = new Float64Array(n);
    this.heartX = new Float64Array(n);
    for (let i = 0; i < n; i += 1) {
      const x = xs[i]!;
      const slope = 2 * k * x;
      this.chestY[i] = k * x * x;
      this.normalScale[i] = 1 / Math.sqrt(1 + slope * slope);
      this.lateral[i] = clamp01(0.5 + (p.thoraxHalfWidthMm - Math.abs(x)) * INV_EDGE);
      const dx = (x - (x >= 0 ? p.breastCentreXMm : -p.breastCentreXMm)) / ax;
      this.breastDx[i] = dx;
      const hx = (x - p.heartCentreMm[0]) / p.heartSemiAxesMm[0];
      this.heartX[i] = hx * hx;
    }
  }

  /** Fractions of every voxel of the row at (y, z): out[i · 6 + tissue]; returns whether any is non-zero. */
  sampleRow(y: number, z: number, out: Float64Array): boolean {
    out.fill(0);
    const a = this.anatomy;
    const p = a.params;
    const n = this.xs.length;
    const ay = this.ay;
    const dz = (z - this.bz) / this.az;
    const limit2 = this.limit2;
    const breastRow = dz * dz < limit2;
    const hy = (y - p.heartCentreMm[1]) / p.heartSemiAxesMm[1];
    const hz = (z - p.heartCentreMm[2]) / p.heartSemiAxesMm[2];
    const heartYZ = hy * hy + hz * hz;
    const heartEdge = this.heartEdge;
    const chestFat = p.chestFatMm;
    const chestWall = p.chestWallMm;
    let hasBody = false;
    for (let i = 0; i < n; i += 1) {
      const o = i * N_BACKGROUND;
      const yc = y - this.chestY[i]!;
      if (breastRow && yc < EDGE_MM) {
        const dx = this.breastDx[i]!;
        const dy = yc / ay;
        const q2 = dx * dx + dy * dy + dz * dz;
        if (q2 <= limit2) {
          // Rare enough to take the exact per-point path.
          a.fractions(this.xs[i]!, y, z, this.point);
          for (let t = 0; t < N_BACKGROUND; t += 1) out[o + t] = this.point[t]!;
          hasBody = true;
          continue;
        }
      }
      if (yc <= -chestFat - EDGE_MM) continue;
      const lateral = this.lateral[i]!;
      if (lateral <= 0) continue;
      const d = yc * this.normalScale[i]!;
      if (d < 0) {
        const fat = lateral * clamp01(0.5 + (d + chestFat) * INV_EDGE) * clamp01(0.5 - d * INV_EDGE);
        if (fat > 0) {
          out[o + FAT] = fat;
          hasBody = true;
        }
        continue;
      }
      hasBody = true;
      const body = lateral * clamp01(0.5 + d * INV_EDGE);
      const deep = lateral * clamp01(0.5 + (d - chestWall) * INV_EDGE);
      out[o + MUSCLE] = body - deep;
      if (deep <= 0) continue;
      const hr2 = this.heartX[i]! + heartYZ;
      const heart = hr2 < 1.2 ? clamp01(0.5 + (1 - Math.sqrt(hr2)) * heartEdge) : 0;
      out[o + BLOOD] = deep * heart;
      out[o + LUNG] = deep * (1 - heart);
    }
    return hasBody;
  }
}
