/**
 * Tissue properties at 3 T and the MR signal equations that turn them into image intensities.
 *
 * Relaxation times:
 * - fat and fibroglandular tissue: Rakow-Penner R et al., "Relaxation times of breast tissue at
 *   1.5T and 3T measured using IDEAL", J Magn Reson Imaging 2006;23:87-91 (3 T: fat T1 367 ms,
 *   T2 133 ms; fibroglandular T1 1445 ms, T2 54 ms);
 * - muscle and blood: Stanisz GJ et al., "T1, T2 relaxation and magnetization transfer in tissue
 *   at 3T", Magn Reson Med 2005;54:507-12 (muscle T1 1420 ms, T2 32 ms; blood T1 1932 ms,
 *   T2 275 ms);
 * - invasive carcinoma, necrosis, fibrosis, skin, lung: representative values (tumour T1 ~1.6 s
 *   and T2 ~75 ms at 3 T; necrosis fluid-like; post-treatment fibrosis short T2).
 * ADC (10⁻⁶ mm²/s): normal fibroglandular tissue ~1800-2000, invasive carcinoma ~900-1100
 * (Partridge SC et al., AJR 2009;193:1716-22; Baltzer et al., Eur Radiol 2020;30:1436-50); fat
 * has a very low apparent ADC because lipid barely diffuses.
 *
 * Signal equations (M0 ∝ proton density PD):
 * - spoiled gradient echo (DCE):  S = PD·sin α·(1 − E1)/(1 − cos α·E1),  E1 = exp(−TR·R1)
 *   (Ernst RR, Anderson WA, Rev Sci Instrum 1966;37:93; T2* decay at TE 1.8 ms neglected);
 * - spin echo / turbo spin echo (T2, DWI b = 0):  S = PD·(1 − exp(−TR/T1))·exp(−TE/T2);
 * - diffusion weighting (Stejskal EO, Tanner JE, J Chem Phys 1965;42:288):  S_b = S_0·exp(−b·ADC).
 */

export const Tissue = {
  Fat: 0,
  Fibroglandular: 1,
  Skin: 2,
  Muscle: 3,
  Lung: 4,
  Blood: 5,
  Tumour: 6,
  Necrosis: 7,
  Fibrosis: 8,
} as const;
export type Tissue = (typeof Tissue)[keyof typeof Tissue];

/** Tissues of the background anatomy (everything but the lesion), in `Tissue` order. */
export const BACKGROUND_TISSUE_COUNT = 6;

export interface TissueProperties {
  name: string;
  /** Relative proton density. */
  pd: number;
  t1Ms: number;
  t2Ms: number;
  /** Apparent diffusion coefficient, 10⁻⁶ mm²/s. */
  adc: number;
  /** Signal kept by fat suppression (1 = not fat). */
  fatSuppressedFactor: number;
  /** Signal kept on EPI / TSE by through-plane flow (flow void of the heart chambers). */
  flowFactor: number;
  /** Tofts parameters of the tissue's contrast uptake (1/min); 0 = does not enhance. */
  ktransPerMin: number;
  kepPerMin: number;
  /** Vascular plasma fraction seen directly (blood pool = 1 − haematocrit). */
  plasmaFraction: number;
}

const HAEMATOCRIT = 0.42;

export const TISSUES: readonly TissueProperties[] = [
  {
    name: 'fat',
    pd: 0.9,
    t1Ms: 367,
    t2Ms: 133,
    adc: 30,
    fatSuppressedFactor: 0.12,
    flowFactor: 1,
    ktransPerMin: 0.005,
    kepPerMin: 0.3,
    plasmaFraction: 0,
  },
  {
    name: 'fibroglandular',
    pd: 0.8,
    t1Ms: 1445,
    t2Ms: 54,
    adc: 1900,
    fatSuppressedFactor: 1,
    flowFactor: 1,
    // Background parenchymal enhancement; scaled per patient (phantom/anatomy.ts).
    ktransPerMin: 0.04,
    kepPerMin: 0.4,
    plasmaFraction: 0,
  },
  {
    name: 'skin',
    pd: 0.7,
    t1Ms: 1000,
    t2Ms: 40,
    adc: 1500,
    fatSuppressedFactor: 1,
    flowFactor: 1,
    ktransPerMin: 0.05,
    kepPerMin: 0.5,
    plasmaFraction: 0,
  },
  {
    name: 'muscle',
    pd: 0.75,
    t1Ms: 1420,
    t2Ms: 32,
    adc: 1500,
    fatSuppressedFactor: 1,
    flowFactor: 1,
    ktransPerMin: 0.06,
    kepPerMin: 0.6,
    plasmaFraction: 0,
  },
  {
    name: 'lung',
    pd: 0.1,
    t1Ms: 1300,
    t2Ms: 30,
    adc: 2500,
    fatSuppressedFactor: 1,
    flowFactor: 1,
    ktransPerMin: 0.02,
    kepPerMin: 0.5,
    plasmaFraction: 0,
  },
  {
    name: 'blood',
    pd: 0.9,
    t1Ms: 1932,
    t2Ms: 275,
    adc: 3000,
    fatSuppressedFactor: 1,
    flowFactor: 0.08,
    ktransPerMin: 0,
    kepPerMin: 0,
    plasmaFraction: 1 - HAEMATOCRIT,
  },
  {
    name: 'tumour',
    pd: 0.85,
    t1Ms: 1600,
    t2Ms: 75,
    adc: 1000,
    fatSuppressedFactor: 1,
    flowFactor: 1,
    ktransPerMin: 0.35,
    kepPerMin: 1.3,
    plasmaFraction: 0,
  },
  {
    name: 'necrosis',
    pd: 0.95,
    t1Ms: 2500,
    t2Ms: 250,
    adc: 2400,
    fatSuppressedFactor: 1,
    flowFactor: 1,
    ktransPerMin: 0.01,
    kepPerMin: 0.2,
    plasmaFraction: 0,
  },
  {
    name: 'fibrosis',
    pd: 0.6,
    t1Ms: 1200,
    t2Ms: 40,
    adc: 1400,
    fatSuppressedFactor: 1,
    flowFactor: 1,
    ktransPerMin: 0.015,
    kepPerMin: 0.3,
    plasmaFraction: 0,
  },
];

export function tissue(t: Tissue): TissueProperties {
  return TISSUES[t]!;
}

/** Spoiled gradient-echo steady state (Ernst equation), per unit M0. */
export function spgrSignal(pd: number, r1PerS: number, trMs: number, flipDeg: number): number {
  const a = (flipDeg * Math.PI) / 180;
  const e1 = Math.exp(-(trMs / 1000) * r1PerS);
  return (pd * Math.sin(a) * (1 - e1)) / (1 - Math.cos(a) * e1);
}

/** `spgrSignal` for a fixed TR and flip angle, with the trigonometry done once. */
export function spgrAt(trMs: number, flipDeg: number): (pd: number, r1PerS: number) => number {
  const a = (flipDeg * Math.PI) / 180;
  const sin = Math.sin(a);
  const cos = Math.cos(a);
  const tr = trMs / 1000;
  return (pd, r1PerS) => {
    const e1 = Math.exp(-tr * r1PerS);
    return (pd * sin * (1 - e1)) / (1 - cos * e1);
  };
}

/** Spin echo with full refocusing, per unit M0. */
export function spinEchoSignal(pd: number, t1Ms: number, t2Ms: number, trMs: number, teMs: number): number {
  return pd * (1 - Math.exp(-trMs / t1Ms)) * Math.exp(-teMs / t2Ms);
}

/** Stejskal–Tanner: S_b / S_0 for b in s/mm² and ADC in 10⁻⁶ mm²/s. */
export function diffusionAttenuation(bValue: number, adc: number): number {
  return Math.exp(-bValue * adc * 1e-6);
}
