/**
 * A small seeded pseudo-random number generator for the synthetic cohort, written here so that a
 * cohort is reproduced bit for bit by any Node version (Math.random cannot be seeded).
 *
 * Generator: xoshiro128** 1.1 (D. Blackman and S. Vigna, "Scrambled linear pseudorandom number
 * generators", ACM Trans. Math. Softw. 47(4), 2021; reference C code at
 * https://prng.di.unimi.it/xoshiro128starstar.c). 128-bit state, period 2^128 − 1, passes
 * BigCrush; plenty for Monte-Carlo cohorts and image noise.
 *
 * Seeding: the stream's key (a string path such as `cohort-42/patient/7/images`) is hashed to
 * 128 bits with cyrb128 (bryc, public domain, https://github.com/bryc/code/blob/master/jshash/PRNGs.md)
 * and each 32-bit lane is passed through splitmix32 (the 32-bit SplitMix finaliser of Steele, Lea
 * and Flood 2014 with constants from C. Wellons' hash prospector), so that similar keys give
 * unrelated states and the all-zero state cannot occur in practice.
 *
 * Streams: `fork(label)` is a pure function of the parent's key and the label, never of how many
 * numbers the parent has drawn. Patient k's stream is `root.fork('patient/k')` whatever else the
 * cohort generator does, so patient k does not depend on the cohort size or on generation order.
 */

import { splitmix32 } from '../util/splitmix32.ts';

export { splitmix32 };

/** cyrb128: a fast 128-bit string hash (bryc, public domain); four 32-bit lanes. */
export function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i += 1) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A 32-bit seed derived from a key, for position-hashed noise fields (see phantom/smooth-field.ts). */
export function hashSeed32(key: string): number {
  return splitmix32(cyrb128(key)[0]);
}

const TWO_POW_32 = 4294967296;

export class Rng {
  /** The stream's identity; `fork` derives children from it. */
  readonly key: string;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** The second variate of the last polar-method pair, used by the next `normal()` call. */
  private spare: number | undefined;

  constructor(seed: string | number) {
    this.key = typeof seed === 'number' ? `#${seed}` : seed;
    const [a, b, c, d] = cyrb128(this.key);
    this.s0 = splitmix32(a);
    this.s1 = splitmix32(b ^ 0x6a09e667);
    this.s2 = splitmix32(c ^ 0xbb67ae85);
    this.s3 = splitmix32(d ^ 0x3c6ef372);
    // xoshiro must not start from the all-zero state (it would stay there).
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /**
   * A generator started from a raw xoshiro state (checked against the reference C code in the
   * tests); its key only names it, so forks of it are seeded by key as usual.
   */
  static fromState(state: readonly [number, number, number, number], key = 'raw-state'): Rng {
    const rng = new Rng(key);
    [rng.s0, rng.s1, rng.s2, rng.s3] = state;
    rng.spare = undefined;
    return rng;
  }

  /** An independent stream named `label` below this one; does not consume this stream. */
  fork(label: string | number): Rng {
    return new Rng(`${this.key}/${label}`);
  }

  /** Next 32-bit output of xoshiro128** as an unsigned integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with 32-bit resolution. */
  uniform(): number {
    return this.uint32() / TWO_POW_32;
  }

  /** Uniform on [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  integer(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new RangeError(`integer(${lo}, ${hi}): bounds must be integers with lo <= hi`);
    }
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  /**
   * Normal variate by the Marsaglia polar method (G. Marsaglia and T. A. Bray, "A convenient
   * method for generating normal variables", SIAM Review 6(3):260-264, 1964): exact, no
   * trigonometric functions, two variates per accepted pair.
   */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + sd * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + sd * u * f;
  }

  /** Normal variate truncated to [lo, hi] by rejection (the bounds must hold real probability mass). */
  truncatedNormal(mean: number, sd: number, lo: number, hi: number): number {
    for (let attempt = 0; attempt < 10_000; attempt += 1) {
      const x = this.normal(mean, sd);
      if (x >= lo && x <= hi) return x;
    }
    throw new RangeError(`truncatedNormal(${mean}, ${sd}, ${lo}, ${hi}): bounds hold almost no mass`);
  }

  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli(${p}): p must be in [0, 1]`);
    return this.uniform() < p;
  }

  /** Index drawn with probability proportional to `weights` (non-negative, positive sum). */
  choice(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`choice: bad weight ${w}`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('choice: weights must have a positive sum');
    let x = this.uniform() * total;
    for (let i = 0; i < weights.length; i += 1) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    // Rounding can leave x at 0 after the last subtraction: return the last positive weight.
    for (let i = weights.length - 1; i >= 0; i -= 1) if (weights[i]! > 0) return i;
    return weights.length - 1;
  }

  /** Key of `record` drawn with probability proportional to its value. */
  choiceOf<K extends string>(record: Readonly<Record<K, number>>): K {
    const keys = Object.keys(record) as K[];
    return keys[this.choice(keys.map((k) => record[k]))]!;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function createRng(seed: string | number): Rng {
  return new Rng(seed);
}
