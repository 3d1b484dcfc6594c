/**
 * The feature-class registry: PyRadiomics class name → how to compute it. A `null` entry is a
 * class not implemented yet; enabling it is refused by the extractor ("not supported yet").
 * Family modules are pure functions of the ROI contracts in types.ts.
 */
import { computeFirstOrderFeatures, FIRSTORDER_DEPRECATED } from './firstorder.ts';
import { computeGlcmFeatures } from './glcm.ts';
import { computeGldmFeatures } from './gldm.ts';
import { computeGlrlmFeatures } from './glrlm.ts';
import { computeGlszmFeatures } from './glszm.ts';
import { computeNgtdmFeatures } from './ngtdm.ts';
import { computeShapeFeatures } from './shape.ts';
import { computeShape2DFeatures } from './shape2d.ts';
import { textureSettings, type ExtractionSettings, type FamilyName } from './settings.ts';
import type { CroppedRoi, DiscretisedRoi, FeatureValues } from './types.ts';

export interface FamilyInput {
  /** The ROI for intensity and texture features, discretised. */
  roi: DiscretisedRoi;
  /** The ROI for shape features (the mask before resegmentation unless resegmentShape). */
  shapeRoi: CroppedRoi;
  settings: ExtractionSettings;
}

export interface Family {
  /** Every feature of the class, PyRadiomics names within the class. */
  compute(input: FamilyInput): FeatureValues;
  /** Features PyRadiomics marks deprecated: computed only when asked for by name. */
  deprecated: readonly string[];
}

export const FAMILIES: Record<FamilyName, Family | null> = {
  firstorder: {
    compute: ({ roi, settings }) => computeFirstOrderFeatures(roi, settings),
    deprecated: FIRSTORDER_DEPRECATED,
  },
  // PyRadiomics deprecates Compactness1, Compactness2 and SphericalDisproportion (shape) and
  // SphericalDisproportion (shape2D): filtered out of the defaults if a module returns them.
  shape: {
    compute: ({ shapeRoi }) => computeShapeFeatures(shapeRoi),
    deprecated: ['Compactness1', 'Compactness2', 'SphericalDisproportion'],
  },
  shape2D: {
    compute: ({ shapeRoi, settings }) =>
      computeShape2DFeatures(shapeRoi, { force2Ddimension: settings.force2Ddimension }),
    deprecated: ['SphericalDisproportion'],
  },
  glcm: {
    compute: ({ roi, settings }) => computeGlcmFeatures(roi, textureSettings(settings)),
    deprecated: [],
  },
  glrlm: {
    compute: ({ roi, settings }) => computeGlrlmFeatures(roi, textureSettings(settings)),
    deprecated: [],
  },
  glszm: {
    compute: ({ roi, settings }) => computeGlszmFeatures(roi, textureSettings(settings)),
    deprecated: [],
  },
  gldm: {
    compute: ({ roi, settings }) => computeGldmFeatures(roi, textureSettings(settings)),
    deprecated: [],
  },
  ngtdm: {
    compute: ({ roi, settings }) => computeNgtdmFeatures(roi, textureSettings(settings)),
    deprecated: [],
  },
};

/** The classes that can be computed now. */
export function implementedFamilies(): FamilyName[] {
  return (Object.keys(FAMILIES) as FamilyName[]).filter((f) => FAMILIES[f] !== null);
}
