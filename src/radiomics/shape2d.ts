/**
 * PyRadiomics 2D shape features (`radiomics/shape2D.py`, class RadiomicsShape2D; C core `cshape.c`
 * `calculate_coefficients2D`). Reference values (breast1_shape2D.json) were produced by PyRadiomics
 * 2.1.0 (the class appeared in 2.1.0; its definitions are unchanged in 3.x). As in PyRadiomics, the
 * ROI must be one voxel thick along `force2Ddimension` (a NumPy axis of the (z, y, x) array: 0 = k,
 * 1 = j, 2 = i); that axis is dropped and the remaining plane is padded with one zero pixel per side.
 *
 * Notation: A = MeshSurface, P = Perimeter, Np = number of ROI pixels, λ_major ≥ λ_minor the PCA
 * eigenvalues of the physical pixel-centre coordinates.
 */
import type { Vec3 } from '../imaging/volume.ts';
import type { CroppedRoi, FeatureValues } from './types.ts';
import { contourDiameter, marchingSquares, type ContourMesh } from './mesh/marchingSquares.ts';
import { principalEigenvalues } from './mesh/principalAxes.ts';

export interface Shape2DOptions {
  /** `force2Ddimension`: the out-of-plane NumPy axis (0 = z/k, 1 = y/j, 2 = x/i). */
  force2Ddimension: 0 | 1 | 2;
}

export interface Shape2DCoefficients {
  contour: ContourMesh;
  diameter: number;
  np: number;
  pixelAreaMm2: number;
  /** PCA eigenvalues, ascending: [λ_minor, λ_major]. */
  eigenvalues: [number, number];
}

export function shape2DCoefficients(roi: CroppedRoi, opts: Shape2DOptions): Shape2DCoefficients {
  // Our axis index of each NumPy axis (z, y, x) is (2, 1, 0).
  const dropped = 2 - opts.force2Ddimension;
  if (roi.size[dropped] !== 1) {
    throw new Error(
      `Size of the mask in dimension ${opts.force2Ddimension} is ${roi.size[dropped]}, not 1: cannot compute 2D shape`,
    );
  }
  // In-plane axes in NumPy order: the slower (row) then the faster (column), as our axis indices.
  const [rowAxis, colAxis] = [2, 1, 0].filter((a) => a !== dropped) as [number, number];
  const nr = roi.size[rowAxis]!;
  const nc = roi.size[colAxis]!;
  const sr = roi.spacingMm[rowAxis]!;
  const sc = roi.spacingMm[colAxis]!;
  const stride: Vec3 = [1, roi.size[0], roi.size[0] * roi.size[1]];
  const pr = nr + 2;
  const pc = nc + 2;
  const padded = new Uint8Array(pr * pc);
  const coords: number[] = [];
  for (let r = 0; r < nr; r += 1) {
    for (let c = 0; c < nc; c += 1) {
      if (!roi.mask[r * stride[rowAxis]! + c * stride[colAxis]!]) continue;
      padded[(r + 1) * pc + c + 1] = 1;
      coords.push(r * sr, c * sc);
    }
  }
  const contour = marchingSquares({ shape: [pr, pc], spacing: [sr, sc], data: padded });
  const eig = principalEigenvalues(Float64Array.from(coords), 2);
  return {
    contour,
    diameter: contourDiameter(contour.vertices),
    np: coords.length / 2,
    pixelAreaMm2: sr * sc,
    eigenvalues: [eig[0]!, eig[1]!],
  };
}

/** MeshSurface: A = Σ_f ½ (O a_f × O b_f), signed triangles of each contour segment with the origin. */
export function meshSurface(c: Shape2DCoefficients): number {
  return c.contour.surface;
}

/** PixelSurface: Np · (pixel area). */
export function pixelSurface(c: Shape2DCoefficients): number {
  return c.np * c.pixelAreaMm2;
}

/** Perimeter: P = Σ_f |a_f b_f|. */
export function perimeter(c: Shape2DCoefficients): number {
  return c.contour.perimeter;
}

/** PerimeterSurfaceRatio: P / A. */
export function perimeterSurfaceRatio(c: Shape2DCoefficients): number {
  return c.contour.perimeter / c.contour.surface;
}

/** Sphericity: 2 √(π A) / P. */
export function sphericity2D(c: Shape2DCoefficients): number {
  return (2 * Math.sqrt(Math.PI * c.contour.surface)) / c.contour.perimeter;
}

/** SphericalDisproportion (deprecated in PyRadiomics, not in the reference): P / (2 √(π A)). */
export function sphericalDisproportion2D(c: Shape2DCoefficients): number {
  return 1 / sphericity2D(c);
}

/** MaximumDiameter: largest pairwise Euclidean distance between contour vertices. */
export function maximumDiameter(c: Shape2DCoefficients): number {
  return c.diameter;
}

/** MajorAxisLength: 4 √λ_major. */
export function majorAxisLength2D(c: Shape2DCoefficients): number {
  return c.eigenvalues[1] < 0 ? Number.NaN : 4 * Math.sqrt(c.eigenvalues[1]);
}

/** MinorAxisLength: 4 √λ_minor. */
export function minorAxisLength2D(c: Shape2DCoefficients): number {
  return c.eigenvalues[0] < 0 ? Number.NaN : 4 * Math.sqrt(c.eigenvalues[0]);
}

/** Elongation: √(λ_minor / λ_major). */
export function elongation2D(c: Shape2DCoefficients): number {
  const [minor, major] = c.eigenvalues;
  return minor < 0 || major < 0 ? Number.NaN : Math.sqrt(minor / major);
}

/** The 9 PyRadiomics shape2D features enabled by default (bare names) of a one-voxel-thick ROI. */
export function computeShape2DFeatures(roi: CroppedRoi, opts: Shape2DOptions): FeatureValues {
  const c = shape2DCoefficients(roi, opts);
  return {
    Elongation: elongation2D(c),
    MajorAxisLength: majorAxisLength2D(c),
    MaximumDiameter: maximumDiameter(c),
    MeshSurface: meshSurface(c),
    MinorAxisLength: minorAxisLength2D(c),
    Perimeter: perimeter(c),
    PerimeterSurfaceRatio: perimeterSurfaceRatio(c),
    PixelSurface: pixelSurface(c),
    Sphericity: sphericity2D(c),
  };
}
