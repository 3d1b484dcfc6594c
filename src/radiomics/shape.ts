/**
 * PyRadiomics 3D shape features (`radiomics/shape.py`, class RadiomicsShape; C core `cshape.c`).
 * Reference values (breast1.json) were produced by PyRadiomics 2.0.1 (shape class); the definitions
 * below are those of 2.0.x, which are unchanged in 3.x for the 14 features computed here: the mesh comes
 * from PyRadiomics' marching-cubes variant on the zero-padded mask, maximum diameters from the mesh
 * vertices, axis lengths from the PCA of the physical coordinates of the ROI voxel centres.
 *
 * Notation (PyRadiomics docs): V = MeshVolume, A = SurfaceArea, Np = number of ROI voxels,
 * λ_major ≥ λ_minor ≥ λ_least the principal-component eigenvalues.
 */
import type { CroppedRoi, FeatureValues } from './types.ts';
import { marchingCubes, meshDiameters, type MeshDiameters, type SurfaceMesh } from './mesh/marchingCubes.ts';
import { padMaskZyx } from './mesh/padding.ts';
import { principalEigenvalues } from './mesh/principalAxes.ts';

/** What every 3D shape feature is computed from; the mesh is built once. */
export interface ShapeCoefficients {
  mesh: SurfaceMesh;
  diameters: MeshDiameters;
  /** Number of ROI voxels. */
  np: number;
  /** Volume of one voxel, mm³. */
  voxelVolumeMm3: number;
  /** PCA eigenvalues, ascending: [λ_least, λ_minor, λ_major]. */
  eigenvalues: [number, number, number];
}

export function shapeCoefficients(roi: CroppedRoi): ShapeCoefficients {
  const padded = padMaskZyx(roi.mask, roi.size, roi.spacingMm);
  const mesh = marchingCubes(padded);
  const diameters = meshDiameters(mesh.vertices);
  const [si, sj, sk] = roi.spacingMm;
  const coords = voxelCentres(roi.mask, roi.size, roi.spacingMm);
  const np = coords.length / 3;
  const eig = principalEigenvalues(coords, 3);
  return {
    mesh,
    diameters,
    np,
    voxelVolumeMm3: si * sj * sk,
    eigenvalues: [eig[0]!, eig[1]!, eig[2]!],
  };
}

/** Physical (z, y, x) coordinates of the ROI voxel centres, in scan order, 3 per voxel. */
function voxelCentres(mask: Uint8Array, size: readonly number[], spacingMm: readonly number[]): Float64Array {
  const [ni, nj, nk] = size as [number, number, number];
  const [si, sj, sk] = spacingMm as [number, number, number];
  let np = 0;
  for (let n = 0; n < mask.length; n += 1) if (mask[n]) np += 1;
  const coords = new Float64Array(3 * np);
  for (let k = 0, n = 0, c = 0; k < nk; k += 1)
    for (let j = 0; j < nj; j += 1)
      for (let i = 0; i < ni; i += 1, n += 1) {
        if (!mask[n]) continue;
        coords[c] = k * sk;
        coords[c + 1] = j * sj;
        coords[c + 2] = i * si;
        c += 3;
      }
  return coords;
}

/** MeshVolume: V = Σ_f (O a_f · (O b_f × O c_f)) / 6, signed tetrahedra of each mesh triangle with the origin. */
export function meshVolume(c: ShapeCoefficients): number {
  return c.mesh.volume;
}

/** VoxelVolume: V_voxel = Σ_k V_k = Np · (spacing product). */
export function voxelVolume(c: ShapeCoefficients): number {
  return c.np * c.voxelVolumeMm3;
}

/** SurfaceArea: A = Σ_f ½ |a_f b_f × a_f c_f|. */
export function surfaceArea(c: ShapeCoefficients): number {
  return c.mesh.surfaceArea;
}

/** SurfaceVolumeRatio: A / V. */
export function surfaceVolumeRatio(c: ShapeCoefficients): number {
  return c.mesh.surfaceArea / c.mesh.volume;
}

/** Sphericity: ∛(36 π V²) / A. */
export function sphericity(c: ShapeCoefficients): number {
  return Math.cbrt(36 * Math.PI * c.mesh.volume * c.mesh.volume) / c.mesh.surfaceArea;
}

/** Maximum3DDiameter: largest pairwise Euclidean distance between mesh vertices. */
export function maximum3DDiameter(c: ShapeCoefficients): number {
  return c.diameters.all;
}

/** Maximum2DDiameterSlice: largest distance between vertices in the same axial (row-column) plane. */
export function maximum2DDiameterSlice(c: ShapeCoefficients): number {
  return c.diameters.slice;
}

/** Maximum2DDiameterColumn: largest distance between vertices in the same coronal (row-slice) plane. */
export function maximum2DDiameterColumn(c: ShapeCoefficients): number {
  return c.diameters.column;
}

/** Maximum2DDiameterRow: largest distance between vertices in the same sagittal (column-slice) plane. */
export function maximum2DDiameterRow(c: ShapeCoefficients): number {
  return c.diameters.row;
}

/** 4 √λ, NaN for a negative eigenvalue (PyRadiomics logs a warning and returns NaN). */
function axisLength(lambda: number): number {
  return lambda < 0 ? Number.NaN : 4 * Math.sqrt(lambda);
}

/** MajorAxisLength: 4 √λ_major. */
export function majorAxisLength(c: ShapeCoefficients): number {
  return axisLength(c.eigenvalues[2]);
}

/** MinorAxisLength: 4 √λ_minor. */
export function minorAxisLength(c: ShapeCoefficients): number {
  return axisLength(c.eigenvalues[1]);
}

/** LeastAxisLength: 4 √λ_least. */
export function leastAxisLength(c: ShapeCoefficients): number {
  return axisLength(c.eigenvalues[0]);
}

/** Elongation: √(λ_minor / λ_major). */
export function elongation(c: ShapeCoefficients): number {
  const [, minor, major] = c.eigenvalues;
  return minor < 0 || major < 0 ? Number.NaN : Math.sqrt(minor / major);
}

/** Flatness: √(λ_least / λ_major). */
export function flatness(c: ShapeCoefficients): number {
  const [least, , major] = c.eigenvalues;
  return least < 0 || major < 0 ? Number.NaN : Math.sqrt(least / major);
}

/** The 14 PyRadiomics 3D shape features (bare names) of a cropped ROI. */
export function computeShapeFeatures(roi: CroppedRoi): FeatureValues {
  const c = shapeCoefficients(roi);
  return {
    Elongation: elongation(c),
    Flatness: flatness(c),
    LeastAxisLength: leastAxisLength(c),
    MajorAxisLength: majorAxisLength(c),
    Maximum2DDiameterColumn: maximum2DDiameterColumn(c),
    Maximum2DDiameterRow: maximum2DDiameterRow(c),
    Maximum2DDiameterSlice: maximum2DDiameterSlice(c),
    Maximum3DDiameter: maximum3DDiameter(c),
    MeshVolume: meshVolume(c),
    MinorAxisLength: minorAxisLength(c),
    Sphericity: sphericity(c),
    SurfaceArea: surfaceArea(c),
    SurfaceVolumeRatio: surfaceVolumeRatio(c),
    VoxelVolume: voxelVolume(c),
  };
}
