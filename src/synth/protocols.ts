/**
 * MRI acquisition protocols of the synthetic studies: the voxel grid of every series and the
 * acquisition parameters a DICOM writer needs. Modelled on a 3 T bilateral breast protocol
 * (EUSOBI recommendations, Mann et al., Eur Radiol 2015;25:3669-78; DWI per the EUSOBI
 * international breast DWI working group, Baltzer et al., Eur Radiol 2020;30:1436-50):
 *
 * - DCE: axial 3-D fat-suppressed spoiled gradient echo, 0.7 × 0.7 × 1.2 mm, one pre-contrast and
 *   four post-contrast phases 90 s apart (trigger times 0, 90, 180, 270, 360 s after the start
 *   of the dynamic series; the bolus is injected 20 s after the pre-contrast phase's k-space
 *   centre, so the first post-contrast phase samples 70 s after injection: early-phase
 *   wash-in by 1-2 min, delayed wash-out or plateau by the last phase, as BI-RADS kinetics asks).
 * - T2: axial 2-D turbo spin echo without fat suppression, 0.6 × 0.6 × 3 mm.
 * - DWI: axial single-shot EPI with SPAIR fat suppression, 1.8 × 1.8 × 4 mm, b = 0 and 800 s/mm².
 * - ADC: the scanner's derived map on the DWI grid.
 *
 * All series are axial (rows along patient left, columns along posterior, slices toward
 * superior: direction = identity in DICOM LPS). Each series has its own field of view and origin,
 * as on a real scanner, but all series of a study share one frame of reference.
 *
 * `realistic` grids cover both breasts and the anterior chest (DCE 448 × 448 × 144). `small` grids
 * crop a box around the tumour (DCE at least 64 × 64 × 32 voxels, larger when the tumour needs
 * it) so that tests and demos stay fast while keeping the real voxel spacing.
 */
import type { MrSequence } from '../dicom/dicom-types.ts';
import { IDENTITY, indexToWorld, type Geometry, type Vec3 } from '../imaging/volume.ts';

export type ProtocolSize = 'small' | 'realistic';

export interface AcquisitionParameters {
  sequence: MrSequence;
  seriesDescription: string;
  protocolName: string;
  /** DICOM Scanning Sequence (0018,0020): GR gradient recalled, SE spin echo, EP echo planar. */
  scanningSequence: 'GR' | 'SE' | 'EP' | 'SE\\EP';
  /** DICOM MR Acquisition Type (0018,0023). */
  acquisitionType: '2D' | '3D';
  repetitionTimeMs: number;
  echoTimeMs: number;
  flipAngleDeg: number;
  magneticFieldStrengthT: number;
  fatSuppressed: boolean;
  /** Derived series (ADC) get ImageType DERIVED\SECONDARY. */
  derived: boolean;
}

export interface DcePhaseTiming {
  /** 1 = pre-contrast, 2… post-contrast (0020,0100). */
  temporalPositionIdentifier: number;
  /** ms from the start of the dynamic series (0018,1060). */
  triggerTimeMs: number;
}

export interface SeriesProtocol {
  geometry: Geometry;
  acquisition: AcquisitionParameters;
}

export interface StudyProtocol {
  size: ProtocolSize;
  dce: SeriesProtocol & { phases: DcePhaseTiming[]; contrastInjectionTimeMs: number };
  t2: SeriesProtocol;
  dwi: SeriesProtocol & { bValues: number[] };
  adc: SeriesProtocol;
}

/** Where the fields of view go, in the world coordinates (LPS, mm) of the study. */
export interface FieldOfViewTarget {
  /** Centre of the bilateral (realistic) field of view: midline, through both breasts. */
  bilateralCentreMm: Vec3;
  /** Centre of the tumour. */
  tumourCentreMm: Vec3;
  /** Radius of a sphere around `tumourCentreMm` that contains the whole tumour. */
  tumourRadiusMm: number;
}

export const MAGNETIC_FIELD_STRENGTH_T = 3;

export const DCE_PHASES: readonly DcePhaseTiming[] = [0, 90, 180, 270, 360].map((s, i) => ({
  temporalPositionIdentifier: i + 1,
  triggerTimeMs: s * 1000,
}));
export const CONTRAST_INJECTION_TIME_MS = 20_000;
export const DWI_B_VALUES: readonly number[] = [0, 800];

export const SPACING_MM: Readonly<Record<MrSequence, Vec3>> = {
  DCE: [0.7, 0.7, 1.2],
  T2: [0.6, 0.6, 3],
  DWI: [1.8, 1.8, 4],
  ADC: [1.8, 1.8, 4],
};

/** Bilateral matrices: DCE 313.6 × 313.6 × 172.8 mm, T2 336 × 336 × 168 mm, DWI 342 × 342 × 168 mm. */
export const REALISTIC_SIZE: Readonly<Record<MrSequence, Vec3>> = {
  DCE: [448, 448, 144],
  T2: [560, 560, 56],
  DWI: [190, 190, 42],
  ADC: [190, 190, 42],
};

/**
 * Where each series is centred relative to the target: scanners plan each series separately, so
 * grids differ in origin as well as in spacing and extent. Fixed here (mm) so tests can rely on them.
 */
export const SERIES_CENTRE_OFFSET_MM: Readonly<Record<ProtocolSize, Readonly<Record<MrSequence, Vec3>>>> = {
  realistic: { DCE: [0, 0, 0], T2: [1.5, 4, -1.5], DWI: [-2, 6, 2], ADC: [-2, 6, 2] },
  small: { DCE: [0, 0, 0], T2: [0.9, -1.2, 0.5], DWI: [-1.1, 0.7, -0.8], ADC: [-1.1, 0.7, -0.8] },
};

/** Smallest extent (mm) of a small field of view: 64 × 64 × 32 DCE voxels. */
export const SMALL_MIN_EXTENT_MM: Vec3 = [44.8, 44.8, 38.4];
/** Tissue kept around the tumour in a small field of view (mm, each side). */
export const SMALL_MARGIN_MM = 8;

export const ACQUISITION: Readonly<Record<MrSequence, AcquisitionParameters>> = {
  DCE: {
    sequence: 'DCE',
    seriesDescription: 'Ax T1 3D FS DCE',
    protocolName: 'BREAST_DCE_3D_FS',
    scanningSequence: 'GR',
    acquisitionType: '3D',
    repetitionTimeMs: 4.5,
    echoTimeMs: 1.8,
    flipAngleDeg: 12,
    magneticFieldStrengthT: MAGNETIC_FIELD_STRENGTH_T,
    fatSuppressed: true,
    derived: false,
  },
  T2: {
    sequence: 'T2',
    seriesDescription: 'Ax T2 TSE',
    protocolName: 'BREAST_T2_TSE',
    scanningSequence: 'SE',
    acquisitionType: '2D',
    repetitionTimeMs: 4500,
    echoTimeMs: 90,
    flipAngleDeg: 90,
    magneticFieldStrengthT: MAGNETIC_FIELD_STRENGTH_T,
    fatSuppressed: false,
    derived: false,
  },
  DWI: {
    sequence: 'DWI',
    seriesDescription: 'Ax DWI b0 b800 SPAIR',
    protocolName: 'BREAST_DWI_EPI',
    scanningSequence: 'SE\\EP',
    acquisitionType: '2D',
    repetitionTimeMs: 5500,
    echoTimeMs: 65,
    flipAngleDeg: 90,
    magneticFieldStrengthT: MAGNETIC_FIELD_STRENGTH_T,
    fatSuppressed: true,
    derived: false,
  },
  ADC: {
    sequence: 'ADC',
    seriesDescription: 'Ax ADC (b0, b800)',
    protocolName: 'BREAST_DWI_EPI',
    scanningSequence: 'SE\\EP',
    acquisitionType: '2D',
    repetitionTimeMs: 5500,
    echoTimeMs: 65,
    flipAngleDeg: 90,
    magneticFieldStrengthT: MAGNETIC_FIELD_STRENGTH_T,
    fatSuppressed: true,
    derived: true,
  },
};

/** An axial grid of `size` voxels centred on `centre` (identity direction). */
export function centredGrid(centre: Vec3, size: Vec3, spacingMm: Vec3): Geometry {
  const origin: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c += 1) origin[c] = centre[c]! - ((size[c]! - 1) / 2) * spacingMm[c]!;
  return { size: [...size], spacingMm: [...spacingMm], originMm: origin, direction: IDENTITY };
}

function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

/** Grid of one series for the given protocol size and target. */
export function seriesGeometry(
  sequence: MrSequence,
  size: ProtocolSize,
  target: FieldOfViewTarget,
): Geometry {
  const spacing = SPACING_MM[sequence];
  const offset = SERIES_CENTRE_OFFSET_MM[size][sequence];
  if (size === 'realistic') {
    return centredGrid(add(target.bilateralCentreMm, offset), REALISTIC_SIZE[sequence], spacing);
  }
  const voxels = (c: 0 | 1 | 2): number => {
    const reach = target.tumourRadiusMm + SMALL_MARGIN_MM + Math.abs(offset[c]);
    return Math.ceil(Math.max(SMALL_MIN_EXTENT_MM[c], 2 * reach) / spacing[c] - 1e-9);
  };
  const matrix: Vec3 = [voxels(0), voxels(1), voxels(2)];
  return centredGrid(add(target.tumourCentreMm, offset), matrix, spacing);
}

/** The protocol of one study: every series' grid and acquisition parameters. */
export function studyProtocol(size: ProtocolSize, target: FieldOfViewTarget): StudyProtocol {
  const series = (sequence: MrSequence): SeriesProtocol => ({
    geometry: seriesGeometry(sequence, size, target),
    acquisition: ACQUISITION[sequence],
  });
  return {
    size,
    dce: {
      ...series('DCE'),
      phases: DCE_PHASES.map((p) => ({ ...p })),
      contrastInjectionTimeMs: CONTRAST_INJECTION_TIME_MS,
    },
    t2: series('T2'),
    dwi: { ...series('DWI'), bValues: [...DWI_B_VALUES] },
    adc: series('ADC'),
  };
}

/** True when the sphere (centre, radius) lies inside the grid's voxel-centre box. */
export function gridContainsSphere(g: Geometry, centre: Vec3, radiusMm: number): boolean {
  const first = indexToWorld(g, 0, 0, 0);
  const last = indexToWorld(g, g.size[0] - 1, g.size[1] - 1, g.size[2] - 1);
  for (let c = 0; c < 3; c += 1) {
    const lo = Math.min(first[c]!, last[c]!);
    const hi = Math.max(first[c]!, last[c]!);
    if (centre[c]! - radiusMm < lo || centre[c]! + radiusMm > hi) return false;
  }
  return true;
}
