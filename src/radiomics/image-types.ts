/**
 * Image types (PyRadiomics imageoperations.get<Type>Image, PyRadiomics 3.1): each enabled type
 * yields one or more derived images of the loaded (normalised, resampled) image, named as
 * PyRadiomics names them, in the order it yields them. Features of a derived image are prefixed
 * with its name (`original_…`, `log-sigma-1-0-mm-3D_…`, `wavelet-HLL_…`, `gradient_…`).
 */
import { gradientMagnitude } from '../imaging/filters/gradient-magnitude.ts';
import {
  exponentialImage,
  logarithmImage,
  squareImage,
  squareRootImage,
} from '../imaging/filters/intensity-maps.ts';
import { laplacianOfGaussian, logSigmaFits } from '../imaging/filters/laplacian-of-gaussian.ts';
import { pyradiomicsWaveletAxes, waveletImages } from '../imaging/filters/stationary-wavelet.ts';
import type { Volume } from '../imaging/volume.ts';
import type { ExtractionSettings, ImageTypeName, ImageTypeSettings } from './settings.ts';

export interface DerivedImage {
  /** PyRadiomics' image-type name, the feature-name prefix. */
  name: string;
  image: Volume;
  /** Settings the features of this image are computed with. */
  settings: ImageTypeSettings;
}

/** A derived image PyRadiomics would skip (it logs a warning); reported in diagnostics. */
export interface SkippedImage {
  name: string;
  reason: string;
}

/**
 * Python's str() of a float as PyRadiomics puts it in the LoG name: integral values keep ".0"
 * (YAML `1.0` and `1` both parse to the number 1 here; PyRadiomics parameter files write 1.0).
 */
function pythonFloat(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/** `log-sigma-1-0-mm-3D` for σ = 1.0 (getLoGImage). */
export function logImageName(sigmaMm: number): string {
  return `log-sigma-${pythonFloat(sigmaMm).replace('.', '-')}-mm-3D`;
}

type ImageTypeGenerator = (
  image: Volume,
  s: ImageTypeSettings,
  skipped: SkippedImage[],
) => Iterable<{ name: string; image: Volume }>;

const GENERATORS: Record<ImageTypeName, ImageTypeGenerator | null> = {
  Original: (image) => [{ name: 'original', image }],
  LoG: function* (image, s, skipped) {
    // getLoGImage: nothing for an image smaller than 4 voxels along an axis; a sigma is skipped
    // when the image is not at least ⌈σ / spacing⌉ + 1 voxels along every axis.
    if (Math.min(...image.size) < 4) {
      skipped.push({ name: 'LoG', reason: `image size ${image.size.join('×')} is below 4 voxels` });
      return;
    }
    for (const sigma of s.sigma) {
      const name = logImageName(sigma);
      if (!logSigmaFits(image.size, image.spacingMm, sigma)) {
        skipped.push({ name, reason: `sigma ${sigma} mm needs a larger image than ${image.size.join('×')}` });
        continue;
      }
      yield { name, image: laplacianOfGaussian(image, sigma) };
    }
  },
  Wavelet: (image, s) =>
    waveletImages(image, {
      wavelet: s.wavelet,
      level: s.level,
      startLevel: s.start_level,
      axes: pyradiomicsWaveletAxes(s.force2D, s.force2Ddimension),
    }),
  Square: (image) => [{ name: 'square', image: squareImage(image) }],
  SquareRoot: (image) => [{ name: 'squareroot', image: squareRootImage(image) }],
  Logarithm: (image) => [{ name: 'logarithm', image: logarithmImage(image) }],
  Exponential: (image) => [{ name: 'exponential', image: exponentialImage(image) }],
  Gradient: (image, s) => [{ name: 'gradient', image: gradientMagnitude(image, s.gradientUseSpacing) }],
};

/** Throws for an enabled image type not built yet (never skipped silently). */
export function checkImageTypes(settings: ExtractionSettings): void {
  const missing = settings.imageTypes.filter((t) => GENERATORS[t.type] === null).map((t) => t.type);
  if (missing.length > 0) throw new RangeError(`not supported yet: imageType ${missing.join(', ')}`);
}

/** Every derived image of the enabled image types, lazily (one filter output alive at a time). */
export function* derivedImages(
  image: Volume,
  settings: ExtractionSettings,
  skipped: SkippedImage[] = [],
): Generator<DerivedImage> {
  checkImageTypes(settings);
  for (const { type, settings: s } of settings.imageTypes)
    for (const d of GENERATORS[type]!(image, s, skipped)) yield { ...d, settings: s };
}
