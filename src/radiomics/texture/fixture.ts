/**
 * Test fixture for the texture families: the PyRadiomics test case `breast1` (image and label
 * NRRD under ../shared/reference/pyradiomics/breast1), cropped to the mask's bounding box and
 * discretised with `discretise.ts` (PyRadiomics' imageoperations.binImage). Used by the
 * *.test.ts files only.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNrrd } from '../../imaging/nrrd.ts';
import { discretise } from '../discretise.ts';
import type { DiscretisedRoi, TextureSettings } from '../types.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REFERENCE_DIR = path.resolve(HERE, '../../../../shared/reference/pyradiomics/breast1');

export interface ReferenceFile {
  settings: Record<string, unknown>;
  features: Record<string, number>;
}

export function referenceAvailable(): boolean {
  return (
    existsSync(path.join(REFERENCE_DIR, 'breast1_image.nrrd')) &&
    existsSync(path.join(REFERENCE_DIR, 'breast1_label.nrrd'))
  );
}

export function loadReference(name: string): ReferenceFile {
  return JSON.parse(readFileSync(path.join(REFERENCE_DIR, name), 'utf8')) as ReferenceFile;
}

export interface FixtureOptions {
  binWidth?: number;
  binCount?: number;
  /** resegmentRange: [low] or [low, high] (absolute). */
  resegmentRange?: number[] | null;
}

/** breast1, cropped to its label-1 bounding box and discretised. */
export function loadBreast1(opts: FixtureOptions = {}): DiscretisedRoi {
  const img = readNrrd(readFileSync(path.join(REFERENCE_DIR, 'breast1_image.nrrd')));
  const lab = readNrrd(readFileSync(path.join(REFERENCE_DIR, 'breast1_label.nrrd')));
  const [nx, ny] = img.size;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  lab.data.forEach((v, idx) => {
    if (v !== 1) return;
    const c = [idx % nx, Math.floor(idx / nx) % ny, Math.floor(idx / (nx * ny))];
    for (let a = 0; a < 3; a += 1) {
      lo[a] = Math.min(lo[a]!, c[a]!);
      hi[a] = Math.max(hi[a]!, c[a]!);
    }
  });
  const size = [hi[0]! - lo[0]! + 1, hi[1]! - lo[1]! + 1, hi[2]! - lo[2]! + 1] as const;
  const n = size[0] * size[1] * size[2];
  const image = new Float64Array(n);
  const mask = new Uint8Array(n);
  for (let k = 0, v = 0; k < size[2]; k += 1)
    for (let j = 0; j < size[1]; j += 1)
      for (let i = 0; i < size[0]; i += 1, v += 1) {
        const src = i + lo[0]! + nx * (j + lo[1]! + ny * (k + lo[2]!));
        image[v] = img.data[src]!;
        let m = lab.data[src] === 1;
        const r = opts.resegmentRange;
        if (m && r && r.length > 0) m = image[v]! >= r[0]! && (r.length < 2 || image[v]! <= r[1]!);
        mask[v] = m ? 1 : 0;
      }
  return discretise(
    { size, spacingMm: img.spacingMm, image, mask },
    { binWidth: opts.binWidth ?? 25, binCount: opts.binCount ?? null },
  );
}

/** TextureSettings from a reference file's `settings` (PyRadiomics defaults otherwise). */
export function textureSettings(settings: Record<string, unknown>): TextureSettings {
  return {
    distances: (settings['distances'] as number[] | undefined) ?? [1],
    symmetricalGLCM: (settings['symmetricalGLCM'] as boolean | undefined) ?? true,
    weightingNorm: (settings['weightingNorm'] as TextureSettings['weightingNorm'] | undefined) ?? null,
    gldmA: (settings['gldm_a'] as number | undefined) ?? 0,
    force2D: (settings['force2D'] as boolean | undefined) ?? false,
    force2Ddimension: (settings['force2Ddimension'] as 0 | 1 | 2 | undefined) ?? 0,
  };
}

/** The fixture for one reference file, per its settings. */
export function fixtureFor(ref: ReferenceFile): { roi: DiscretisedRoi; settings: TextureSettings } {
  const st = ref.settings;
  const roi = loadBreast1({
    binWidth: (st['binWidth'] as number | undefined) ?? 25,
    binCount: st['binCount'] as number | undefined,
    resegmentRange: st['resegmentRange'] as number[] | null | undefined,
  });
  return { roi, settings: textureSettings(st) };
}

/** Relative difference with PyRadiomics' parity tolerance: rel 1e-3, abs 1e-6 near zero. */
export function withinTolerance(actual: number, expected: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  return Math.abs(actual - expected) <= Math.max(1e-6, 1e-3 * Math.abs(expected));
}

export function relativeError(actual: number, expected: number): number {
  const d = Math.abs(actual - expected);
  return Math.abs(expected) < 1e-6 ? d : d / Math.abs(expected);
}

/** A small all-ROI test image from rows of gray levels (rows[j][i], one slice, spacing 1 mm). */
export function roiFromRows(rows: number[][]): DiscretisedRoi {
  const nx = rows[0]!.length;
  const ny = rows.length;
  const gray = Int32Array.from(rows.flat());
  let max = 1;
  for (const g of gray) max = Math.max(max, g);
  const binEdges = Array.from({ length: max + 1 }, (_, e) => e + 0.5);
  return {
    size: [nx, ny, 1],
    spacingMm: [1, 1, 1],
    image: Float64Array.from(gray),
    mask: new Uint8Array(gray.length).fill(1),
    gray,
    binEdges,
  };
}

export const DEFAULT_TEXTURE_SETTINGS: TextureSettings = textureSettings({});

/** The reference files each family is checked against (those that contain the family). */
export const PARITY_FILES = [
  'breast1.json',
  'breast1_FBN.json',
  'breast1_combined.json',
  'breast1_flatRegion.json',
  'breast1_2d.json',
] as const;

export interface ParityResult {
  total: number;
  mismatches: string[];
  maxRelativeError: number;
}

/** Compares every `original_<family>_*` feature of a reference file with `compute`'s output. */
export function checkParity(
  family: string,
  file: string,
  compute: (roi: DiscretisedRoi, s: TextureSettings) => Record<string, number>,
): ParityResult | null {
  const ref = loadReference(file);
  const prefix = `original_${family}_`;
  const keys = Object.keys(ref.features).filter((k) => k.startsWith(prefix));
  if (keys.length === 0) return null;
  const { roi, settings } = fixtureFor(ref);
  const got = compute(roi, settings);
  const mismatches: string[] = [];
  let maxRelativeError = 0;
  for (const k of keys) {
    const name = k.slice(prefix.length);
    const actual = got[name];
    const expected = ref.features[k]!;
    if (actual === undefined || !withinTolerance(actual, expected))
      mismatches.push(`${name}: ${actual} ≠ ${expected}`);
    if (actual !== undefined) maxRelativeError = Math.max(maxRelativeError, relativeError(actual, expected));
  }
  const extra = Object.keys(got).filter((n) => !(prefix + n in ref.features));
  for (const n of extra) mismatches.push(`${n}: not in the reference`);
  return { total: keys.length, mismatches, maxRelativeError };
}
