/**
 * Test support for the shape families: loads a PyRadiomics breast1 reference case and crops it to the
 * bounding box of label 1 without padding (a local stand-in for roi.ts, so the shape tests do not depend
 * on the extractor pipeline).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNrrd } from '../../imaging/nrrd.ts';
import type { Vec3 } from '../../imaging/volume.ts';
import type { CroppedRoi } from '../types.ts';

export const BREAST1_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/reference/pyradiomics/breast1',
);

export function breast1Available(...files: string[]): boolean {
  return files.every((f) => existsSync(path.join(BREAST1_DIR, f)));
}

export function readReferenceFeatures(jsonFile: string): Record<string, number> {
  const doc = JSON.parse(readFileSync(path.join(BREAST1_DIR, jsonFile), 'utf8')) as {
    features: Record<string, number>;
  };
  return doc.features;
}

/** Crop `maskFile` (label `label`) with `imageFile` to the label's bounding box. */
export function loadCroppedRoi(imageFile: string, maskFile: string, label = 1): CroppedRoi {
  const image = readNrrd(readFileSync(path.join(BREAST1_DIR, imageFile)));
  const mask = readNrrd(readFileSync(path.join(BREAST1_DIR, maskFile)));
  const [ni, nj, nk] = mask.size;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  for (let k = 0; k < nk; k += 1) {
    for (let j = 0; j < nj; j += 1) {
      for (let i = 0; i < ni; i += 1) {
        if (mask.data[i + ni * (j + nj * k)] !== label) continue;
        [i, j, k].forEach((v, d) => {
          lo[d] = Math.min(lo[d]!, v);
          hi[d] = Math.max(hi[d]!, v);
        });
      }
    }
  }
  if (hi[0]! < 0) throw new Error(`label ${label} absent from ${maskFile}`);
  const size: Vec3 = [hi[0]! - lo[0]! + 1, hi[1]! - lo[1]! + 1, hi[2]! - lo[2]! + 1];
  const n = size[0] * size[1] * size[2];
  const cropImage = new Float64Array(n);
  const cropMask = new Uint8Array(n);
  for (let k = 0; k < size[2]; k += 1) {
    for (let j = 0; j < size[1]; j += 1) {
      for (let i = 0; i < size[0]; i += 1) {
        const src = i + lo[0]! + ni * (j + lo[1]! + nj * (k + lo[2]!));
        const dst = i + size[0] * (j + size[1] * k);
        cropImage[dst] = Number(image.data[src]);
        cropMask[dst] = mask.data[src] === label ? 1 : 0;
      }
    }
  }
  return { size, spacingMm: mask.spacingMm, image: cropImage, mask: cropMask };
}

/** An ROI from a predicate over voxel indices on an (ni, nj, nk) grid. */
export function roiFrom(
  size: Vec3,
  spacingMm: Vec3,
  inside: (i: number, j: number, k: number) => boolean,
): CroppedRoi {
  const n = size[0] * size[1] * size[2];
  const mask = new Uint8Array(n);
  for (let k = 0; k < size[2]; k += 1)
    for (let j = 0; j < size[1]; j += 1)
      for (let i = 0; i < size[0]; i += 1) mask[i + size[0] * (j + size[1] * k)] = inside(i, j, k) ? 1 : 0;
  return { size, spacingMm, image: new Float64Array(n), mask };
}

/** Relative difference, or absolute difference when the reference is near zero. */
export function closeTo(actual: number, expected: number, rel = 1e-3, abs = 1e-6): boolean {
  if (Math.abs(expected) < abs) return Math.abs(actual - expected) <= abs;
  return Math.abs(actual - expected) <= rel * Math.abs(expected);
}
