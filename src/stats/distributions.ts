/**
 * Distribution functions the tests in src/stats need: the standard normal (CDF, quantile), the
 * chi-square upper tail and the F distribution (upper tail, quantile), written here so the
 * numbers can be checked against R's pnorm / qnorm / pchisq / pf / qf.
 *
 * Method (textbook facts, no code taken from elsewhere):
 * - Regularised incomplete gamma P(a, x), Q(a, x) = 1 − P: the power series
 *   P = xᵃe⁻ˣ/Γ(a+1) · Σ xⁿ/((a+1)…(a+n)) when x < a + 1, otherwise Legendre's continued fraction
 *   Q = xᵃe⁻ˣ/Γ(a) · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))) (DLMF 8.7.3, 8.9.2)
 *   evaluated by the modified Lentz method (Numerical Recipes 3rd ed. §6.2).
 * - Normal CDF: Φ(z) − ½ = φ(z) Σ z²ⁿ⁺¹/(1·3·…·(2n+1)) for |z| < 1.7 (all terms positive;
 *   G. Marsaglia, "Evaluating the normal distribution", J. Stat. Softw. 11(4), 2004), and in
 *   the tails Φ(−|z|) = ½Q(½, z²/2) = ½|z|φ(z)·CF with e^{−z²/2} split as W. J. Cody's pnorm does
 *   (e^{−h²/2}·e^{−(z−h)(z+h)/2}, h = ⌊16z⌋/16 so that h² is exact), which keeps ~1e-15 relative
 *   accuracy down to Φ(−37).
 * - Normal quantile: a starting value from Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4)
 *   polished by Halley's method on the accurate CDF; residuals near p = ½ are taken on Φ − ½
 *   against p − ½ (exact for p in [¼, ¾]) so small quantiles keep their relative accuracy.
 * - ln Γ(a): Stirling's series with Bernoulli-number coefficients (DLMF 5.11.1) after shifting
 *   a to ≥ 10 with Γ(a+1) = aΓ(a).
 * - Regularised incomplete beta I_x(a, b): the continued fraction DLMF 8.17.22 by modified Lentz,
 *   on the side of the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) where it converges fast (x <
 *   (a+1)/(a+b+2)); its inverse by Newton steps safeguarded by bisection.
 */

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const EPS = 2.220446049250313e-16;
const TINY = 1e-300;
const MAX_ITER = 10_000;

function assertNumber(x: number, name: string, fn: string): void {
  if (Number.isNaN(x)) throw new RangeError(`${fn}: ${name} is NaN`);
}

function assertPositiveParameter(x: number, name: string, fn: string): void {
  if (!(x > 0) || !Number.isFinite(x)) {
    throw new RangeError(`${fn}: ${name} must be a positive finite number, got ${x}`);
  }
}

/** e^{−z²/2} with the argument split so that its rounding does not cost relative accuracy in the far tails. */
function expHalfSquare(z: number): number {
  const h = Math.trunc(z * 16) / 16;
  return Math.exp((-h * h) / 2) * Math.exp((-(z - h) * (z + h)) / 2);
}

/** Φ(z) − ½ for |z| < 1.7 by Marsaglia's series (all terms of the sign of z, no cancellation). */
function normalCentral(z: number): number {
  const z2 = z * z;
  let term = z;
  let sum = z;
  for (let k = 3; k < 200; k += 2) {
    term *= z2 / k;
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return (sum * expHalfSquare(z)) / SQRT_2PI;
}

/**
 * Legendre's continued fraction K(a, x) of the upper incomplete gamma function,
 * Γ(a, x) = xᵃ e⁻ˣ K(a, x), by the modified Lentz method; converges quickly for x > a + 1.
 */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITER; i += 1) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h;
  }
  throw new Error(`incomplete gamma continued fraction did not converge (a = ${a}, x = ${x})`);
}

/** Upper tail of the standard normal, Φ(−x) for x ≥ 1.7, = ½Q(½, x²/2) = ½xφ(x)·K(½, x²/2). */
function normalUpperTail(x: number): number {
  if (x > 40) return 0; // Φ(−40) < 1e-349: below the smallest double
  const phi = expHalfSquare(x) / SQRT_2PI;
  return 0.5 * x * phi * gammaContinuedFraction(0.5, (x * x) / 2);
}

/** Standard normal CDF Φ(z) (R `pnorm(z)`); accurate to ~1e-15 relative, including the lower tail. */
export function normalCdf(z: number): number {
  assertNumber(z, 'z', 'normalCdf');
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  if (Math.abs(z) < 1.7) return 0.5 + normalCentral(z);
  const tail = normalUpperTail(Math.abs(z));
  return z < 0 ? tail : 1 - tail;
}

/** Standard normal density φ(z). */
export function normalDensity(z: number): number {
  assertNumber(z, 'z', 'normalDensity');
  if (!Number.isFinite(z)) return 0;
  return expHalfSquare(Math.abs(z)) / SQRT_2PI;
}

/** x < 0 with Φ(x) = p for 0 < p < ¼ (starting value A&S 26.2.23, Halley steps on the tail CDF). */
function lowerTailQuantile(p: number): number {
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(
    t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
  );
  for (let i = 0; i < 50; i += 1) {
    const cdf = x <= -1.7 ? normalUpperTail(-x) : 0.5 + normalCentral(x);
    const u = (cdf - p) / normalDensity(x);
    const step = u / (1 + (x * u) / 2);
    x -= step;
    if (Math.abs(step) <= 4 * EPS * Math.abs(x)) break;
  }
  return x;
}

/** x with Φ(x) − ½ = q for |q| ≤ ¼ (Halley steps on Marsaglia's series, residual against q = p − ½). */
function centralQuantile(q: number): number {
  let x = q * SQRT_2PI;
  for (let i = 0; i < 50; i += 1) {
    const u = (normalCentral(x) - q) / normalDensity(x);
    const step = u / (1 + (x * u) / 2);
    x -= step;
    if (Math.abs(step) <= 4 * EPS * Math.abs(x)) break;
  }
  return x;
}

/** Standard normal quantile Φ⁻¹(p) (R `qnorm(p)`); −Infinity at 0, +Infinity at 1. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile: p must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (p >= 0.25 && p <= 0.75) return centralQuantile(p - 0.5);
  return p < 0.5 ? lowerTailQuantile(p) : -lowerTailQuantile(1 - p); // 1 − p is exact for p ≥ ½
}

/**
 * ln Γ(a) for a > 0 (R `lgamma`), to a few 1e-15 absolute (what the e^{… − ln Γ} factors need;
 * near the zeros at 1 and 2 that is not a small relative error): Stirling's series
 * ln Γ(z) = (z − ½)ln z − z + ½ln 2π + Σ B₂ₖ/(2k(2k−1)z²ᵏ⁻¹), k = 1…7, for z ≥ 10 (truncation
 * error < 1e-17), shifted down with ln Γ(a) = ln Γ(a + m) − ln(a(a+1)…(a+m−1)).
 */
export function logGamma(a: number): number {
  assertPositiveParameter(a, 'a', 'logGamma');
  if (a === 1 || a === 2) return 0;
  let shift = 0;
  let product = 1;
  let z = a;
  while (z < 10) {
    product *= z;
    z += 1;
    if (product > 1e280) {
      shift += Math.log(product);
      product = 1;
    }
  }
  shift += Math.log(product);
  const inv = 1 / z;
  const inv2 = inv * inv;
  // B2/2 = 1/12, B4/12 = −1/360, B6/30 = 1/1260, B8/56 = −1/1680, B10/90 = 1/1188,
  // B12/132 = −691/360360, B14/182 = 1/156.
  const series =
    inv *
    (1 / 12 +
      inv2 *
        (-1 / 360 +
          inv2 * (1 / 1260 + inv2 * (-1 / 1680 + inv2 * (1 / 1188 + inv2 * (-691 / 360360 + inv2 / 156))))));
  return (z - 0.5) * Math.log(z) - z + LN_SQRT_2PI + series - shift;
}

/** xᵃ e⁻ˣ / Γ(a), the common factor of the incomplete gamma expansions, in logs. */
function gammaPrefactor(a: number, x: number): number {
  return Math.exp(a * Math.log(x) - x - logGamma(a));
}

/** Power series of P(a, x) (converges quickly for x < a + 1). */
function gammaSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let i = 0; i < MAX_ITER; i += 1) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) return sum * gammaPrefactor(a, x);
  }
  throw new Error(`incomplete gamma series did not converge (a = ${a}, x = ${x})`);
}

/** Regularised lower incomplete gamma P(a, x) (R `pgamma(x, a)`). */
export function regularizedGammaP(a: number, x: number): number {
  assertPositiveParameter(a, 'a', 'regularizedGammaP');
  assertNumber(x, 'x', 'regularizedGammaP');
  if (x <= 0) return 0;
  if (x === Infinity) return 1;
  if (x < a + 1) return gammaSeries(a, x);
  return 1 - gammaPrefactor(a, x) * gammaContinuedFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x) (R `pgamma(x, a, lower.tail = FALSE)`). */
export function regularizedGammaQ(a: number, x: number): number {
  assertPositiveParameter(a, 'a', 'regularizedGammaQ');
  assertNumber(x, 'x', 'regularizedGammaQ');
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  if (x < a + 1) return 1 - gammaSeries(a, x);
  return gammaPrefactor(a, x) * gammaContinuedFraction(a, x);
}

/** Chi-square upper tail P(X > x) with `df` degrees of freedom = Q(df/2, x/2) (R `pchisq(x, df, lower.tail = FALSE)`). */
export function chiSquareSurvival(x: number, df: number): number {
  assertPositiveParameter(df, 'df', 'chiSquareSurvival');
  assertNumber(x, 'x', 'chiSquareSurvival');
  return regularizedGammaQ(df / 2, x / 2);
}

/** Continued fraction of I_x(a, b) (DLMF 8.17.22, modified Lentz); fast for x < (a+1)/(a+b+2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITER; m += 1) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h;
  }
  throw new Error(`incomplete beta continued fraction did not converge (a = ${a}, b = ${b}, x = ${x})`);
}

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * I_x(a, b) given both x and y = 1 − x (callers that know 1 − x exactly pass it, so the upper
 * tail keeps its relative accuracy).
 */
function incompleteBeta(x: number, y: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log(y) - logBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, y)) / b;
}

/** Regularised incomplete beta I_x(a, b) (R `pbeta(x, a, b)`). */
export function regularizedBeta(x: number, a: number, b: number): number {
  assertPositiveParameter(a, 'a', 'regularizedBeta');
  assertPositiveParameter(b, 'b', 'regularizedBeta');
  if (!(x >= 0 && x <= 1)) throw new RangeError(`regularizedBeta: x must be in [0, 1], got ${x}`);
  return incompleteBeta(x, 1 - x, a, b);
}

/**
 * x with I_x(a, b) = p (R `qbeta(p, a, b)`): Newton steps on I_x − p with the beta density as
 * derivative, falling back to bisection whenever a step leaves the bracket that brackets the root.
 */
export function inverseRegularizedBeta(p: number, a: number, b: number): number {
  assertPositiveParameter(a, 'a', 'inverseRegularizedBeta');
  assertPositiveParameter(b, 'b', 'inverseRegularizedBeta');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`inverseRegularizedBeta: p must be in [0, 1], got ${p}`);
  if (p === 0) return 0;
  if (p === 1) return 1;
  const lb = logBeta(a, b);
  let lo = 0;
  let hi = 1;
  let x = a / (a + b);
  for (let i = 0; i < 400; i += 1) {
    const f = incompleteBeta(x, 1 - x, a, b) - p;
    if (f === 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    const density = Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lb);
    let next = x - f / density;
    if (!(next > lo && next < hi) || !Number.isFinite(next)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= 2 * EPS * x || hi - lo <= 2 * EPS * lo) return next;
    x = next;
  }
  return x;
}

/** Upper tail of the F distribution, P(F > f) with (d1, d2) degrees of freedom (R `pf(f, d1, d2, lower.tail = FALSE)`). */
export function fSurvival(f: number, d1: number, d2: number): number {
  assertPositiveParameter(d1, 'd1', 'fSurvival');
  assertPositiveParameter(d2, 'd2', 'fSurvival');
  assertNumber(f, 'f', 'fSurvival');
  if (f <= 0) return 1;
  if (f === Infinity) return 0;
  // P(F > f) = I_y(d2/2, d1/2) with y = d2/(d2 + d1 f), 1 − y = d1 f/(d2 + d1 f).
  const denom = d2 + d1 * f;
  return incompleteBeta(d2 / denom, (d1 * f) / denom, d2 / 2, d1 / 2);
}

/** Quantile of the F distribution: f with P(F ≤ f) = p (R `qf(p, d1, d2)`). */
export function fQuantile(p: number, d1: number, d2: number): number {
  assertPositiveParameter(d1, 'd1', 'fQuantile');
  assertPositiveParameter(d2, 'd2', 'fQuantile');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`fQuantile: p must be in [0, 1], got ${p}`);
  if (p === 0) return 0;
  if (p === 1) return Infinity;
  // Solve on the side where the beta variate is small, so that 1 − (it) loses nothing:
  // P(F ≤ f) = I_x(d1/2, d2/2) with x = d1 f/(d1 f + d2)  ⇒  f = d2 x/(d1(1 − x));
  // P(F > f) = I_y(d2/2, d1/2) with y = d2/(d2 + d1 f) = 1 − x  ⇒  f = d2(1 − y)/(d1 y).
  if (p < 0.5) {
    const x = inverseRegularizedBeta(p, d1 / 2, d2 / 2);
    return (d2 * x) / (d1 * (1 - x));
  }
  const y = inverseRegularizedBeta(1 - p, d2 / 2, d1 / 2);
  return (d2 * (1 - y)) / (d1 * y);
}
