/**
 * Samples a study phantom onto one series' voxel grid: every voxel centre is mapped to phantom
 * coordinates, the background tissue fractions and the lesion are evaluated there, the sequence's
 * signal model turns them into intensities, then the coil bias field, the receiver gain and Rician
 * noise are applied and the result is stored as 12-bit unsigned integers.
 *
 * Partial volume at the lesion margin: voxels whose centre lies within a band of the margin are
 * supersampled 2 × 2 × 2 and mix lesion and background signal by the lesion's fraction. The ROI
 * (what a radiologist outlines) contains the voxels whose centre lies inside the lesion,
 * including a necrotic core, which unbiasedly estimates the lesion volume.
 */
import type { Geometry, Vec3 } from '../../imaging/volume.ts';
import { indexToWorld, voxelCount, worldToIndex } from '../../imaging/volume.ts';
import { AnatomyRowSampler } from './anatomy.ts';
import { newLesionVoxel } from './lesion.ts';
import { RicianNoise } from './mr-noise.ts';
import type { StudyPhantom } from './patient-phantom.ts';
import type { SignalModel } from './sequence-signals.ts';
import { BACKGROUND_TISSUE_COUNT, Tissue } from './tissues.ts';
import type { Rng } from '../random.ts';

// Local copies: imported bindings cost a getter call per access in the hot loop once transpiled.
const N_BACKGROUND: number = BACKGROUND_TISSUE_COUNT;
// The background mixing below is unrolled for exactly six tissues.
if (N_BACKGROUND !== 6) throw new Error('render.ts assumes six background tissues');
const NECROSIS: number = Tissue.Necrosis;

/** Largest stored value: scanners commonly store 12 bits. */
export const MAX_STORED_VALUE = 4095;

export interface LesionTruth {
  /** ROI voxels (centre inside the lesion). */
  roiVoxels: number;
  /** Mean noise-free lesion signal per output over the ROI (without bias, noise or partial volume). */
  meanSignal: number[];
  /** Mean over the ROI of each output's lesion signal relative to output 0. */
  meanRatio: number[];
  /** Mean lesion ADC (10⁻⁶ mm²/s) and Ktrans (1/min) over the ROI. */
  meanAdc: number;
  meanKtransPerMin: number;
  /** Fraction of ROI voxels that are necrotic. */
  necroticFraction: number;
}

export interface RenderedSeries {
  images: Uint16Array[];
  mask: Uint8Array;
  truth: LesionTruth;
}

function lesionIndexBox(g: Geometry, centre: Vec3, radius: number): { lo: Vec3; hi: Vec3 } | undefined {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const sx of [-1, 1]) {
    for (const sy of [-1, 1]) {
      for (const sz of [-1, 1]) {
        const idx = worldToIndex(g, [
          centre[0] + sx * radius,
          centre[1] + sy * radius,
          centre[2] + sz * radius,
        ]);
        for (let c = 0; c < 3; c += 1) {
          lo[c] = Math.min(lo[c]!, idx[c]!);
          hi[c] = Math.max(hi[c]!, idx[c]!);
        }
      }
    }
  }
  const box = { lo: [0, 0, 0] as [number, number, number], hi: [0, 0, 0] as [number, number, number] };
  for (let c = 0; c < 3; c += 1) {
    box.lo[c] = Math.max(0, Math.floor(lo[c]!));
    box.hi[c] = Math.min(g.size[c]! - 1, Math.ceil(hi[c]!));
    if (box.lo[c]! > box.hi[c]!) return undefined;
  }
  return box;
}

/** Bounding box, in phantom coordinates, of a grid's voxel centres (plus 2 mm). */
export function gridPhantomBox(study: StudyPhantom, g: Geometry): { min: Vec3; max: Vec3 } {
  const off = study.offsetMm;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const a of [0, g.size[0] - 1]) {
    for (const b of [0, g.size[1] - 1]) {
      for (const c of [0, g.size[2] - 1]) {
        const w = indexToWorld(g, a, b, c);
        for (let axis = 0; axis < 3; axis += 1) {
          lo[axis] = Math.min(lo[axis]!, w[axis]! - off[axis]! - 2);
          hi[axis] = Math.max(hi[axis]!, w[axis]! - off[axis]! + 2);
        }
      }
    }
  }
  return { min: [lo[0]!, lo[1]!, lo[2]!], max: [hi[0]!, hi[1]!, hi[2]!] };
}

/**
 * Materialises every noise field the given grids of the given studies will sample, in one go:
 * growing a cached field block series by series would recompute it each time.
 */
export function prepareFields(grids: { study: StudyPhantom; geometry: Geometry }[]): void {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const { study, geometry } of grids) {
    const box = gridPhantomBox(study, geometry);
    for (let c = 0; c < 3; c += 1) {
      lo[c] = Math.min(lo[c]!, box.min[c]!);
      hi[c] = Math.max(hi[c]!, box.max[c]!);
    }
  }
  const anatomies = new Set(grids.map((g) => g.study.anatomy));
  for (const anatomy of anatomies) anatomy.prepare([lo[0]!, lo[1]!, lo[2]!], [hi[0]!, hi[1]!, hi[2]!]);
  for (const lesion of new Set(grids.map((g) => g.study.lesion))) lesion.prepare();
}

function isIdentity(d: readonly number[]): boolean {
  return d.every((v, n) => Math.abs(v - (n % 4 === 0 ? 1 : 0)) < 1e-12);
}

/** Renders one series (all its outputs) of a study on `geometry`. */
export function renderSeries(
  study: StudyPhantom,
  geometry: Geometry,
  model: SignalModel,
  noiseRng: Rng,
): RenderedSeries {
  const n = voxelCount(geometry);
  const outputs = model.outputs;
  const images = Array.from({ length: outputs }, () => new Uint16Array(n));
  const mask = new Uint8Array(n);
  const [nx, ny, nz] = geometry.size;
  const [sx, sy, sz] = geometry.spacingMm;
  const d = geometry.direction;
  const origin = geometry.originMm;
  const off = study.offsetMm;
  const anatomy = study.anatomy;
  const lesion = study.lesion;
  const noise = new RicianNoise(noiseRng);
  const sigma = model.noiseSigma;
  const bg = model.background;

  // Voxel steps in world space along i, j, k.
  const di: Vec3 = [d[0] * sx, d[3] * sx, d[6] * sx];
  const dj: Vec3 = [d[1] * sy, d[4] * sy, d[7] * sy];
  const dk: Vec3 = [d[2] * sz, d[5] * sz, d[8] * sz];

  // Materialise the noise fields the grid needs (a no-op when `prepareFields` covered it).
  const box = gridPhantomBox(study, geometry);
  anatomy.prepare(box.min, box.max);

  const lc = lesion.centreMm;
  const lesionBox = lesionIndexBox(
    geometry,
    [lc[0] + off[0], lc[1] + off[1], lc[2] + off[2]],
    lesion.boundingRadiusMm + Math.hypot(sx, sy, sz),
  );
  if (lesionBox) lesion.prepare();
  // Partial-volume band in units of u: half the voxel diagonal over the smallest lesion radius,
  // with head-room for the lobulation's contribution to |∇u|.
  const band = (1.5 * 0.5 * Math.hypot(sx, sy, sz)) / Math.max(lesion.innerRadiusMm, 1e-3);

  // The bias field is separable in world axes; on an axis-aligned grid each factor depends on
  // one voxel index only, so it is tabulated per index.
  const aligned = isIdentity(d);
  const biasX = Float64Array.from({ length: nx }, (_, i) => study.bias.axisFactor(0, origin[0] + i * sx));
  const biasY = Float64Array.from({ length: ny }, (_, j) => study.bias.axisFactor(1, origin[1] + j * sy));
  const biasZ = Float64Array.from({ length: nz }, (_, k) => study.bias.axisFactor(2, origin[2] + k * sz));

  // Axis-aligned grids sample the anatomy a row at a time (see AnatomyRowSampler).
  const rowSampler = aligned
    ? new AnatomyRowSampler(
        anatomy,
        Float64Array.from({ length: nx }, (_, i) => origin[0] + i * sx - off[0]),
      )
    : undefined;
  const rowFractions = new Float64Array(nx * N_BACKGROUND);
  const pointFractions = new Float64Array(N_BACKGROUND);
  const lesionSignal = new Float64Array(outputs);
  const clean = Array.from({ length: outputs }, () => new Float32Array(nx));
  const rowGain = new Float32Array(nx);
  const vox = newLesionVoxel();
  const sumSignal = new Float64Array(outputs);
  const sumRatio = new Float64Array(outputs);
  let roiVoxels = 0;
  let sumAdc = 0;
  let sumKtrans = 0;
  let necrotic = 0;
  let closest = -1;
  let closestU = Infinity;

  for (let k = 0; k < nz; k += 1) {
    const inK = lesionBox !== undefined && k >= lesionBox.lo[2] && k <= lesionBox.hi[2];
    for (let j = 0; j < ny; j += 1) {
      const inJK = inK && j >= lesionBox.lo[1] && j <= lesionBox.hi[1];
      const rowStart = nx * (j + ny * k);
      // World position of voxel (0, j, k).
      const wx0 = origin[0] + j * dj[0] + k * dk[0];
      const wy0 = origin[1] + j * dj[1] + k * dk[1];
      const wz0 = origin[2] + j * dj[2] + k * dk[2];
      let rowHasBody = true;
      if (rowSampler) {
        rowHasBody = rowSampler.sampleRow(wy0 - off[1], wz0 - off[2], rowFractions);
        const biasYZ = biasY[j]! * biasZ[k]!;
        for (let i = 0; i < nx; i += 1) rowGain[i] = biasX[i]! * biasYZ;
      } else {
        for (let i = 0; i < nx; i += 1) {
          const wx = wx0 + i * di[0];
          const wy = wy0 + i * di[1];
          const wz = wz0 + i * di[2];
          rowGain[i] = study.bias.at(wx, wy, wz);
          anatomy.fractions(wx - off[0], wy - off[1], wz - off[2], pointFractions);
          rowFractions.set(pointFractions, i * N_BACKGROUND);
        }
      }
      for (let o = 0; o < outputs; o += 1) {
        const c = clean[o]!;
        if (!rowHasBody) {
          c.fill(0);
          continue;
        }
        // Σ_t fraction_t · signal_t, unrolled over the six background tissues.
        const b0 = bg[o]!;
        const b1 = bg[outputs + o]!;
        const b2 = bg[2 * outputs + o]!;
        const b3 = bg[3 * outputs + o]!;
        const b4 = bg[4 * outputs + o]!;
        const b5 = bg[5 * outputs + o]!;
        for (let i = 0, f = 0; i < nx; i += 1, f += 6) {
          c[i] =
            rowFractions[f]! * b0 +
            rowFractions[f + 1]! * b1 +
            rowFractions[f + 2]! * b2 +
            rowFractions[f + 3]! * b3 +
            rowFractions[f + 4]! * b4 +
            rowFractions[f + 5]! * b5;
        }
      }
      const iLo = inJK && lesionBox ? lesionBox.lo[0] : nx;
      const iHi = inJK && lesionBox ? lesionBox.hi[0] : -1;
      for (let i = iLo; i <= iHi; i += 1) {
        const px = wx0 + i * di[0] - off[0];
        const py = wy0 + i * di[1] - off[1];
        const pz = wz0 + i * di[2] - off[2];
        const u = lesion.normalisedRadius(px, py, pz);
        let part = u <= 1 ? 1 : 0;
        if (Math.abs(u - 1) < band) {
          // Stratified 2 × 2 × 2 supersampling of the voxel.
          let inside = 0;
          for (let c = 0; c < 8; c += 1) {
            const a = c & 1 ? 0.25 : -0.25;
            const b = c & 2 ? 0.25 : -0.25;
            const e = c & 4 ? 0.25 : -0.25;
            const qx = px + a * di[0] + b * dj[0] + e * dk[0];
            const qy = py + a * di[1] + b * dj[1] + e * dk[1];
            const qz = pz + a * di[2] + b * dj[2] + e * dk[2];
            if (lesion.normalisedRadius(qx, qy, qz) <= 1) inside += 1;
          }
          part = inside / 8;
        }
        if (u < closestU) {
          closestU = u;
          closest = rowStart + i;
        }
        if (part > 0) {
          lesion.voxel(px, py, pz, u, vox);
          model.lesion(vox, lesionSignal);
          for (let o = 0; o < outputs; o += 1) {
            clean[o]![i] = (1 - part) * clean[o]![i]! + part * lesionSignal[o]!;
          }
        }
        if (u <= 1 && study.roiExpected) {
          mask[rowStart + i] = 1;
          roiVoxels += 1;
          for (let o = 0; o < outputs; o += 1) {
            sumSignal[o] = sumSignal[o]! + lesionSignal[o]!;
            sumRatio[o] = sumRatio[o]! + lesionSignal[o]! / lesionSignal[0]!;
          }
          sumAdc += vox.adc;
          sumKtrans += vox.ktransPerMin;
          if (vox.tissue === NECROSIS) necrotic += 1;
        }
      }
      for (let o = 0; o < outputs; o += 1) {
        noise.apply(clean[o]!, rowGain, nx, sigma, images[o]!, rowStart, MAX_STORED_VALUE);
      }
    }
  }

  // A lesion smaller than the voxels can fall between voxel centres; a radiologist would still
  // mark the voxel where it shows, so the ROI is never empty when one is expected.
  if (study.roiExpected && roiVoxels === 0 && closest >= 0) {
    mask[closest] = 1;
    roiVoxels = 1;
  }
  const per = (s: Float64Array): number[] => Array.from(s, (v) => (roiVoxels > 0 ? v / roiVoxels : NaN));
  return {
    images,
    mask,
    truth: {
      roiVoxels,
      meanSignal: per(sumSignal),
      meanRatio: per(sumRatio),
      meanAdc: roiVoxels > 0 ? sumAdc / roiVoxels : NaN,
      meanKtransPerMin: roiVoxels > 0 ? sumKtrans / roiVoxels : NaN,
      necroticFraction: roiVoxels > 0 ? necrotic / roiVoxels : NaN,
    },
  };
}

/**
 * The scanner's ADC map from b = 0 and b = b1 images (Stejskal–Tanner, two-point fit):
 * ADC = ln(S0 / Sb) / b, in 10⁻⁶ mm²/s. Voxels whose b = 0 signal is below `thresholdB0` (air,
 * suppressed fat) are set to 0 as scanners do; values are clamped to [0, `maxAdc`].
 */
export function adcMap(
  b0: Uint16Array,
  bHigh: Uint16Array,
  bValue: number,
  thresholdB0: number,
  maxAdc = 4000,
): Uint16Array {
  const out = new Uint16Array(b0.length);
  for (let n = 0; n < b0.length; n += 1) {
    const s0 = b0[n]!;
    if (s0 < thresholdB0) continue;
    const sb = Math.max(bHigh[n]!, 1);
    const adc = (Math.log(s0 / sb) / bValue) * 1e6;
    out[n] = adc <= 0 ? 0 : adc >= maxAdc ? maxAdc : Math.round(adc);
  }
  return out;
}
