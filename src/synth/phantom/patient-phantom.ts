/**
 * One patient's phantom for both studies: the anatomy (shared), the lesion before NAT and after
 * it (the same lobulated shape, shrunk and changed by the latent response r as the generating
 * model says), where the patient lay in the scanner each time, the coil bias field and the
 * receiver gains. Drawn from the patient's image stream only, so the same patient gets the same
 * phantom for every protocol size.
 */
import type { Vec3 } from '../../imaging/volume.ts';
import type { GeneratingModel, LatentLinear, SyntheticPatient } from '../generating-model.ts';
import type { FieldOfViewTarget } from '../protocols.ts';
import { REALISTIC_SIZE, SPACING_MM } from '../protocols.ts';
import { hashSeed32, type Rng } from '../random.ts';
import { Anatomy, drawAnatomy } from './anatomy.ts';
import { BiasField } from './bias-field.ts';
import { Lesion, type LesionParameters } from './lesion.ts';
import { boundingRadiusMm, drawLobulatedShape } from './lobulated-shape.ts';
import type { SmoothField } from './smooth-field.ts';

export type StudyLabel = 'pre' | 'post';
export type ImagedSequence = 'DCE' | 'T2' | 'DWI';

export interface StudyPhantom {
  study: StudyLabel;
  anatomy: Anatomy;
  lesion: Lesion;
  /** World (scanner LPS) = phantom + offset: the patient lies a little differently each time. */
  offsetMm: Vec3;
  bias: BiasField;
  /** Receiver gain of each series relative to nominal (scanners rescale every series). */
  gain: Record<ImagedSequence, number>;
  /** Multiplier of background parenchymal enhancement (lower after chemotherapy). */
  backgroundEnhancement: number;
  /** Whether a radiologist would draw a tumour ROI (false only for a scar when the model asks). */
  roiExpected: boolean;
  /** Radius about the lesion centre that small fields of view must keep (the pre-NAT tumour). */
  fieldOfViewRadiusMm: number;
}

export interface ResponseTruth {
  /** V_post / V_pre of the drawn lesions. */
  volumeRatio: number;
  /** Radiological complete response (the model's volume ratio fell below the threshold). */
  completeResponse: boolean;
}

export interface PatientPhantom {
  side: 'left' | 'right';
  /** Nominal longest pre-NAT diameter (mm) drawn from the cT range. */
  preDiameterMm: number;
  pre: StudyPhantom;
  post: StudyPhantom;
  response: ResponseTruth;
}

function latentLinear(rng: Rng, spec: LatentLinear, r: number): number {
  return spec.intercept + spec.latent * r + spec.sd * rng.normal();
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

export function drawPatientPhantom(
  model: GeneratingModel,
  patient: SyntheticPatient,
  rng: Rng,
): PatientPhantom {
  const im = model.imaging;
  const r = patient.latentResponse;
  const anatomy = new Anatomy(drawAnatomy(rng.fork('anatomy')));
  const a = anatomy.params;

  // Tumour size from cT, position inside one breast, kept within the bilateral field of view.
  const shapeRng = rng.fork('tumour-shape');
  const range = im.tumourDiameterMm[patient.clinical.cT];
  const diameter = shapeRng.uniformIn(range.min, range.max);
  const side = shapeRng.bernoulli(0.5) ? 'left' : 'right';
  const [ax, ay, az] = a.breastSemiAxesMm;
  const provisional = drawLobulatedShape(shapeRng, diameter, [0, 0, 0]);
  const radius = boundingRadiusMm(provisional);
  const sign = side === 'left' ? 1 : -1;
  const halfFovX = (REALISTIC_SIZE.DCE[0] * SPACING_MM.DCE[0]) / 2 - 8;
  const halfFovZ = (REALISTIC_SIZE.DCE[2] * SPACING_MM.DCE[2]) / 2 - 8;
  const x = clamp(a.breastCentreXMm + shapeRng.uniformIn(-0.35, 0.35) * ax, 20, halfFovX - radius);
  const z = clamp(
    a.breastCentreZMm + shapeRng.uniformIn(-0.3, 0.3) * az,
    -halfFovZ + radius,
    halfFovZ - radius,
  );
  const y = anatomy.chestSurfaceY(x) - ay * shapeRng.uniformIn(0.3, 0.55);
  const shape = { ...provisional, centreMm: [sign * x, y, z] as Vec3 };

  // Pre-NAT lesion.
  const preRng = rng.fork('tumour-pre');
  const p = im.pre;
  const erNegative = patient.clinical.er.status === 'negative';
  const hasCore = diameter > 25 && preRng.bernoulli(erNegative ? 0.5 : 0.25);
  const necroticCore = hasCore ? preRng.uniformIn(0.15, Math.min(0.5, (diameter - 15) / 70)) : 0;
  const textureScalePre = clamp(latentLinear(preRng, p.textureScaleMm, r), 1, 6);
  const preTexture = { seed: hashSeed32(`${preRng.key}/texture`), scaleMm: textureScalePre, weight: 1 };
  const preParams: LesionParameters = {
    kind: 'tumour',
    shape,
    scale: 1,
    necroticCore,
    ktransPerMin: p.ktransPerMin.median * Math.exp(p.ktransPerMin.logSd * preRng.normal()),
    kepPerMin: p.kepPerMin.median * Math.exp(p.kepPerMin.logSd * preRng.normal()),
    adc: clamp(
      p.adc.mean + p.adc.ki67Slope * (patient.clinical.ki67Percent - 20) + p.adc.sd * preRng.normal(),
      600,
      1500,
    ),
    t2Ms: 75 * Math.exp(0.1 * preRng.normal()),
    rimEnhancement: preRng.uniformIn(0, 1.5),
    textureAmplitude: clamp(latentLinear(preRng, p.textureAmplitude, r), 0.05, 0.6),
    texture: [preTexture],
  };

  // Post-NAT lesion: the response model of the generating model, driven by r.
  const resRng = rng.fork('response');
  const res = im.response;
  const modelRatio = Math.min(res.maxVolumeRatio, Math.exp(latentLinear(resRng, res.logVolumeRatio, r)));
  const completeResponse = modelRatio < res.completeResponseVolumeRatio;
  let scale: number;
  if (completeResponse) {
    scale = resRng.uniformIn(res.residualFocusDiameterMm.min, res.residualFocusDiameterMm.max) / diameter;
  } else {
    scale = Math.max(Math.cbrt(modelRatio), res.minResidualDiameterMm / diameter);
  }
  const scar = completeResponse && im.emptyPostRoiForCompleteResponders;
  const postTextureScale = clamp(
    textureScalePre * Math.exp(latentLinear(resRng, res.logTextureScaleChange, r)),
    1,
    8,
  );
  const postParams: LesionParameters = {
    kind: scar ? 'scar' : 'tumour',
    shape,
    scale,
    necroticCore: completeResponse ? 0 : necroticCore * 0.7,
    ktransPerMin: preParams.ktransPerMin * Math.exp(latentLinear(resRng, res.logKtransChange, r)),
    kepPerMin: preParams.kepPerMin * Math.exp(latentLinear(resRng, res.logKepChange, r)),
    adc: clamp(preParams.adc * Math.exp(latentLinear(resRng, res.logAdcChange, r)), 500, 2200),
    t2Ms: preParams.t2Ms * Math.exp(latentLinear(resRng, res.logT2Change, r)),
    rimEnhancement: preParams.rimEnhancement * 0.5,
    textureAmplitude: clamp(
      preParams.textureAmplitude * Math.exp(latentLinear(resRng, res.logTextureAmplitudeChange, r)),
      0.03,
      0.6,
    ),
    // Part of the pre-NAT pattern survives; the rest is new, at the post-NAT correlation length.
    texture: [
      { ...preTexture, weight: 0.6 },
      { seed: hashSeed32(`${resRng.key}/texture`), scaleMm: postTextureScale, weight: 0.8 },
    ],
  };
  const textures = new Map<string, SmoothField>();
  const preLesion = new Lesion(preParams, textures);
  const postLesion = new Lesion(postParams, textures);

  const posRng = rng.fork('positioning');
  const shift = (): number => clamp(posRng.normal(0, 2.5), -6, 6);
  const postOffset: Vec3 = [shift(), shift(), shift()];
  const gains = (g: Rng): Record<ImagedSequence, number> => ({
    DCE: g.uniformIn(0.9, 1.1),
    T2: g.uniformIn(0.9, 1.1),
    DWI: g.uniformIn(0.9, 1.1),
  });
  const fieldOfViewRadiusMm = preLesion.boundingRadiusMm;
  const study = (
    label: StudyLabel,
    lesion: Lesion,
    offsetMm: Vec3,
    bpe: number,
    roi: boolean,
  ): StudyPhantom => ({
    study: label,
    anatomy,
    lesion,
    offsetMm,
    bias: new BiasField(rng.fork(`bias/${label}`)),
    gain: gains(rng.fork(`gain/${label}`)),
    backgroundEnhancement: a.backgroundEnhancement * bpe,
    roiExpected: roi,
    fieldOfViewRadiusMm,
  });
  return {
    side,
    preDiameterMm: diameter,
    pre: study('pre', preLesion, [0, 0, 0], 1, true),
    post: study('post', postLesion, postOffset, res.backgroundEnhancementFactor, !scar),
    response: { volumeRatio: postLesion.volumeMm3 / preLesion.volumeMm3, completeResponse },
  };
}

/** Where a study's fields of view go (world coordinates). */
export function fieldOfViewTarget(s: StudyPhantom): FieldOfViewTarget {
  const o = s.offsetMm;
  const c = s.lesion.centreMm;
  const a = s.anatomy.params;
  const halfFovY = (REALISTIC_SIZE.DCE[1] * SPACING_MM.DCE[1]) / 2;
  return {
    // Midline; the anterior edge of the DCE field of view 12 mm in front of the breasts.
    bilateralCentreMm: [o[0], o[1] + s.anatomy.anteriorLimitMm() - 12 + halfFovY, o[2] + a.breastCentreZMm],
    tumourCentreMm: [c[0] + o[0], c[1] + o[1], c[2] + o[2]],
    tumourRadiusMm: s.fieldOfViewRadiusMm,
  };
}
