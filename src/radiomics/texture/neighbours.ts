/**
 * Neighbourhood of GLSZM, GLDM and NGTDM: the neighbours of a voxel are the voxels at ± every
 * angle of generateAngles (26 in 3D and 8 in 2D for distance 1). Traversals run on the padded
 * grid of common.ts, where a neighbour off the grid or outside the ROI reads gray level 0.
 */
import type { TextureSettings } from '../types.ts';
import { generateAngles, gridStep, type PaddedGrid } from './common.ts';

/** Index steps in `grid.gray` from a voxel to each of its neighbours (+angle, −angle, …). */
export function neighbourSteps(grid: PaddedGrid, s: TextureSettings): Int32Array {
  const angles = generateAngles(grid.extent, s);
  const out = new Int32Array(2 * angles.length);
  angles.forEach((a, n) => {
    const step = gridStep(grid, a.di, a.dj, a.dk);
    out[2 * n] = step;
    out[2 * n + 1] = -step;
  });
  return out;
}
