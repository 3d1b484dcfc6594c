/**
 * The lesion of one study: the lobulated tumour (pre-NAT, or what is left of it after NAT) with a
 * necrotic core, rim-weighted heterogeneous enhancement and a texture field, or, for a complete
 * responder when asked, a non-enhancing fibrotic scar.
 *
 * Heterogeneity: a unit-variance smooth random field g (correlation length λ, amplitude τ) modulates
 * every property of viable tumour together, as cellular regions are at once better perfused,
 * more diffusion-restricted and brighter on T2:
 *
 *   Ktrans(p) = K̄·exp(τ·g − τ²/2)·(1 + ρ_rim·u²)/(1 + 0.6·ρ_rim)   (log-normal, mean K̄ in a ball)
 *   kep(p)    = k̄·exp(τ·g/2)
 *   ADC(p)    = ADC̄·exp(−τ·g/2)
 *   T2(p)     = T2̄·exp(0.3·τ·g)
 *
 * where u is the normalised radius (0 at the centre, 1 at the margin), so enhancement is
 * strongest at the rim (0.6 = E[u²] over a ball keeps the mean). The core, u < c·(1 + 0.15·g), is
 * necrosis: no enhancement, free water ADC, long T2.
 */
import type { Vec3 } from '../../imaging/volume.ts';
import {
  boundingRadiusMm,
  CompiledShape,
  radiusFactorRange,
  shapeVolumeMm3,
  type LobulatedShape,
} from './lobulated-shape.ts';
import { SmoothField } from './smooth-field.ts';
import { Tissue, tissue } from './tissues.ts';

export type LesionKind = 'tumour' | 'scar';

/** One component of the texture field: a smooth field of correlation length `scaleMm`, weighted. */
export interface TextureComponent {
  seed: number;
  scaleMm: number;
  weight: number;
}

export interface LesionParameters {
  kind: LesionKind;
  shape: LobulatedShape;
  /** Linear scale of the shape (1 before NAT). */
  scale: number;
  /** Normalised radius of the necrotic core; 0 = none. */
  necroticCore: number;
  ktransPerMin: number;
  kepPerMin: number;
  /** Mean ADC of viable tumour, 10⁻⁶ mm²/s. */
  adc: number;
  t2Ms: number;
  rimEnhancement: number;
  textureAmplitude: number;
  /** Components of g; weights' squares sum to 1 so g has unit variance. */
  texture: TextureComponent[];
}

/** What a voxel of lesion is made of (written in place to avoid allocation in the render loop). */
export interface LesionVoxel {
  tissue: Tissue;
  ktransPerMin: number;
  kepPerMin: number;
  adc: number;
  t2Ms: number;
}

export function newLesionVoxel(): LesionVoxel {
  return { tissue: Tissue.Tumour, ktransPerMin: 0, kepPerMin: 0, adc: 0, t2Ms: 0 };
}

// Local copies: imported bindings cost a getter call per access in the hot loop once transpiled.
const TUMOUR: Tissue = Tissue.Tumour;
const NECROSIS: Tissue = Tissue.Necrosis;
const FIBROSIS: Tissue = Tissue.Fibrosis;
const NECROSIS_PROPS = tissue(Tissue.Necrosis);
const FIBROSIS_PROPS = tissue(Tissue.Fibrosis);

export class Lesion {
  readonly params: LesionParameters;
  readonly volumeMm3: number;
  readonly boundingRadiusMm: number;
  /** Smallest distance (mm) from the centre to the margin, for the partial-volume band. */
  readonly innerRadiusMm: number;
  private readonly fields: { field: SmoothField; weight: number }[];
  private readonly compiled: CompiledShape;

  /**
   * `fields` shares texture fields between lesions (pre- and post-NAT use the same pre-NAT
   * pattern), so each is materialised once.
   */
  constructor(params: LesionParameters, fields = new Map<string, SmoothField>()) {
    this.params = params;
    this.volumeMm3 = shapeVolumeMm3(params.shape, params.scale);
    this.boundingRadiusMm = boundingRadiusMm(params.shape, params.scale);
    this.innerRadiusMm =
      Math.min(...params.shape.semiAxesMm) * params.scale * radiusFactorRange(params.shape).min;
    this.compiled = new CompiledShape(params.shape, params.scale);
    this.fields = params.texture.map((c) => {
      const key = `${c.seed}/${c.scaleMm}`;
      let field = fields.get(key);
      if (!field) {
        // Lattice at half the correlation length, but no finer than 0.75 mm: texture finer than
        // the voxels would only cost time.
        field = new SmoothField({
          seed: c.seed,
          latticeMm: Math.max(c.scaleMm / 2, 0.75),
          sigmaMm: c.scaleMm,
        });
        fields.set(key, field);
      }
      return { field, weight: c.weight };
    });
  }

  get centreMm(): Vec3 {
    return this.params.shape.centreMm;
  }

  /** Materialises the texture fields over the lesion's bounding box. */
  prepare(): void {
    const r = this.boundingRadiusMm + 1;
    const c = this.centreMm;
    for (const { field } of this.fields)
      field.ensure([c[0] - r, c[1] - r, c[2] - r], [c[0] + r, c[1] + r, c[2] + r]);
  }

  normalisedRadius(x: number, y: number, z: number): number {
    return this.compiled.normalisedRadius(x, y, z);
  }

  /** The texture field g at a phantom point (unit variance); `prepare` first. */
  texture(x: number, y: number, z: number): number {
    let g = 0;
    for (const { field, weight } of this.fields) g += weight * field.sample(x, y, z);
    return g;
  }

  /** Properties of the lesion at a phantom point of normalised radius u. */
  voxel(x: number, y: number, z: number, u: number, out: LesionVoxel): LesionVoxel {
    const p = this.params;
    if (p.kind === 'scar') {
      const f = FIBROSIS_PROPS;
      out.tissue = FIBROSIS;
      out.ktransPerMin = f.ktransPerMin;
      out.kepPerMin = f.kepPerMin;
      out.adc = f.adc;
      out.t2Ms = f.t2Ms;
      return out;
    }
    const g = this.texture(x, y, z);
    if (p.necroticCore > 0 && u < p.necroticCore * (1 + 0.15 * g)) {
      const n = NECROSIS_PROPS;
      out.tissue = NECROSIS;
      out.ktransPerMin = n.ktransPerMin;
      out.kepPerMin = n.kepPerMin;
      out.adc = n.adc;
      out.t2Ms = n.t2Ms;
      return out;
    }
    const tau = p.textureAmplitude;
    const uu = Math.min(u, 1);
    out.tissue = TUMOUR;
    out.ktransPerMin =
      (p.ktransPerMin * Math.exp(tau * g - 0.5 * tau * tau) * (1 + p.rimEnhancement * uu * uu)) /
      (1 + 0.6 * p.rimEnhancement);
    out.kepPerMin = p.kepPerMin * Math.exp(0.5 * tau * g);
    out.adc = p.adc * Math.exp(-0.5 * tau * g);
    out.t2Ms = p.t2Ms * Math.exp(0.3 * tau * g);
    return out;
  }
}
