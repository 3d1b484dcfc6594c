/**
 * Contracts between the radiomics stages (DESIGN §2: imaging → radiomics): the ROI as feature
 * families see it, and their output. Feature families are pure functions of these.
 */
import type { Vec3 } from '../imaging/volume.ts';

/** The image cropped to the bounding box of the ROI, with the ROI mask on the same grid. */
export interface CroppedRoi {
  /** Bounding-box size in voxels (i, j, k). */
  size: Vec3;
  spacingMm: Vec3;
  /** Intensities after the image-level steps (normalisation, resegmentation), i fastest. */
  image: Float64Array;
  /** 1 inside the ROI, 0 outside. */
  mask: Uint8Array;
}

/** A cropped ROI after discretisation (PyRadiomics imageoperations.binImage). */
export interface DiscretisedRoi extends CroppedRoi {
  /** Gray level per voxel: the 1-based bin index inside the ROI, 0 outside. */
  gray: Int32Array;
  binEdges: number[];
}

/** Feature name as PyRadiomics spells it within its class (`Contrast`, `10Percentile`) → value. */
export type FeatureValues = Record<string, number>;

/** Settings the texture families read (PyRadiomics names in comments). */
export interface TextureSettings {
  /** `distances` */
  distances: number[];
  /** `symmetricalGLCM` */
  symmetricalGLCM: boolean;
  /** `weightingNorm`: how matrices of different angles are weighted when merged. */
  weightingNorm: 'manhattan' | 'euclidean' | 'infinity' | 'no_weighting' | null;
  /** `gldm_a` */
  gldmA: number;
  /** `force2D`, `force2Ddimension` */
  force2D: boolean;
  force2Ddimension: 0 | 1 | 2;
}
