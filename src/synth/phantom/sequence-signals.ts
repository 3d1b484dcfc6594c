/**
 * Per-sequence signal models: what each background tissue and each lesion voxel looks like on
 * DCE (every phase), T2 and DWI (every b value), in scanner units before the bias field and
 * noise. Intensities are scaled so that a reference tissue lands at a typical stored value of a
 * 12-bit scanner (0-4095): fibroglandular tissue ~450 before contrast on DCE, fat ~1300 on T2,
 * fibroglandular tissue ~500 at b = 0 on DWI. Noise SDs give SNR ~25 (DCE), ~37 (T2) and ~23
 * (DWI b = 0) on those tissues.
 */
import type { StudyProtocol } from '../protocols.ts';
import {
  minutesAfterInjection,
  plasmaConcentration,
  RELAXIVITY_PER_MM_PER_S,
  toftsConcentration,
  ToftsSampler,
} from './contrast-kinetics.ts';
import type { LesionVoxel } from './lesion.ts';
import type { StudyPhantom } from './patient-phantom.ts';
import {
  BACKGROUND_TISSUE_COUNT,
  diffusionAttenuation,
  spgrAt,
  spgrSignal,
  spinEchoSignal,
  Tissue,
  tissue,
  TISSUES,
  type TissueProperties,
} from './tissues.ts';

export interface SignalModel {
  /** Number of images rendered together (DCE phases, DWI b values, 1 for T2). */
  outputs: number;
  /** SD of the complex noise per channel, scanner units. */
  noiseSigma: number;
  /** Signal of background tissue t in output o at `t * outputs + o`. */
  background: Float64Array;
  /** Signal of a lesion voxel in every output. */
  lesion(v: LesionVoxel, out: Float64Array): void;
}

const DCE_REFERENCE = 450;
const T2_REFERENCE = 1300;
const DWI_REFERENCE = 500;
const DCE_NOISE = 18;
const T2_NOISE = 35;
const DWI_NOISE = 22;

export function dceSignalModel(protocol: StudyProtocol['dce'], study: StudyPhantom): SignalModel {
  const { repetitionTimeMs: tr, flipAngleDeg: fa } = protocol.acquisition;
  const times = protocol.phases.map((p) =>
    minutesAfterInjection(p.triggerTimeMs, protocol.contrastInjectionTimeMs),
  );
  const fatSat = (t: TissueProperties): number =>
    protocol.acquisition.fatSuppressed ? t.fatSuppressedFactor : 1;
  const fgt = tissue(Tissue.Fibroglandular);
  const scale = (DCE_REFERENCE / spgrSignal(fgt.pd, 1000 / fgt.t1Ms, tr, fa)) * study.gain.DCE;
  const n = times.length;
  const background = new Float64Array(BACKGROUND_TISSUE_COUNT * n);
  for (let t = 0; t < BACKGROUND_TISSUE_COUNT; t += 1) {
    const props = TISSUES[t]!;
    // Background parenchymal enhancement varies by patient and falls after chemotherapy.
    const ktrans =
      t === Tissue.Fibroglandular ? props.ktransPerMin * study.backgroundEnhancement : props.ktransPerMin;
    for (let o = 0; o < n; o += 1) {
      const c =
        props.plasmaFraction > 0
          ? props.plasmaFraction * plasmaConcentration(times[o]!)
          : toftsConcentration(ktrans, props.kepPerMin, times[o]!);
      const r1 = 1000 / props.t1Ms + RELAXIVITY_PER_MM_PER_S * c;
      background[t * n + o] = scale * fatSat(props) * spgrSignal(props.pd, r1, tr, fa);
    }
  }
  const tofts = new ToftsSampler(times);
  const spgr = spgrAt(tr, fa);
  const r1 = RELAXIVITY_PER_MM_PER_S;
  return {
    outputs: n,
    noiseSigma: DCE_NOISE * study.gain.DCE,
    background,
    lesion(v, out) {
      const props = TISSUES[v.tissue]!;
      const r10 = 1000 / props.t1Ms;
      for (let o = 0; o < n; o += 1) {
        out[o] = scale * spgr(props.pd, r10 + r1 * tofts.concentration(v.ktransPerMin, v.kepPerMin, o));
      }
    },
  };
}

export function t2SignalModel(protocol: StudyProtocol['t2'], study: StudyPhantom): SignalModel {
  const { repetitionTimeMs: tr, echoTimeMs: te } = protocol.acquisition;
  const fat = tissue(Tissue.Fat);
  const scale = (T2_REFERENCE / spinEchoSignal(fat.pd, fat.t1Ms, fat.t2Ms, tr, te)) * study.gain.T2;
  const background = new Float64Array(BACKGROUND_TISSUE_COUNT);
  for (let t = 0; t < BACKGROUND_TISSUE_COUNT; t += 1) {
    const p = TISSUES[t]!;
    background[t] = scale * p.flowFactor * spinEchoSignal(p.pd, p.t1Ms, p.t2Ms, tr, te);
  }
  return {
    outputs: 1,
    noiseSigma: T2_NOISE * study.gain.T2,
    background,
    lesion(v, out) {
      const p = TISSUES[v.tissue]!;
      out[0] = scale * spinEchoSignal(p.pd, p.t1Ms, v.t2Ms, tr, te);
    },
  };
}

export function dwiSignalModel(protocol: StudyProtocol['dwi'], study: StudyPhantom): SignalModel {
  const { repetitionTimeMs: tr, echoTimeMs: te } = protocol.acquisition;
  const bValues = protocol.bValues;
  const n = bValues.length;
  const fatSat = (t: TissueProperties): number =>
    protocol.acquisition.fatSuppressed ? t.fatSuppressedFactor : 1;
  const fgt = tissue(Tissue.Fibroglandular);
  const scale = (DWI_REFERENCE / spinEchoSignal(fgt.pd, fgt.t1Ms, fgt.t2Ms, tr, te)) * study.gain.DWI;
  const background = new Float64Array(BACKGROUND_TISSUE_COUNT * n);
  for (let t = 0; t < BACKGROUND_TISSUE_COUNT; t += 1) {
    const p = TISSUES[t]!;
    const s0 = scale * fatSat(p) * p.flowFactor * spinEchoSignal(p.pd, p.t1Ms, p.t2Ms, tr, te);
    for (let o = 0; o < n; o += 1) background[t * n + o] = s0 * diffusionAttenuation(bValues[o]!, p.adc);
  }
  return {
    outputs: n,
    noiseSigma: DWI_NOISE * study.gain.DWI,
    background,
    lesion(v, out) {
      const p = TISSUES[v.tissue]!;
      const s0 = scale * spinEchoSignal(p.pd, p.t1Ms, v.t2Ms, tr, te);
      for (let o = 0; o < n; o += 1) out[o] = s0 * diffusionAttenuation(bValues[o]!, v.adc);
    },
  };
}
