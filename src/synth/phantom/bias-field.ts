/**
 * Receive-coil intensity non-uniformity ("bias field"): a smooth multiplicative field, the reason
 * radiomics pipelines normalise intensities. Breast coils are strongest next to the elements, so
 * signal falls off away from the anterior breast towards the chest wall; on top of that there is
 * slow random variation of ±10-20 % over the field of view (Sled JG et al., IEEE Trans Med
 * Imaging 1998;17:87-97 model the field as smooth and multiplicative in the same way).
 *
 * The field is separable, B(x, y, z) = bx(x)·by(y)·bz(z), each factor the exponential of a few
 * random low-frequency cosines, tabulated at 0.5 mm so that a voxel costs three table reads.
 */
import type { Rng } from '../random.ts';

const TABLE_STEP_MM = 0.5;
const TABLE_HALF_RANGE_MM = 600;

class AxisProfile {
  private readonly table: Float64Array;

  constructor(terms: { amplitude: number; wavelengthMm: number; phase: number }[], slopePerMm: number) {
    const n = Math.round((2 * TABLE_HALF_RANGE_MM) / TABLE_STEP_MM) + 1;
    this.table = new Float64Array(n);
    for (let i = 0; i < n; i += 1) {
      const x = -TABLE_HALF_RANGE_MM + i * TABLE_STEP_MM;
      let e = slopePerMm * x;
      for (const t of terms) e += t.amplitude * Math.cos((2 * Math.PI * x) / t.wavelengthMm + t.phase);
      this.table[i] = Math.exp(e);
    }
  }

  at(x: number): number {
    let f = (x + TABLE_HALF_RANGE_MM) / TABLE_STEP_MM;
    const last = this.table.length - 1;
    f = f < 0 ? 0 : f > last - 1e-9 ? last - 1e-9 : f;
    const i = Math.floor(f);
    const u = f - i;
    return this.table[i]! + u * (this.table[i + 1]! - this.table[i]!);
  }
}

export class BiasField {
  private readonly bx: AxisProfile;
  private readonly by: AxisProfile;
  private readonly bz: AxisProfile;

  /** A random field; `strength` scales the random part (0 = only the coil fall-off). */
  constructor(rng: Rng, strength = 1) {
    const terms = (): { amplitude: number; wavelengthMm: number; phase: number }[] =>
      [0, 1].map(() => ({
        amplitude: strength * rng.uniformIn(0.03, 0.08),
        wavelengthMm: rng.uniformIn(250, 600),
        phase: rng.uniformIn(0, 2 * Math.PI),
      }));
    this.bx = new AxisProfile(terms(), 0);
    // Posterior (+y) is further from the prone breast coil: about −15 % per 100 mm.
    this.by = new AxisProfile(terms(), -0.0015);
    this.bz = new AxisProfile(terms(), 0);
  }

  at(x: number, y: number, z: number): number {
    return this.bx.at(x) * this.by.at(y) * this.bz.at(z);
  }

  /** The factor of one world axis (0 = x, 1 = y, 2 = z); `at` is their product. */
  axisFactor(axis: 0 | 1 | 2, coordinate: number): number {
    return (axis === 0 ? this.bx : axis === 1 ? this.by : this.bz).at(coordinate);
  }
}
