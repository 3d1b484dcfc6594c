/**
 * The images of one synthetic patient: a pre-NAT and a post-NAT multiparametric breast MRI study
 * (DCE phases, T2, DWI b values and the derived ADC map), each series with the tumour ROI a
 * radiologist would draw on its own grid, and the ground truth the images were made from.
 *
 * Pure computation, no I/O: the cohort writer turns the result into DICOM. Everything is drawn
 * from the patient's image stream, `patientImageStream(root, index)` of the cohort's root stream,
 * so the images of patient k do not depend on other patients, and the phantom (anatomy, tumour,
 * response) is the same for every protocol size; only the grids and the noise differ.
 */
import { createVolume, type Geometry, type Mask, type Vec3, type Volume } from '../imaging/volume.ts';
import { patientStream, type GeneratingModel, type SyntheticPatient } from './generating-model.ts';
import {
  drawPatientPhantom,
  fieldOfViewTarget,
  type PatientPhantom,
  type StudyLabel,
  type StudyPhantom,
} from './phantom/patient-phantom.ts';
import { adcMap, prepareFields, renderSeries, type LesionTruth } from './phantom/render.ts';
import { dceSignalModel, dwiSignalModel, t2SignalModel } from './phantom/sequence-signals.ts';
import { studyProtocol, type ProtocolSize, type StudyProtocol } from './protocols.ts';
import type { Rng } from './random.ts';

export interface DcePhaseImage {
  volume: Volume<Uint16Array>;
  temporalPositionIdentifier: number;
  triggerTimeMs: number;
}

export interface StudyImages {
  dce: { phases: DcePhaseImage[]; mask: Mask };
  t2: { volume: Volume<Uint16Array>; mask: Mask };
  dwi: { b: { bValue: number; volume: Volume<Uint16Array> }[]; mask: Mask };
  /** ADC in 10⁻⁶ mm²/s on the DWI grid. */
  adc: { volume: Volume<Uint16Array>; mask: Mask };
  /** Grids and acquisition parameters of every series. */
  protocol: StudyProtocol;
  /** Noise-free ground truth of the study (JSON-serialisable). */
  truth: StudyTruth;
}

/**
 * What the images of one study were generated from (noise-free), for tests and evaluation. Means
 * over an empty ROI (a scar when the model asks for empty ROIs) are NaN, written as null in JSON.
 */
export interface StudyTruth {
  study: StudyLabel;
  /** 'scar' only after NAT for a complete responder when the model asks for empty ROIs. */
  lesionKind: 'tumour' | 'scar';
  /** Whether the ROIs hold the tumour (false = empty ROIs). */
  roiExpected: boolean;
  /** Analytic volume of the lesion (mL), necrotic core included. */
  tumourVolumeMl: number;
  /** Diameter (mm) of the sphere of the same volume. */
  equivalentDiameterMm: number;
  /** Centre of the lesion in the study's world coordinates (LPS mm). */
  tumourCentreMm: Vec3;
  /** Mean over the DCE ROI of the lesion's relative enhancement (S_t − S_pre)/S_pre at the first post-contrast phase. */
  meanEnhancement: number;
  /** Same, at every phase (0 for the pre-contrast phase). */
  meanEnhancementByPhase: number[];
  /** Mean lesion ADC over the DWI ROI, 10⁻⁶ mm²/s. */
  meanAdc: number;
  meanKtransPerMin: number;
  necroticFraction: number;
  /** Lesion parameters (before texture and rim modulation). */
  ktransPerMin: number;
  kepPerMin: number;
  adc: number;
  textureAmplitude: number;
  /** ROI volumes (mL) measured on each series' grid. */
  roiVolumeMl: { DCE: number; T2: number; DWI: number; ADC: number };
}

export interface ResponseSummary {
  /** V_post / V_pre of the lesion. */
  volumeRatio: number;
  /** Radiological complete response: only a residual focus (or a scar) is left. */
  completeResponse: boolean;
  side: 'left' | 'right';
  /** Nominal longest pre-NAT diameter (mm), drawn from the cT range. */
  preDiameterMm: number;
}

export interface PatientImages {
  pre: StudyImages;
  post: StudyImages;
  response: ResponseSummary;
  /** The continuous phantom the images sample (not serialisable; for tests and tools). */
  phantom: PatientPhantom;
}

function voxelMl(g: Geometry): number {
  return (g.spacingMm[0] * g.spacingMm[1] * g.spacingMm[2]) / 1000;
}

function maskVolumeMl(mask: Mask): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i += 1) n += mask.data[i]!;
  return n * voxelMl(mask);
}

function renderStudy(study: StudyPhantom, protocol: StudyProtocol, rng: Rng): StudyImages {
  const size = protocol.size;
  const noise = (series: string): Rng => rng.fork(`noise/${size}/${study.study}/${series}`);

  const dceModel = dceSignalModel(protocol.dce, study);
  const dce = renderSeries(study, protocol.dce.geometry, dceModel, noise('DCE'));
  const t2 = renderSeries(study, protocol.t2.geometry, t2SignalModel(protocol.t2, study), noise('T2'));
  const dwiModel = dwiSignalModel(protocol.dwi, study);
  const dwi = renderSeries(study, protocol.dwi.geometry, dwiModel, noise('DWI'));

  const b0 = protocol.dwi.bValues.indexOf(0);
  const bHigh = protocol.dwi.bValues.findIndex((b) => b > 0);
  if (b0 < 0 || bHigh < 0) throw new Error('the DWI protocol needs b = 0 and a b > 0');
  const adc = adcMap(
    dwi.images[b0]!,
    dwi.images[bHigh]!,
    protocol.dwi.bValues[bHigh]!,
    5 * dwiModel.noiseSigma,
  );

  const dceGeometry = protocol.dce.geometry;
  const dwiGeometry = protocol.dwi.geometry;
  const adcGeometry = protocol.adc.geometry;
  const images: Omit<StudyImages, 'truth'> = {
    protocol,
    dce: {
      phases: protocol.dce.phases.map((p, n) => ({
        volume: createVolume(dceGeometry, dce.images[n]!),
        temporalPositionIdentifier: p.temporalPositionIdentifier,
        triggerTimeMs: p.triggerTimeMs,
      })),
      mask: createVolume(dceGeometry, dce.mask),
    },
    t2: {
      volume: createVolume(protocol.t2.geometry, t2.images[0]!),
      mask: createVolume(protocol.t2.geometry, t2.mask),
    },
    dwi: {
      b: protocol.dwi.bValues.map((bValue, n) => ({
        bValue,
        volume: createVolume(dwiGeometry, dwi.images[n]!),
      })),
      mask: createVolume(dwiGeometry, dwi.mask),
    },
    adc: { volume: createVolume(adcGeometry, adc), mask: createVolume(adcGeometry, dwi.mask.slice()) },
  };

  const lesion = study.lesion;
  const enhancement = (t: LesionTruth): number[] => t.meanRatio.map((r) => r - 1);
  const byPhase = enhancement(dce.truth);
  const o = study.offsetMm;
  const c = lesion.centreMm;
  const truth: StudyTruth = {
    study: study.study,
    lesionKind: lesion.params.kind,
    roiExpected: study.roiExpected,
    tumourVolumeMl: lesion.volumeMm3 / 1000,
    equivalentDiameterMm: 2 * Math.cbrt((3 * lesion.volumeMm3) / (4 * Math.PI)),
    tumourCentreMm: [c[0] + o[0], c[1] + o[1], c[2] + o[2]],
    meanEnhancement: byPhase[1] ?? NaN,
    meanEnhancementByPhase: byPhase,
    meanAdc: dwi.truth.meanAdc,
    meanKtransPerMin: dce.truth.meanKtransPerMin,
    necroticFraction: dce.truth.necroticFraction,
    ktransPerMin: lesion.params.ktransPerMin,
    kepPerMin: lesion.params.kepPerMin,
    adc: lesion.params.adc,
    textureAmplitude: lesion.params.textureAmplitude,
    roiVolumeMl: {
      DCE: maskVolumeMl(images.dce.mask),
      T2: maskVolumeMl(images.t2.mask),
      DWI: maskVolumeMl(images.dwi.mask),
      ADC: maskVolumeMl(images.adc.mask),
    },
  };
  return { ...images, truth };
}

/** The image stream of patient `index` below the cohort's root stream. */
export function patientImageStream(root: Rng, index: number): Rng {
  return patientStream(root, index).fork('images');
}

/**
 * Both MRI studies of `patient`, drawn from `rng`, which should be the patient's image stream
 * `patientImageStream(root, patient.index)` (any stream works; the same stream gives the same
 * images).
 */
export function generatePatientImages(
  model: GeneratingModel,
  patient: SyntheticPatient,
  protocolSize: ProtocolSize,
  rng: Rng,
): PatientImages {
  const phantom = drawPatientPhantom(model, patient, rng.fork('phantom'));
  const preProtocol = studyProtocol(protocolSize, fieldOfViewTarget(phantom.pre));
  const postProtocol = studyProtocol(protocolSize, fieldOfViewTarget(phantom.post));
  prepareFields(
    (
      [
        [phantom.pre, preProtocol],
        [phantom.post, postProtocol],
      ] as const
    ).flatMap(([study, p]) => [p.dce, p.t2, p.dwi].map((series) => ({ study, geometry: series.geometry }))),
  );
  return {
    pre: renderStudy(phantom.pre, preProtocol, rng),
    post: renderStudy(phantom.post, postProtocol, rng),
    response: {
      volumeRatio: phantom.response.volumeRatio,
      completeResponse: phantom.response.completeResponse,
      side: phantom.side,
      preDiameterMm: phantom.preDiameterMm,
    },
    phantom,
  };
}
