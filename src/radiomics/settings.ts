/**
 * PyRadiomics parameter files (YAML with `setting`, `imageType`, `featureClass`, `voxelSetting`)
 * parsed into typed extraction settings with PyRadiomics' defaults (PyRadiomics documentation,
 * "Customizing the extraction", and radiomics/schemas/paramSchema.yaml).
 *
 * Anything PyRadiomics knows that is not built here (voxel-based extraction, LBP image types,
 * windowed-sinc interpolators) is refused with "not supported yet: …", never silently ignored.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { TextureSettings } from './types.ts';

export const FAMILY_NAMES = [
  'firstorder',
  'shape',
  'shape2D',
  'glcm',
  'glrlm',
  'glszm',
  'gldm',
  'ngtdm',
] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

/** An invalid parameter file or setting, named precisely. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

const WEIGHTING_NORMS = ['manhattan', 'euclidean', 'infinity', 'no_weighting'] as const;
const INTERPOLATORS = [
  'sitkNearestNeighbor',
  'sitkLinear',
  'sitkBSpline',
  'sitkGaussian',
  'sitkLabelGaussian',
  'sitkHammingWindowedSinc',
  'sitkCosineWindowedSinc',
  'sitkWelchWindowedSinc',
  'sitkLanczosWindowedSinc',
  'sitkBlackmanWindowedSinc',
] as const;

/** The `setting:` section. Keys and defaults as PyRadiomics (featureextractor._setDefaultSettings). */
const settingSchema = z
  .object({
    minimumROIDimensions: z.number().int().min(1).max(3).default(2),
    minimumROISize: z.number().int().positive().nullable().default(null),
    normalize: z.boolean().default(false),
    normalizeScale: z.number().positive().default(1),
    removeOutliers: z.number().positive().nullable().default(null),
    resampledPixelSpacing: z.array(z.number().nonnegative()).length(3).nullable().default(null),
    interpolator: z.enum(INTERPOLATORS).nullable().default('sitkBSpline'),
    preCrop: z.boolean().default(false),
    padDistance: z.number().int().nonnegative().default(5),
    distances: z.array(z.number().int().positive()).min(1).default([1]),
    force2D: z.boolean().default(false),
    force2Ddimension: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
    resegmentRange: z.array(z.number()).min(1).max(2).nullable().default(null),
    resegmentMode: z.enum(['absolute', 'relative', 'sigma']).default('absolute'),
    resegmentShape: z.boolean().default(false),
    label: z.number().int().positive().default(1),
    label_channel: z.number().int().nonnegative().default(0),
    additionalInfo: z.boolean().default(true),
    binWidth: z.number().positive().default(25),
    binCount: z.number().int().positive().nullable().default(null),
    voxelArrayShift: z.number().default(0),
    symmetricalGLCM: z.boolean().default(true),
    weightingNorm: z.enum(WEIGHTING_NORMS).nullable().default(null),
    gldm_a: z.number().nonnegative().default(0),
    correctMask: z.boolean().default(false),
    geometryTolerance: z.number().positive().nullable().default(null),
    // Filter settings (imageoperations.get<Type>Image); usually given under imageType.<Type>.
    sigma: z.array(z.number().positive()).default([]),
    wavelet: z.string().min(1).default('coif1'),
    level: z.number().int().positive().default(1),
    start_level: z.number().int().nonnegative().default(0),
    gradientUseSpacing: z.boolean().default(true),
  })
  .strict();

/** Settings PyRadiomics knows that belong to LBP filters / voxel-based extraction, not built. */
const UNSUPPORTED_SETTINGS = new Set([
  'lbp2DRadius',
  'lbp2DSamples',
  'lbp2DMethod',
  'lbp3DLevels',
  'lbp3DIcosphereRadius',
  'lbp3DIcosphereSubdivision',
  'kernelRadius',
  'maskedKernel',
  'initValue',
  'voxelBatch',
]);

export const IMAGE_TYPE_NAMES = [
  'Original',
  'LoG',
  'Wavelet',
  'Square',
  'SquareRoot',
  'Logarithm',
  'Exponential',
  'Gradient',
] as const;
export type ImageTypeName = (typeof IMAGE_TYPE_NAMES)[number];
const KNOWN_IMAGE_TYPES: readonly string[] = [...IMAGE_TYPE_NAMES, 'LBP2D', 'LBP3D'];

/** Interpolators built (imaging/resample.ts); PyRadiomics' other SimpleITK ones are refused. */
const BUILT_INTERPOLATORS: readonly string[] = ['sitkNearestNeighbor', 'sitkLinear', 'sitkBSpline'];

export type FeatureSelection = Partial<Record<FamilyName, string[] | null>>;

export interface ExtractionSettings {
  minimumROIDimensions: number;
  minimumROISize: number | null;
  normalize: boolean;
  normalizeScale: number;
  removeOutliers: number | null;
  resampledPixelSpacing: number[] | null;
  interpolator: (typeof INTERPOLATORS)[number] | null;
  preCrop: boolean;
  padDistance: number;
  distances: number[];
  force2D: boolean;
  force2Ddimension: 0 | 1 | 2;
  resegmentRange: number[] | null;
  resegmentMode: 'absolute' | 'relative' | 'sigma';
  resegmentShape: boolean;
  label: number;
  label_channel: number;
  additionalInfo: boolean;
  binWidth: number;
  binCount: number | null;
  voxelArrayShift: number;
  symmetricalGLCM: boolean;
  weightingNorm: TextureSettings['weightingNorm'];
  gldm_a: number;
  correctMask: boolean;
  geometryTolerance: number | null;
  /** LoG: sigma values in mm (imageoperations.getLoGImage). */
  sigma: number[];
  /** Wavelet: PyWavelets name, number of levels, first level kept (getWaveletImage). */
  wavelet: string;
  level: number;
  start_level: number;
  /** Gradient: divide differences by the spacing (getGradientImage). */
  gradientUseSpacing: boolean;
  /**
   * Enabled image types in parameter-file order, each with its effective settings: the
   * `setting:` section overridden by the type's own mapping (PyRadiomics' customKwargs).
   */
  imageTypes: { type: ImageTypeName; settings: ImageTypeSettings }[];
  /**
   * Enabled feature classes: `null` = every (non-deprecated) feature of the class, a list =
   * those only. A class absent from the record is disabled.
   */
  featureClass: FeatureSelection;
}

function formatIssues(err: z.ZodError, section: string): string {
  return err.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown ${section} key(s): ${i.keys.join(', ')}`;
      const where = i.path.length > 0 ? `${section}.${i.path.join('.')}` : section;
      return `${where}: ${i.message}`;
    })
    .join('; ');
}

function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new SettingsError(`${what} must be a mapping`);
  return v as Record<string, unknown>;
}

/** The settings one image type's features are computed with (no nested image types). */
export type ImageTypeSettings = Omit<ExtractionSettings, 'imageTypes' | 'featureClass'>;

function parseSettingSection(raw: Record<string, unknown>, section: string): z.infer<typeof settingSchema> {
  const unsupported = Object.keys(raw).filter((k) => UNSUPPORTED_SETTINGS.has(k));
  if (unsupported.length > 0)
    throw new SettingsError(
      `not supported yet: ${section} key(s) ${unsupported.join(', ')} (LBP filters, voxel-based extraction)`,
    );
  const parsed = settingSchema.safeParse(raw);
  if (!parsed.success)
    throw new SettingsError(`invalid parameter file: ${formatIssues(parsed.error, section)}`);
  const s = parsed.data;
  if (s.interpolator !== null && !BUILT_INTERPOLATORS.includes(s.interpolator))
    throw new SettingsError(
      `not supported yet: ${section}.interpolator ${s.interpolator} (supported: ${BUILT_INTERPOLATORS.join(', ')})`,
    );
  if (s.label_channel !== 0) throw new SettingsError('not supported yet: label_channel (vector masks)');
  return s;
}

/** Builds settings from already-parsed parameter-file content (the YAML's top-level mapping). */
export function settingsFromParams(params: unknown): ExtractionSettings {
  const top = asRecord(params, 'parameter file');
  const unknownTop = Object.keys(top).filter(
    (k) => !['setting', 'imageType', 'featureClass', 'voxelSetting'].includes(k),
  );
  if (unknownTop.length > 0)
    throw new SettingsError(
      `unknown top-level key(s) in parameter file: ${unknownTop.join(', ')} (expected setting, imageType, featureClass, voxelSetting)`,
    );
  if (top.voxelSetting !== undefined && top.voxelSetting !== null)
    throw new SettingsError('not supported yet: voxelSetting (voxel-based extraction)');

  const rawSetting = { ...asRecord(top.setting, 'setting') };
  const s = parseSettingSection(rawSetting, 'setting');

  // imageType: absent means Original only (PyRadiomics default). Each type's mapping overrides
  // `setting:` for that type's features (featureextractor.execute: args.update(customKwargs)).
  const imageType = top.imageType === undefined ? { Original: {} } : asRecord(top.imageType, 'imageType');
  const imageTypes: ExtractionSettings['imageTypes'] = [];
  for (const [name, custom] of Object.entries(imageType)) {
    if (!KNOWN_IMAGE_TYPES.includes(name))
      throw new SettingsError(
        `unknown imageType ${name} (PyRadiomics knows ${KNOWN_IMAGE_TYPES.join(', ')})`,
      );
    if (!(IMAGE_TYPE_NAMES as readonly string[]).includes(name))
      throw new SettingsError(`not supported yet: imageType ${name} (local binary patterns)`);
    const merged = { ...rawSetting, ...asRecord(custom, `imageType.${name}`) };
    imageTypes.push({
      type: name as ImageTypeName,
      settings: parseSettingSection(merged, `imageType.${name}`),
    });
  }
  if (imageTypes.length === 0) throw new SettingsError('no image type enabled: imageType is empty');
  const log = imageTypes.find((t) => t.type === 'LoG');
  if (log && log.settings.sigma.length === 0)
    throw new SettingsError('imageType LoG needs sigma: a list of sigma values in mm (e.g. [1.0, 2.0, 3.0])');

  // featureClass: absent means every class (PyRadiomics enables all by default).
  const featureClass: FeatureSelection = {};
  if (top.featureClass === undefined) {
    for (const f of FAMILY_NAMES) if (f !== 'shape2D') featureClass[f] = null;
  } else {
    for (const [name, list] of Object.entries(asRecord(top.featureClass, 'featureClass'))) {
      if (!(FAMILY_NAMES as readonly string[]).includes(name))
        throw new SettingsError(`unknown featureClass ${name} (known: ${FAMILY_NAMES.join(', ')})`);
      if (list === null || list === undefined || (Array.isArray(list) && list.length === 0)) {
        featureClass[name as FamilyName] = null;
      } else if (Array.isArray(list) && list.every((x) => typeof x === 'string')) {
        featureClass[name as FamilyName] = list as string[];
      } else {
        throw new SettingsError(`featureClass.${name} must be empty or a list of feature names`);
      }
    }
  }
  if (featureClass.shape2D !== undefined && !s.force2D)
    throw new SettingsError('featureClass shape2D requires force2D: true (as PyRadiomics)');

  return { ...s, imageTypes, featureClass };
}

/** Parses a PyRadiomics YAML parameter file. An empty file gives the defaults. */
export function parseSettingsYaml(text: string, source = 'parameter file'): ExtractionSettings {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new SettingsError(`${source} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return settingsFromParams(doc ?? {});
  } catch (err) {
    if (err instanceof SettingsError) throw new SettingsError(`${source}: ${err.message}`);
    throw err;
  }
}

/** PyRadiomics defaults with every feature class enabled (no parameter file). */
export function defaultSettings(): ExtractionSettings {
  return settingsFromParams({});
}

/** The settings the texture families read. */
export function textureSettings(s: ExtractionSettings): TextureSettings {
  return {
    distances: s.distances,
    symmetricalGLCM: s.symmetricalGLCM,
    weightingNorm: s.weightingNorm,
    gldmA: s.gldm_a,
    force2D: s.force2D,
    force2Ddimension: s.force2Ddimension,
  };
}
