/**
 * Neighbourhood traversal for GLSZM, GLDM and NGTDM: the neighbours of a voxel are the voxels
 * at ± every angle of generateAngles (26 in 3D and 8 in 2D for distance 1), on the grid.
 */
import type { DiscretisedRoi, TextureSettings } from '../types.ts';
import { generateAngles, maskExtent } from './common.ts';

/** Calls visit(n) for every on-grid neighbour n of voxel (i, j, k) (linear index v). */
export type NeighbourVisitor = (
  v: number,
  i: number,
  j: number,
  k: number,
  visit: (n: number) => void,
) => void;

export function neighbourVisitor(roi: DiscretisedRoi, s: TextureSettings): NeighbourVisitor {
  const [nx, ny, nz] = roi.size;
  const offsets = generateAngles(maskExtent(roi), s).flatMap((a) => [
    [a.di, a.dj, a.dk],
    [-a.di, -a.dj, -a.dk],
  ]);
  return (v, i, j, k, visit) => {
    for (const [di, dj, dk] of offsets) {
      const ii = i + di!;
      const jj = j + dj!;
      const kk = k + dk!;
      if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue;
      visit(v + di! + nx * (dj! + ny * dk!));
    }
  };
}

/** Calls f(v, i, j, k) for every voxel inside the ROI mask. */
export function forEachRoiVoxel(
  roi: DiscretisedRoi,
  f: (v: number, i: number, j: number, k: number) => void,
): void {
  const [nx, ny, nz] = roi.size;
  for (let k = 0, v = 0; k < nz; k += 1)
    for (let j = 0; j < ny; j += 1) for (let i = 0; i < nx; i += 1, v += 1) if (roi.mask[v]) f(v, i, j, k);
}
