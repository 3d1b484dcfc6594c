/**
 * Orthogonal wavelet filter banks, by PyWavelets name, built exactly as PyWavelets builds them so
 * that the stationary wavelet transform (stationary-wavelet.ts) reproduces PyRadiomics' `Wavelet`
 * image type (which calls `pywt.swtn`) to the last bits.
 *
 * Source of the numbers: PyWavelets, `pywt/_extensions/c/wavelets_coeffs.template.h` (one set of
 * scaling coefficients per wavelet; Daubechies and Coiflets as computed by K. Hatano, Aichi
 * Institute of Technology, with 60 significant digits). Source of the derivation:
 * PyWavelets `pywt/_extensions/c/wavelets.c`, function `wavelet()`: with c the stored coefficients
 * and F their count,
 *
 *   rec_lo[i] = s·c[i]
 *   dec_lo[i] = s·c[F−1−i]                 (the time reverse of rec_lo)
 *   rec_hi[i] = (−1)^i · s·c[F−1−i]
 *   dec_hi[i] = (−1)^(F−1−i) · s·c[i]      (quadrature mirror of dec_lo)
 *
 * where s = √2 for the Coiflets (stored normalised to Σc = 1) and s = 1 otherwise (stored with
 * Σc = √2). `haar` is `db1` under another name. For single precision PyWavelets rounds each stored
 * literal to float and multiplies by float(√2) in float arithmetic; `precision: 'float32'` does
 * the same with Math.fround.
 *
 * Cross-check of coif1: the length-6 coiflet has the closed form
 * c = [1−√7, 5+√7, 14+2√7, 14−2√7, 1−√7, −3+√7] / 32 (Daubechies, "Ten Lectures on Wavelets",
 * 1992, §8.2 tabulates it numerically); it satisfies Σc = 1 and Σc² = 1/2 exactly (the √7 terms
 * cancel: (16 − 4√7 + 32 + 10√7 + 224 + 56√7 + 224 − 56√7 + 16 − 6√7) / 1024 = 1/2). The test
 * compares the stored values with it and checks orthonormality of every bank.
 */

export type WaveletPrecision = 'float64' | 'float32';

export interface WaveletFilterBank {
  /** PyWavelets name, e.g. 'coif1'. */
  name: string;
  /** Analysis (decomposition) low-pass filter, as `pywt.Wavelet(name).dec_lo`. */
  decLo: Float64Array;
  /** Analysis high-pass filter, as `pywt.Wavelet(name).dec_hi`. */
  decHi: Float64Array;
  /** Synthesis low-pass filter, as `pywt.Wavelet(name).rec_lo`. */
  recLo: Float64Array;
  /** Synthesis high-pass filter, as `pywt.Wavelet(name).rec_hi`. */
  recHi: Float64Array;
  precision: WaveletPrecision;
}

interface Scaling {
  /**
   * Stored coefficients as printed in wavelets_coeffs.template.h (rec_lo order), kept as decimal
   * strings: Number() rounds them to the nearest double, as the C compiler does with the literals.
   */
  c: readonly string[];
  /** true for the Coiflets, which PyWavelets multiplies by sqrt2 (wavelets.c, case COIF). */
  timesSqrt2: boolean;
}

// Values: PyWavelets wavelets_coeffs.template.h (db1–db4, coif1–coif2 with 60 digits). The
// symlets are left out on purpose: PyWavelets stores them with 17 digits only, orthonormal to about
// 1e-12, which fails the 1e-14 checks of wavelet-filters.test.ts.
const DB1 = [
  '7.071067811865475244008443621048490392848359376884740365883398e-1',
  '7.071067811865475244008443621048490392848359376884740365883398e-1',
];
const DB2 = [
  '4.829629131445341433748715998644486838169524195042022752011715e-1',
  '8.365163037378079055752937809168732034593703883484392934953414e-1',
  '2.241438680420133810259727622404003554678835181842717613871683e-1',
  '-1.294095225512603811744494188120241641745344506599652569070016e-1',
];
const DB3 = [
  '3.326705529500826159985115891390056300129233992450683597084705e-1',
  '8.06891509311092576494493604088713490519297394994823618165092e-1',
  '4.598775021184915700951519421476167208081101774314923066433867e-1',
  '-1.350110200102545886963899066993744805622198452237811919756862e-1',
  '-8.544127388202666169281916918177331153619763898808662976351748e-2',
  '3.522629188570953660274066471551002932775838791743161039893406e-2',
];
const DB4 = [
  '2.303778133088965008632911830440708500016152482483092977910968e-1',
  '7.14846570552915647089921955273992603707608401099308175845011e-1',
  '6.308807679298589078817163383006152202032229226771951174057473e-1',
  '-2.798376941685985421141374718007538541198732022449175284003358e-2',
  '-1.87034811719093084079570672789081419584544174374580091205777e-1',
  '3.084138183556076362721936253495905017031482172003403341821219e-2',
  '3.288301166688519973540751354924438866454194113754971259727278e-2',
  '-1.059740178506903210488320852402722918109996490637641983484974e-2',
];
const COIF1 = [
  '-5.142972847076845595317549230122688830344559947132656813651045e-2',
  '2.389297284707684559531754923012268883034455994713265681365104e-1',
  '6.028594569415369119063509846024537766068911989426531362730209e-1',
  '2.72140543058463088093649015397546223393108801057346863726979e-1',
  '-5.142972847076845595317549230122688830344559947132656813651045e-2',
  '-1.107027152923154404682450769877311169655440052867343186348954e-2',
];
const COIF2 = [
  '1.158759673871686817889714882853120395708315073355502818875931e-2',
  '-2.932013798346856448679594524397843054053420947418409889774786e-2',
  '-4.763959031100813225872995081511549408622753909592460525840745e-2',
  '2.730210465347666137982239328923516270034828327990699588033501e-1',
  '5.746823938568638472459483149751499367740786490481481391460366e-1',
  '2.948671936956191896750637208703777973914107635455611537640778e-1',
  '-5.408560709171142997443672832006888537570221990444706777525838e-2',
  '-4.202648046077160694657530752545884878978719268926222513485613e-2',
  '1.674441016327950635146257083249391698866289538037299820224006e-2',
  '3.967883612962012109043447090269950094081810916481648252817197e-3',
  '-1.289203356140659543141355500990678257894936161704492503370186e-3',
  '-5.095053991076441489598480835620951586540050976664367876412655e-4',
];

const SCALING: Readonly<Record<string, Scaling>> = {
  haar: { c: DB1, timesSqrt2: false },
  db1: { c: DB1, timesSqrt2: false },
  db2: { c: DB2, timesSqrt2: false },
  db3: { c: DB3, timesSqrt2: false },
  db4: { c: DB4, timesSqrt2: false },
  coif1: { c: COIF1, timesSqrt2: true },
  coif2: { c: COIF2, timesSqrt2: true },
};

/** Wavelet names this module can build (a subset of `pywt.wavelist(kind='discrete')`). */
export const SUPPORTED_WAVELETS: readonly string[] = Object.keys(SCALING);

export class UnknownWaveletError extends Error {
  constructor(name: string) {
    super(`wavelet '${name}' is not supported; supported: ${SUPPORTED_WAVELETS.join(', ')}`);
    this.name = 'UnknownWaveletError';
  }
}

/**
 * The four filters of `pywt.Wavelet(name)` in the given precision (values of a float32 bank are
 * float32 numbers held in a Float64Array). Derivation and sources in the module comment.
 */
export function waveletFilterBank(name: string, precision: WaveletPrecision = 'float64'): WaveletFilterBank {
  const scaling = Object.hasOwn(SCALING, name) ? SCALING[name] : undefined;
  if (scaling === undefined) throw new UnknownWaveletError(name);
  const round = precision === 'float32' ? Math.fround : (v: number): number => v;
  // C: `coif_float[..][i] * sqrt2_float`; each operand is a float and the product is rounded to
  // float. The stored literal is a double constant converted to float, hence fround(double).
  const sqrt2 = round(Math.SQRT2);
  const c = scaling.c.map(Number).map((v) => (scaling.timesSqrt2 ? round(round(v) * sqrt2) : round(v)));
  const F = c.length;
  const decLo = new Float64Array(F);
  const decHi = new Float64Array(F);
  const recLo = new Float64Array(F);
  const recHi = new Float64Array(F);
  for (let i = 0; i < F; i += 1) {
    recLo[i] = c[i]!;
    decLo[i] = c[F - 1 - i]!;
    recHi[i] = (i % 2 ? -1 : 1) * c[F - 1 - i]!;
    decHi[i] = ((F - 1 - i) % 2 ? -1 : 1) * c[i]!;
  }
  return { name, decLo, decHi, recLo, recHi, precision };
}
