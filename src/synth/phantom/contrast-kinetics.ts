/**
 * Contrast agent kinetics for the DCE series.
 *
 * Plasma concentration: the bi-exponential population input function of Weinmann et al. as used
 * by Tofts and Kermode (Tofts PS, Kermode AG, "Measurement of the blood-brain barrier
 * permeability and leakage space using dynamic MR imaging. 1. Fundamental concepts", Magn Reson
 * Med 1991;17:357-67):
 *
 *   Cp(t) = D·(a1·e^(−m1·t) + a2·e^(−m2·t)),  D = 0.1 mmol/kg, a1 = 3.99 kg/L, a2 = 4.78 kg/L,
 *                                              m1 = 0.144 /min, m2 = 0.0111 /min.
 *
 * Tissue concentration: the standard Tofts model, Ct = Ktrans · (Cp ⊛ e^(−kep·t)) (Tofts PS et al.,
 * J Magn Reson Imaging 1999;10:223-32), which for the bi-exponential Cp has the closed form
 *
 *   Ct(t) = Ktrans·D·Σ_i a_i·(e^(−m_i·t) − e^(−kep·t)) / (kep − m_i).
 *
 * Slow kep gives persistent uptake, fast kep an early peak and wash-out: the BI-RADS curve types.
 * Concentration changes R1 linearly with the relaxivity r1 (R1 = R10 + r1·Ct); r1 = 5.0 L/(mmol·s)
 * for gadobutrol in plasma at 3 T (Rohrer M et al., Invest Radiol 2005;40:715-24).
 */

export const DOSE_MMOL_PER_KG = 0.1;
const A1 = 3.99;
const A2 = 4.78;
const M1 = 0.144;
const M2 = 0.0111;
export const RELAXIVITY_PER_MM_PER_S = 5.0;

/** Plasma concentration (mmol/L) t minutes after the bolus; 0 before it. */
export function plasmaConcentration(tMin: number): number {
  if (tMin <= 0) return 0;
  return DOSE_MMOL_PER_KG * (A1 * Math.exp(-M1 * tMin) + A2 * Math.exp(-M2 * tMin));
}

function toftsTerm(a: number, m: number, kep: number, tMin: number): number {
  const d = kep - m;
  // kep → m: (e^(−m t) − e^(−kep t)) / (kep − m) → t·e^(−m t).
  if (Math.abs(d) < 1e-9) return a * tMin * Math.exp(-m * tMin);
  return (a * (Math.exp(-m * tMin) - Math.exp(-kep * tMin))) / d;
}

/** Tissue concentration (mmol/L) of the Tofts model t minutes after the bolus. */
export function toftsConcentration(ktransPerMin: number, kepPerMin: number, tMin: number): number {
  if (tMin <= 0 || ktransPerMin <= 0) return 0;
  return (
    ktransPerMin *
    DOSE_MMOL_PER_KG *
    (toftsTerm(A1, M1, kepPerMin, tMin) + toftsTerm(A2, M2, kepPerMin, tMin))
  );
}

/** Minutes since the bolus for a phase acquired at `triggerTimeMs` (bolus at `injectionTimeMs`). */
export function minutesAfterInjection(triggerTimeMs: number, injectionTimeMs: number): number {
  return Math.max(0, (triggerTimeMs - injectionTimeMs) / 60_000);
}

/**
 * The Tofts closed form at fixed sample times, with the input function's exponentials computed
 * once: per voxel and phase only e^(−kep·t) remains.
 */
export class ToftsSampler {
  private readonly times: Float64Array;
  private readonly e1: Float64Array;
  private readonly e2: Float64Array;

  constructor(timesMin: readonly number[]) {
    this.times = Float64Array.from(timesMin);
    this.e1 = this.times.map((t) => Math.exp(-M1 * t));
    this.e2 = this.times.map((t) => Math.exp(-M2 * t));
  }

  get length(): number {
    return this.times.length;
  }

  /** Ct (mmol/L) at sample `n`; equals `toftsConcentration(ktrans, kep, times[n])`. */
  concentration(ktransPerMin: number, kepPerMin: number, n: number): number {
    const t = this.times[n]!;
    if (t <= 0 || ktransPerMin <= 0) return 0;
    const d1 = kepPerMin - M1;
    const d2 = kepPerMin - M2;
    if (Math.abs(d1) < 1e-9 || Math.abs(d2) < 1e-9) return toftsConcentration(ktransPerMin, kepPerMin, t);
    const ek = Math.exp(-kepPerMin * t);
    return (
      ktransPerMin * DOSE_MMOL_PER_KG * ((A1 * (this.e1[n]! - ek)) / d1 + (A2 * (this.e2[n]! - ek)) / d2)
    );
  }
}
