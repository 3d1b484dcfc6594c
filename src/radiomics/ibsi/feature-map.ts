/**
 * IBSI 1 features ↔ PyRadiomics features as this engine computes them, for the IBSI digital
 * phantom report (docs/ibsi.md, test/ibsi-digital-phantom.test.ts).
 *
 * Keys are the IBSI family and feature names exactly as in
 * ../shared/reference/ibsi1/reference_values_digital_phantom.csv; the IBSI codes are in that CSV.
 * Sources: IBSI reference manual, chapter "Image features" (https://github.com/theibsi/ibsi-doc,
 * docs/03_Image_features.rst; Zwanenburg et al., Radiology 2020;295:328-338), cited as
 * "IBSI <section>"; PyRadiomics documentation, "Radiomic Features" and "Excluded Radiomic
 * Features" (the docstrings of radiomics/<class>.py and docs/removedfeatures.rst), cited as
 * "PyRadiomics <class>".
 *
 * Every mapped pair is classified:
 * - `same definition`: same formula; the engine must reproduce the IBSI value.
 * - `PyRadiomics differs deliberately`: PyRadiomics defines the feature otherwise. When the
 *   difference is a known transformation, `transform` turns the PyRadiomics value into the IBSI
 *   one and the engine must reproduce the IBSI value after it.
 */
import type { FamilyName } from '../settings.ts';

/** IBSI feature families as the reference CSV names them. */
export const IBSI_FAMILY = {
  morphology: 'Morphological features',
  localIntensity: 'Local intensity features',
  statistics: 'Intensity-based statistical features',
  histogram: 'Intensity histogram features',
  ivh: 'Intensity-volume histogram features',
  glcm: 'Grey level co-occurrence based features',
  glrlm: 'Grey level run length based features',
  glszm: 'Grey level size zone based features',
  gldzm: 'Grey level distance zone based features',
  ngtdm: 'Neighbourhood grey tone difference based features',
  ngldm: 'Neighbouring grey level dependence based features',
} as const;
export type IbsiFamily = (typeof IBSI_FAMILY)[keyof typeof IBSI_FAMILY];

export type Classification = 'same definition' | 'PyRadiomics differs deliberately';

/** What a transformation may depend on besides the value. */
export interface TransformContext {
  /** Number of voxels in the ROI (N_v). */
  voxelCount: number;
}

export interface Transformation {
  /** The formula applied to the PyRadiomics value, e.g. "Kurtosis − 3". */
  description: string;
  apply(pyradiomicsValue: number, ctx: TransformContext): number;
}

export interface FeatureMapping {
  family: IbsiFamily;
  /** IBSI feature name as in the reference CSV. */
  feature: string;
  /** PyRadiomics feature class and feature name (output key `original_<class>_<feature>`). */
  pyradiomics: { featureClass: FamilyName; feature: string };
  classification: Classification;
  /** Why the definitions agree or differ, with sources. */
  note: string;
  /** Known transformation PyRadiomics value → IBSI value (only for deliberate differences). */
  transform?: Transformation;
}

/**
 * PyRadiomics `setting:` values for the IBSI digital phantom configuration (IBSI "Reference data
 * sets", digital phantom: no resampling, no re-segmentation, no discretisation beyond the integer
 * grey levels, GLCM symmetrical with Chebyshev distance 1, NGTDM/NGLDM distance 1, NGLDM α = 0).
 * binWidth 1 maps the phantom's grey levels 1..6 onto bins 1..6 (PyRadiomics binImage: edges from
 * min − (min mod 1) = 1 in steps of 1). voxelArrayShift 0: IBSI energy has no shift
 * (PyRadiomics firstorder note).
 */
export const IBSI_PHANTOM_SETTING = {
  binWidth: 1,
  distances: [1],
  symmetricalGLCM: true,
  gldm_a: 0,
  voxelArrayShift: 0,
} as const;

export type AggregationSupport =
  | { available: true; setting: Record<string, unknown>; explanation: string }
  | { available: false; reason: string };

/**
 * IBSI texture aggregation methods (IBSI "Grey level co-occurrence based features", "Aggregating
 * features": BTW3, SUJT, JJUI, ZW7Z, ITBB, IAZD; `2D`/`2.5D`/`3D` for the single-matrix families)
 * → the PyRadiomics settings that build the same matrices. Texture families merge or average the
 * directions as PyRadiomics glcm/glrlm document: per-direction features averaged by default,
 * one merged matrix when `weightingNorm` is set. Only 'no_weighting' merges with weight 1 as IBSI
 * does: 'infinity' also gives equal weights for isotropic voxels but multiplies the merged counts
 * by exp(−(2 mm)²), which changes the non-normalised GLRLM non-uniformities (281 → 5.15 here);
 * 'euclidean' and 'manhattan' weight directions unequally.
 */
export const AGGREGATIONS: Record<string, AggregationSupport> = {
  '': { available: true, setting: {}, explanation: 'not a texture feature: no aggregation' },
  '3D, averaged': {
    available: true,
    setting: {},
    explanation: 'one matrix per 3D direction (13), features averaged over directions (ITBB)',
  },
  '3D, merged': {
    available: true,
    setting: { weightingNorm: 'no_weighting' },
    explanation: 'the 13 directional matrices summed with weight 1, features of the sum (IAZD)',
  },
  '2.5D, direction-merged': {
    available: true,
    setting: { force2D: true },
    explanation:
      'force2D: 4 in-plane directions, each matrix summed over all slices, features averaged over directions (JJUI)',
  },
  '2.5D, merged': {
    available: true,
    setting: { force2D: true, weightingNorm: 'no_weighting' },
    explanation: 'force2D with all in-plane matrices of all slices summed (ZW7Z)',
  },
  '3D': { available: true, setting: {}, explanation: 'one matrix, 26-connected neighbourhood' },
  '2.5D': {
    available: true,
    setting: { force2D: true },
    explanation: 'force2D: 8-connected in-plane neighbourhood, one matrix over all slices',
  },
  '2D, averaged': {
    available: false,
    reason:
      'PyRadiomics computes no per-slice features (force2D pools all slices into one matrix per direction)',
  },
  '2D, slice-merged': {
    available: false,
    reason:
      'PyRadiomics computes no per-slice features (force2D pools all slices into one matrix per direction)',
  },
  '2D': {
    available: false,
    reason: 'PyRadiomics computes no per-slice features (force2D pools all slices into one matrix)',
  },
};

const F = IBSI_FAMILY;
const SAME = 'same definition';
const DIFFERS = 'PyRadiomics differs deliberately';

/** [IBSI feature, PyRadiomics feature, note] */
type Entry = readonly [string, string, string];

function mappings(
  family: IbsiFamily,
  featureClass: FamilyName,
  classification: Classification,
  entries: readonly Entry[],
  transform?: Transformation,
): FeatureMapping[] {
  return entries.map(([feature, pyFeature, note]) => {
    const m: FeatureMapping = {
      family,
      feature,
      pyradiomics: { featureClass, feature: pyFeature },
      classification,
      note,
    };
    if (transform) m.transform = transform;
    return m;
  });
}

/** IBSI kurtosis is excess kurtosis; PyRadiomics' is not (PyRadiomics firstorder, Kurtosis note). */
const EXCESS_KURTOSIS: Transformation = { description: 'Kurtosis − 3', apply: (v) => v - 3 };

/** Sample (N_v − 1) instead of population (N_v) covariance in the PCA: axis lengths scale by √(N_v/(N_v−1)). */
const SAMPLE_COVARIANCE: Transformation = {
  description: '× √(N_v / (N_v − 1))',
  apply: (v, ctx) => v * Math.sqrt(ctx.voxelCount / (ctx.voxelCount - 1)),
};

const AXIS_NOTE =
  '4√λ from the PCA of the voxel-centre coordinates in both. PyRadiomics builds the covariance matrix ' +
  'with 1/N_v (PyRadiomics shape: coordinates divided by √Np); IBSI ("Major axis length", TDIC) does not ' +
  'state the normaliser, and its consensus values are those of the sample covariance (1/(N_v − 1)): ' +
  'scaling by √(N_v/(N_v − 1)) = √(74/73) reproduces all three axis lengths of the phantom.';

const DISCRETISED_NOTE =
  'IBSI computes it on the discretised intensities X_d, PyRadiomics on the raw intensities X_gl: the ' +
  'PyRadiomics feature is the IBSI intensity-based statistic';

/** Explanations shared by every feature of a family (the report prints them once per family). */
export const FAMILY_NOTES: Partial<Record<IbsiFamily, string>> = {
  [F.morphology]:
    'PyRadiomics shape features use the marching-cubes mesh of the mask (volume, area, diameters) and the PCA of the voxel centres (axes), as IBSI does (PyRadiomics shape; IBSI "Morphological features").',
  [F.statistics]:
    'PyRadiomics first-order features are computed on the ROI intensities X_gl, as the IBSI intensity-based statistics (PyRadiomics firstorder; IBSI "Intensity-based statistical features"); moments are population moments in both.',
  [F.histogram]:
    'IBSI computes the intensity histogram family on the discretised intensities X_d. PyRadiomics computes only Entropy and Uniformity on the discretised histogram and every other first-order feature on the raw intensities X_gl (PyRadiomics firstorder), so those are the IBSI intensity-based statistics; they coincide with the histogram features only when discretisation is the identity, as binWidth 1 is on this phantom.',
  [F.glcm]:
    'Symmetric GLCM (M + Mᵀ) at Chebyshev distance 1 in both; log₂ in every entropy (PyRadiomics adds ε ≈ 2.2e-16 inside the logarithm). The aggregation method is chosen by settings (see Settings).',
  [F.glrlm]:
    'Runs along the 13 (3D) or 4 (2.5D) directions; the aggregation method is chosen by settings (see Settings).',
  [F.glszm]:
    'Zones are connected over 26 neighbours (3D) or 8 in-plane neighbours (2.5D, force2D) in both; one matrix.',
  [F.ngtdm]:
    'n_i counts the voxels with at least one neighbour in the ROI in both. For a homogeneous ROI PyRadiomics returns fixed values (coarseness 10⁶; contrast, busyness and strength 0) where IBSI leaves the feature undefined (PyRadiomics ngtdm).',
  [F.ngldm]:
    'PyRadiomics GLDM with gldm_a (α) 0 at distance 1 is the IBSI NGLDM: P(i, j) counts the voxels of grey level i with j − 1 neighbours of the same level in the ROI, every voxel counted (PyRadiomics gldm).',
};

const morphology: FeatureMapping[] = [
  ...mappings(F.morphology, 'shape', SAME, [
    [
      'Volume (mesh)',
      'MeshVolume',
      'Summed signed tetrahedra of the mesh faces (IBSI RNU0; PyRadiomics: IBSI Volume).',
    ],
    [
      'Volume (voxel counting)',
      'VoxelVolume',
      'N_v × voxel volume (IBSI YEKZ; PyRadiomics: IBSI Approximate Volume).',
    ],
    ['Surface area (mesh)', 'SurfaceArea', 'Sum of the mesh triangle areas (IBSI C0JK).'],
    ['Surface to volume ratio', 'SurfaceVolumeRatio', 'A/V of the mesh (IBSI 2PR5).'],
    ['Sphericity', 'Sphericity', '(36πV²)^(1/3)/A of the mesh (IBSI QCFX).'],
    ['Maximum 3D diameter', 'Maximum3DDiameter', 'Largest distance between two mesh vertices (IBSI L0JK).'],
    ['Elongation', 'Elongation', '√(λ_minor/λ_major) (IBSI Q3CK); the covariance normaliser cancels.'],
    ['Flatness', 'Flatness', '√(λ_least/λ_major) (IBSI N17B); the covariance normaliser cancels.'],
  ]),
  ...mappings(
    F.morphology,
    'shape',
    DIFFERS,
    [
      ['Major axis length', 'MajorAxisLength', AXIS_NOTE],
      ['Minor axis length', 'MinorAxisLength', AXIS_NOTE],
      ['Least axis length', 'LeastAxisLength', AXIS_NOTE],
    ],
    SAMPLE_COVARIANCE,
  ),
];

const PERCENTILE = 'IBSI fixes no estimator; PyRadiomics uses numpy.percentile (linear interpolation)';
const statistics: FeatureMapping[] = [
  ...mappings(F.statistics, 'firstorder', SAME, [
    ['Mean intensity', 'Mean', 'Mean (IBSI Q4LE).'],
    ['Intensity variance', 'Variance', 'Population variance, 1/N_v (IBSI ECT3; PyRadiomics numpy.std²).'],
    ['Intensity skewness', 'Skewness', 'm₃/m₂^(3/2) (IBSI KE2A); PyRadiomics returns 0 for a flat ROI.'],
    ['Median intensity', 'Median', 'numpy.median (IBSI Y12H).'],
    ['Minimum intensity', 'Minimum', 'min (IBSI 1GSF).'],
    ['10th intensity percentile', '10Percentile', `P10 (IBSI QG58); ${PERCENTILE}.`],
    ['90th intensity percentile', '90Percentile', `P90 (IBSI 8DWT); ${PERCENTILE}.`],
    ['Maximum intensity', 'Maximum', 'max (IBSI 84IY).'],
    ['Intensity interquartile range', 'InterquartileRange', `P75 − P25 (IBSI SALO); ${PERCENTILE}.`],
    ['Intensity range', 'Range', 'max − min (IBSI 2OJQ).'],
    ['Intensity-based mean absolute deviation', 'MeanAbsoluteDeviation', 'Mean of |X − mean| (IBSI 4FUA).'],
    [
      'Intensity-based robust mean absolute deviation',
      'RobustMeanAbsoluteDeviation',
      'Mean absolute deviation of the voxels with P10 ≤ X ≤ P90, bounds included in both (IBSI 1128).',
    ],
    [
      'Intensity-based energy',
      'Energy',
      'Σ(X + c)², c = voxelArrayShift; IBSI N8CA has no shift, so the two agree for voxelArrayShift 0, the default and the setting used (PyRadiomics firstorder note).',
    ],
    [
      'Root mean square intensity',
      'RootMeanSquared',
      '√(Σ(X + c)²/N_v); agrees with IBSI 5ZWQ for voxelArrayShift 0.',
    ],
  ]),
  ...mappings(
    F.statistics,
    'firstorder',
    DIFFERS,
    [
      [
        '(Excess) intensity kurtosis',
        'Kurtosis',
        'PyRadiomics Kurtosis is m₄/m₂²; IBSI IPH6 is the excess kurtosis m₄/m₂² − 3 (PyRadiomics firstorder: "a value 3 higher than the IBSI kurtosis").',
      ],
    ],
    EXCESS_KURTOSIS,
  ),
];

const histogram: FeatureMapping[] = [
  ...mappings(F.histogram, 'firstorder', DIFFERS, [
    ['Mean discretised intensity', 'Mean', `${DISCRETISED_NOTE} Q4LE.`],
    ['Discretised intensity variance', 'Variance', `${DISCRETISED_NOTE} ECT3.`],
    ['Discretised intensity skewness', 'Skewness', `${DISCRETISED_NOTE} KE2A.`],
    [
      '(Excess) discretised intensity kurtosis',
      'Kurtosis',
      `${DISCRETISED_NOTE} IPH6, and not excess kurtosis; on this phantom the IBSI value is Kurtosis − 3.`,
    ],
    ['Median discretised intensity', 'Median', `${DISCRETISED_NOTE} Y12H.`],
    ['Minimum discretised intensity', 'Minimum', `${DISCRETISED_NOTE} 1GSF.`],
    [
      '10th discretised intensity percentile',
      '10Percentile',
      `${DISCRETISED_NOTE} QG58. (The IBSI document gives this feature the code 1PR8, also the minimum's; the CSV copies it.)`,
    ],
    ['90th discretised intensity percentile', '90Percentile', `${DISCRETISED_NOTE} 8DWT.`],
    ['Maximum discretised intensity', 'Maximum', `${DISCRETISED_NOTE} 84IY.`],
    ['Discretised intensity interquartile range', 'InterquartileRange', `${DISCRETISED_NOTE} SALO.`],
    ['Discretised intensity range', 'Range', `${DISCRETISED_NOTE} 2OJQ.`],
    ['Intensity histogram mean absolute deviation', 'MeanAbsoluteDeviation', `${DISCRETISED_NOTE} 4FUA.`],
    [
      'Intensity histogram robust mean absolute deviation',
      'RobustMeanAbsoluteDeviation',
      `${DISCRETISED_NOTE} 1128.`,
    ],
  ]),
  ...mappings(F.histogram, 'firstorder', SAME, [
    [
      'Discretised intensity entropy',
      'Entropy',
      '−Σ p_i log₂ p_i over the discretised histogram (IBSI TLU2; PyRadiomics: IBSI Intensity Histogram Entropy, with ε inside the logarithm).',
    ],
    [
      'Discretised intensity uniformity',
      'Uniformity',
      'Σ p_i² over the discretised histogram (IBSI BJ5W; PyRadiomics: IBSI Intensity Histogram Uniformity).',
    ],
  ]),
];

const EXCLUDED = 'PyRadiomics "Excluded Radiomic Features"';
const glcm = mappings(F.glcm, 'glcm', SAME, [
  ['Joint maximum', 'MaximumProbability', 'max p_ij (IBSI GYBY; PyRadiomics: IBSI Joint maximum).'],
  ['Joint average', 'JointAverage', 'Σ i·p_ij (IBSI 60VM).'],
  ['Joint variance', 'SumSquares', 'Σ (i − μ)² p_ij, μ = Σ i·p_ij (IBSI UR99; PyRadiomics Sum of Squares).'],
  ['Joint entropy', 'JointEntropy', '−Σ p_ij log₂ p_ij (IBSI TU9B).'],
  ['Difference average', 'DifferenceAverage', 'Σ k·p_{i−j,k} (IBSI TF7R).'],
  ['Difference variance', 'DifferenceVariance', 'Σ (k − difference average)² p_{i−j,k} (IBSI D3YU).'],
  ['Difference entropy', 'DifferenceEntropy', '−Σ p_{i−j,k} log₂ p_{i−j,k} (IBSI NTRS).'],
  ['Sum average', 'SumAverage', 'Σ k·p_{i+j,k} (IBSI ZGXS).'],
  [
    'Sum variance',
    'ClusterTendency',
    `IBSI OEEB: sum variance is mathematically identical to cluster tendency; PyRadiomics removed SumVariance for that reason (${EXCLUDED}).`,
  ],
  ['Sum entropy', 'SumEntropy', '−Σ p_{i+j,k} log₂ p_{i+j,k} (IBSI P6QZ).'],
  ['Angular second moment', 'JointEnergy', 'Σ p_ij² (IBSI 8ZQL; PyRadiomics: IBSI Angular Second Moment).'],
  ['Contrast', 'Contrast', 'Σ (i − j)² p_ij (IBSI ACUI).'],
  [
    'Dissimilarity',
    'DifferenceAverage',
    `IBSI 8S9J Σ |i − j| p_ij equals difference average; PyRadiomics removed Dissimilarity for that reason (${EXCLUDED}).`,
  ],
  ['Inverse difference', 'Id', 'Σ p_{i−j,k}/(1 + k) (IBSI IB1Z).'],
  [
    'Normalised inverse difference',
    'Idn',
    'Σ p_{i−j,k}/(1 + k/N_g) (IBSI NDRX). The IBSI values need N_g = 6 for the phantom (levels 1–6, of which 2 and 5 are empty); this engine divides by the highest grey level in the ROI (6), as PyRadiomics 1.3–2.x (docs/radiomics.md). Dividing by the number of levels present (4) would give 0.810 instead of 0.851 (3D, averaged).',
  ],
  ['Inverse difference moment', 'Idm', 'Σ p_{i−j,k}/(1 + k²) (IBSI WF0Z).'],
  [
    'Normalised inverse difference moment',
    'Idmn',
    'Σ p_{i−j,k}/(1 + k²/N_g²) (IBSI 1QCO); N_g as for the normalised inverse difference (N_g = 4 would give 0.831 instead of 0.898, 3D, averaged).',
  ],
  ['Inverse variance', 'InverseVariance', 'Σ_{k≥1} p_{i−j,k}/k² (IBSI E8JP).'],
  [
    'Correlation',
    'Correlation',
    'Σ (i − μ_x)(j − μ_y) p_ij/(σ_x σ_y) (IBSI NI2N); PyRadiomics returns 1 for a flat ROI.',
  ],
  ['Autocorrelation', 'Autocorrelation', 'Σ i·j·p_ij (IBSI QWB0).'],
  ['Cluster tendency', 'ClusterTendency', 'Σ (i + j − μ_x − μ_y)² p_ij (IBSI DG8W).'],
  ['Cluster shade', 'ClusterShade', 'Σ (i + j − μ_x − μ_y)³ p_ij (IBSI 7NFM).'],
  ['Cluster prominence', 'ClusterProminence', 'Σ (i + j − μ_x − μ_y)⁴ p_ij (IBSI AE86).'],
  ['Information correlation 1', 'Imc1', '(HXY − HXY1)/max(HX, HY) (IBSI R8DG).'],
  ['Information correlation 2', 'Imc2', '√(1 − exp(−2(HXY2 − HXY))) (IBSI JN9H).'],
]);

const MERGED_COUNTS = 'not normalised: merged values need weightingNorm no_weighting (weight 1)';
const glrlm = mappings(F.glrlm, 'glrlm', SAME, [
  ['Short runs emphasis', 'ShortRunEmphasis', 'Σ r_ij/j² / N_s (IBSI 22OV).'],
  ['Long runs emphasis', 'LongRunEmphasis', 'Σ r_ij·j² / N_s (IBSI W4KF).'],
  ['Low grey level run emphasis', 'LowGrayLevelRunEmphasis', 'Σ r_ij/i² / N_s (IBSI V3SW).'],
  ['High grey level run emphasis', 'HighGrayLevelRunEmphasis', 'Σ r_ij·i² / N_s (IBSI G3QZ).'],
  ['Short run low grey level emphasis', 'ShortRunLowGrayLevelEmphasis', 'Σ r_ij/(i²j²) / N_s (IBSI HTZT).'],
  ['Short run high grey level emphasis', 'ShortRunHighGrayLevelEmphasis', 'Σ r_ij·i²/j² / N_s (IBSI GD3A).'],
  ['Long run low grey level emphasis', 'LongRunLowGrayLevelEmphasis', 'Σ r_ij·j²/i² / N_s (IBSI IVPO).'],
  ['Long run high grey level emphasis', 'LongRunHighGrayLevelEmphasis', 'Σ r_ij·i²j² / N_s (IBSI 3KUM).'],
  [
    'Grey level non-uniformity',
    'GrayLevelNonUniformity',
    `Σ_i (Σ_j r_ij)² / N_s (IBSI R5YN); ${MERGED_COUNTS}.`,
  ],
  [
    'Normalised grey level non-uniformity',
    'GrayLevelNonUniformityNormalized',
    'Σ_i (Σ_j r_ij)² / N_s² (IBSI OVBL).',
  ],
  [
    'Run length non-uniformity',
    'RunLengthNonUniformity',
    `Σ_j (Σ_i r_ij)² / N_s (IBSI W92Y); ${MERGED_COUNTS}.`,
  ],
  [
    'Normalised run length non-uniformity',
    'RunLengthNonUniformityNormalized',
    'Σ_j (Σ_i r_ij)² / N_s² (IBSI IC23).',
  ],
  [
    'Run percentage',
    'RunPercentage',
    'N_s/N_v (IBSI 9ZK5); for merged directions both count every voxel once per direction (N_v = Σ j·r_ij).',
  ],
  ['Grey level variance', 'GrayLevelVariance', 'Σ (i − μ)² p_ij, μ = Σ i·p_ij (IBSI 8CE5).'],
  ['Run length variance', 'RunVariance', 'Σ (j − μ)² p_ij, μ = Σ j·p_ij (IBSI SXLW).'],
  ['Run entropy', 'RunEntropy', '−Σ p_ij log₂ p_ij (IBSI HJ9O).'],
]);

const glszm = mappings(F.glszm, 'glszm', SAME, [
  ['Small zone emphasis', 'SmallAreaEmphasis', 'Σ s_ij/j² / N_s (IBSI 5QRC).'],
  ['Large zone emphasis', 'LargeAreaEmphasis', 'Σ s_ij·j² / N_s (IBSI 48P8).'],
  ['Low grey level zone emphasis', 'LowGrayLevelZoneEmphasis', 'Σ s_ij/i² / N_s (IBSI XMSY).'],
  ['High grey level zone emphasis', 'HighGrayLevelZoneEmphasis', 'Σ s_ij·i² / N_s (IBSI 5GN9).'],
  ['Small zone low grey level emphasis', 'SmallAreaLowGrayLevelEmphasis', 'Σ s_ij/(i²j²) / N_s (IBSI 5RAI).'],
  [
    'Small zone high grey level emphasis',
    'SmallAreaHighGrayLevelEmphasis',
    'Σ s_ij·i²/j² / N_s (IBSI HW1V).',
  ],
  ['Large zone low grey level emphasis', 'LargeAreaLowGrayLevelEmphasis', 'Σ s_ij·j²/i² / N_s (IBSI YH51).'],
  ['Large zone high grey level emphasis', 'LargeAreaHighGrayLevelEmphasis', 'Σ s_ij·i²j² / N_s (IBSI J17V).'],
  ['Grey level non-uniformity', 'GrayLevelNonUniformity', 'Σ_i (Σ_j s_ij)² / N_s (IBSI JNSA).'],
  [
    'Normalised grey level non-uniformity',
    'GrayLevelNonUniformityNormalized',
    'Σ_i (Σ_j s_ij)² / N_s² (IBSI Y1RO).',
  ],
  ['Zone size non-uniformity', 'SizeZoneNonUniformity', 'Σ_j (Σ_i s_ij)² / N_s (IBSI 4JP3).'],
  [
    'Normalised zone size non-uniformity',
    'SizeZoneNonUniformityNormalized',
    'Σ_j (Σ_i s_ij)² / N_s² (IBSI VB3A).',
  ],
  ['Zone percentage', 'ZonePercentage', 'N_s/N_v (IBSI P30P).'],
  ['Grey level variance', 'GrayLevelVariance', 'Σ (i − μ)² p_ij (IBSI BYLV).'],
  ['Zone size variance', 'ZoneVariance', 'Σ (j − μ)² p_ij (IBSI 3NSA).'],
  ['Zone size entropy', 'ZoneEntropy', '−Σ p_ij log₂ p_ij (IBSI GU8N).'],
]);

const ngtdm = mappings(F.ngtdm, 'ngtdm', SAME, [
  ['Coarseness', 'Coarseness', '1/Σ p_i s_i (IBSI QCDE).'],
  ['Contrast', 'Contrast', '(Σ Σ p_i p_j (i − j)²/(N_g,p(N_g,p − 1)))·Σ s_i/N_v,c (IBSI 65HE).'],
  ['Busyness', 'Busyness', 'Σ p_i s_i / Σ Σ |i p_i − j p_j| over the levels present (IBSI NQ30).'],
  ['Complexity', 'Complexity', 'Σ Σ |i − j| (p_i s_i + p_j s_j)/(p_i + p_j) / N_v,c (IBSI HDEZ).'],
  ['Strength', 'Strength', 'Σ Σ (p_i + p_j)(i − j)² / Σ s_i (IBSI 1X9X).'],
]);

const ngldm: FeatureMapping[] = [
  ...mappings(F.ngldm, 'gldm', SAME, [
    ['Low dependence emphasis', 'SmallDependenceEmphasis', 'Σ s_ij/j² / N_s (IBSI SODN).'],
    ['High dependence emphasis', 'LargeDependenceEmphasis', 'Σ s_ij·j² / N_s (IBSI IMOQ).'],
    ['Low grey level count emphasis', 'LowGrayLevelEmphasis', 'Σ s_ij/i² / N_s (IBSI TL9H).'],
    ['High grey level count emphasis', 'HighGrayLevelEmphasis', 'Σ s_ij·i² / N_s (IBSI OAE7).'],
    [
      'Low dependence low grey level emphasis',
      'SmallDependenceLowGrayLevelEmphasis',
      'Σ s_ij/(i²j²) / N_s (IBSI EQ3F).',
    ],
    [
      'Low dependence high grey level emphasis',
      'SmallDependenceHighGrayLevelEmphasis',
      'Σ s_ij·i²/j² / N_s (IBSI JA6D).',
    ],
    [
      'High dependence low grey level emphasis',
      'LargeDependenceLowGrayLevelEmphasis',
      'Σ s_ij·j²/i² / N_s (IBSI NBZI).',
    ],
    [
      'High dependence high grey level emphasis',
      'LargeDependenceHighGrayLevelEmphasis',
      'Σ s_ij·i²j² / N_s (IBSI 9QMG).',
    ],
    ['Grey level non-uniformity', 'GrayLevelNonUniformity', 'Σ_i (Σ_j s_ij)² / N_s (IBSI FP8K).'],
    ['Dependence count non-uniformity', 'DependenceNonUniformity', 'Σ_j (Σ_i s_ij)² / N_s (IBSI Z87G).'],
    [
      'Normalised dependence count non-uniformity',
      'DependenceNonUniformityNormalized',
      'Σ_j (Σ_i s_ij)² / N_s² (IBSI OKJI).',
    ],
    ['Grey level variance', 'GrayLevelVariance', 'Σ (i − μ)² p_ij (IBSI 1PFV).'],
    ['Dependence count variance', 'DependenceVariance', 'Σ (j − μ)² p_ij (IBSI DNX2).'],
    ['Dependence count entropy', 'DependenceEntropy', '−Σ p_ij log₂ p_ij (IBSI FCBV).'],
  ]),
  ...mappings(F.ngldm, 'firstorder', SAME, [
    [
      'Normalised grey level non-uniformity',
      'Uniformity',
      `Σ_i (Σ_j s_ij)²/N_s² (IBSI 5SPA) equals first-order Uniformity when every voxel is counted (N_s = N_v); PyRadiomics removed the GLDM feature for that reason (${EXCLUDED}).`,
    ],
  ]),
];

/** Every IBSI feature PyRadiomics computes, with its PyRadiomics counterpart. */
export const FEATURE_MAP: readonly FeatureMapping[] = [
  ...morphology,
  ...statistics,
  ...histogram,
  ...glcm,
  ...glrlm,
  ...glszm,
  ...ngtdm,
  ...ngldm,
];

/** IBSI families PyRadiomics has no counterpart for at all. */
export const NOT_COMPUTED_FAMILIES: Partial<Record<IbsiFamily, string>> = {
  [F.localIntensity]: 'PyRadiomics has no local intensity features (local and global intensity peak).',
  [F.ivh]: 'PyRadiomics has no intensity-volume histogram features.',
  [F.gldzm]: 'PyRadiomics has no grey level distance zone matrix.',
};

const DEPRECATED_SHAPE =
  'PyRadiomics marks it deprecated (computed only when requested by name; derivable from Sphericity) and this engine does not implement it.';
const NOT_IN_PYRADIOMICS = 'Not a PyRadiomics feature.';

/** Features of the other families that PyRadiomics (or this engine) does not compute. */
export const NOT_COMPUTED_FEATURES: readonly { family: IbsiFamily; feature: string; reason: string }[] = [
  { family: F.morphology, feature: 'Compactness 1', reason: DEPRECATED_SHAPE },
  { family: F.morphology, feature: 'Compactness 2', reason: DEPRECATED_SHAPE },
  { family: F.morphology, feature: 'Spherical disproportion', reason: DEPRECATED_SHAPE },
  { family: F.morphology, feature: 'Asphericity', reason: NOT_IN_PYRADIOMICS },
  { family: F.morphology, feature: 'Centre of mass shift', reason: NOT_IN_PYRADIOMICS },
  { family: F.morphology, feature: 'Volume density (axis-aligned bounding box)', reason: NOT_IN_PYRADIOMICS },
  { family: F.morphology, feature: 'Area density (axis-aligned bounding box)', reason: NOT_IN_PYRADIOMICS },
  {
    family: F.morphology,
    feature: 'Volume density (approximate enclosing ellipsoid)',
    reason: NOT_IN_PYRADIOMICS,
  },
  {
    family: F.morphology,
    feature: 'Area density (approximate enclosing ellipsoid)',
    reason: NOT_IN_PYRADIOMICS,
  },
  { family: F.morphology, feature: 'Volume density (convex hull)', reason: NOT_IN_PYRADIOMICS },
  { family: F.morphology, feature: 'Area density (convex hull)', reason: NOT_IN_PYRADIOMICS },
  { family: F.morphology, feature: 'Integrated intensity', reason: NOT_IN_PYRADIOMICS },
  { family: F.morphology, feature: 'Moran’s I index', reason: NOT_IN_PYRADIOMICS },
  { family: F.morphology, feature: 'Geary’s C measure', reason: NOT_IN_PYRADIOMICS },
  { family: F.statistics, feature: 'Intensity-based median absolute deviation', reason: NOT_IN_PYRADIOMICS },
  { family: F.statistics, feature: 'Intensity-based coefficient of variation', reason: NOT_IN_PYRADIOMICS },
  {
    family: F.statistics,
    feature: 'Intensity-based quartile coefficient of dispersion',
    reason: NOT_IN_PYRADIOMICS,
  },
  { family: F.histogram, feature: 'Intensity histogram mode', reason: NOT_IN_PYRADIOMICS },
  {
    family: F.histogram,
    feature: 'Intensity histogram median absolute deviation',
    reason: NOT_IN_PYRADIOMICS,
  },
  {
    family: F.histogram,
    feature: 'Intensity histogram coefficient of variation',
    reason: NOT_IN_PYRADIOMICS,
  },
  {
    family: F.histogram,
    feature: 'Intensity histogram quartile coefficient of dispersion',
    reason: NOT_IN_PYRADIOMICS,
  },
  { family: F.histogram, feature: 'Maximum histogram gradient', reason: NOT_IN_PYRADIOMICS },
  { family: F.histogram, feature: 'Maximum histogram gradient intensity', reason: NOT_IN_PYRADIOMICS },
  { family: F.histogram, feature: 'Minimum histogram gradient', reason: NOT_IN_PYRADIOMICS },
  { family: F.histogram, feature: 'Minimum histogram gradient intensity', reason: NOT_IN_PYRADIOMICS },
  {
    family: F.ngldm,
    feature: 'Dependence count percentage',
    reason:
      'PyRadiomics removed it: every voxel has a dependence zone, so it is always 1 (PyRadiomics "Excluded Radiomic Features").',
  },
  { family: F.ngldm, feature: 'Dependence count energy', reason: NOT_IN_PYRADIOMICS },
];

export type Resolution =
  | { kind: 'mapped'; mapping: FeatureMapping; setting: Record<string, unknown>; aggregation: string }
  | { kind: 'not computed'; reason: string };

/**
 * What this engine computes for one IBSI reference row: the PyRadiomics feature and the
 * `setting:` section for its aggregation, or why nothing is computed. Throws for a row the
 * tables above do not know (so a new or renamed IBSI feature cannot be skipped silently).
 */
export function resolveIbsiFeature(family: string, feature: string, aggregation: string): Resolution {
  const familyReason = NOT_COMPUTED_FAMILIES[family as IbsiFamily];
  if (familyReason !== undefined) return { kind: 'not computed', reason: familyReason };
  const missing = NOT_COMPUTED_FEATURES.find((n) => n.family === family && n.feature === feature);
  if (missing) return { kind: 'not computed', reason: missing.reason };
  const mapping = FEATURE_MAP.find((m) => m.family === family && m.feature === feature);
  if (!mapping) throw new RangeError(`IBSI feature not in the map: ${family} / ${feature}`);
  const support = AGGREGATIONS[aggregation];
  if (!support) throw new RangeError(`unknown IBSI aggregation "${aggregation}" (${family} / ${feature})`);
  if (!support.available)
    return { kind: 'not computed', reason: `aggregation ${aggregation}: ${support.reason}` };
  return { kind: 'mapped', mapping, aggregation, setting: { ...IBSI_PHANTOM_SETTING, ...support.setting } };
}

/** The extractor's output key for a mapped feature (image type Original). */
export function pyradiomicsKey(m: FeatureMapping): string {
  return `original_${m.pyradiomics.featureClass}_${m.pyradiomics.feature}`;
}
