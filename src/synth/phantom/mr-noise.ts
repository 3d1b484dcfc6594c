/**
 * Image noise. A magnitude MR image of true signal S with complex Gaussian noise of SD σ per
 * channel is Rician distributed: M = |S + σ·(n1 + i·n2)| (Gudbjartsson H, Patz S, "The Rician
 * distribution of noisy MRI data", Magn Reson Med 1995;34:910-4). Background air becomes Rayleigh
 * noise and low-signal regions are biased upwards, as on a scanner.
 *
 * A realistic study needs ~10⁹ normal variates, so image noise uses a table of 2^12 normal
 * quantiles Φ⁻¹((i + ½)/2^12), indexed by 12 random bits (two lookups per 32-bit draw). The table
 * is rescaled to unit variance; it is truncated at ±3.5σ, which image noise does not notice. Φ⁻¹ is
 * P. J. Acklam's rational approximation (relative error < 1.2·10⁻⁹; "An algorithm for computing
 * the inverse normal cumulative distribution function", 2003). Scalar draws that matter for the
 * model use the exact polar method in random.ts instead.
 */
import type { Rng } from '../random.ts';

const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** Inverse of the standard normal CDF (Acklam 2003). */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`inverseNormalCdf(${p}): p must be in (0, 1)`);
  const pLow = 0.02425;
  if (p < pLow || p > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(p < pLow ? p : 1 - p));
    const x =
      (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1);
    return p < pLow ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
    (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1)
  );
}

const TABLE_BITS = 12;
const TABLE_SIZE = 1 << TABLE_BITS;
const TABLE_MASK = TABLE_SIZE - 1;

/** Normal quantiles Φ⁻¹((i + ½)/4096), rescaled to unit variance; small enough to stay in L1 cache. */
const NORMAL_TABLE: Float64Array = (() => {
  const t = new Float64Array(TABLE_SIZE);
  let sumSq = 0;
  for (let i = 0; i < TABLE_SIZE; i += 1) {
    t[i] = inverseNormalCdf((i + 0.5) / TABLE_SIZE);
    sumSq += t[i]! * t[i]!;
  }
  // The table is symmetric, so its mean is 0; rescale to variance 1 exactly.
  const scale = 1 / Math.sqrt(sumSq / TABLE_SIZE);
  for (let i = 0; i < TABLE_SIZE; i += 1) t[i] = t[i]! * scale;
  return t;
})();

/**
 * A stream of Rician image noise. It runs its own xoshiro128** state (seeded from an Rng) in
 * local variables of a tight loop, because a method call per variate would cost more than the
 * rest of the rendering.
 */
export class RicianNoise {
  private readonly state = new Int32Array(4);

  constructor(rng: Rng) {
    for (let i = 0; i < 4; i += 1) this.state[i] = rng.uint32() | 0;
    if ((this.state[0]! | this.state[1]! | this.state[2]! | this.state[3]!) === 0) this.state[0] = 1;
  }

  /**
   * out[outOffset + n] = min(max, round(|clean[n]·gain[n] + σ·(n1 + i·n2)|)) for n < count,
   * n1, n2 independent standard normal (table-based).
   */
  apply(
    clean: Float32Array,
    gain: Float32Array,
    count: number,
    sigma: number,
    out: Uint16Array,
    outOffset: number,
    max: number,
  ): void {
    const st = this.state;
    let s0 = st[0]!;
    let s1 = st[1]!;
    let s2 = st[2]!;
    let s3 = st[3]!;
    const table = NORMAL_TABLE;
    for (let n = 0; n < count; n += 1) {
      // xoshiro128** step (Blackman & Vigna), as in random.ts.
      const x = Math.imul(s1, 5);
      const result = Math.imul((x << 7) | (x >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const re = clean[n]! * gain[n]! + sigma * table[result & TABLE_MASK]!;
      const im = sigma * table[(result >> 16) & TABLE_MASK]!;
      // Rounding by truncation of v + ½ (v ≥ 0): Math.round costs twice the rest of the loop.
      const v = (Math.sqrt(re * re + im * im) + 0.5) | 0;
      out[outOffset + n] = v > max ? max : v;
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
  }
}
