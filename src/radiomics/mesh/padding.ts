/**
 * PyRadiomics pads the mask with one layer of zeros on every side before meshing
 * (shape.py / shape2D.py: `numpy.pad(maskArray, pad_width=1, mode='constant', constant_values=0)`;
 * 2.0.x used SimpleITK's ConstantPadImageFilter with bound 1, which is the same), so that the surface is
 * closed even where the ROI touches its bounding box.
 */
import type { Vec3 } from '../../imaging/volume.ts';

/** A mask in NumPy axis order (z, y, x) = our (k, j, i), x fastest, as PyRadiomics' C code sees it. */
export interface ZyxMask {
  /** Sizes along (z, y, x). */
  shape: Vec3;
  /** Spacing along (z, y, x) in mm. */
  spacing: Vec3;
  /** 1 inside, 0 outside; index z·(ny·nx) + y·nx + x. */
  data: Uint8Array;
}

/** The ROI mask (i fastest, sizes (i, j, k)) padded by one zero voxel on every side, in (z, y, x) order. */
export function padMaskZyx(mask: Uint8Array, size: Vec3, spacingMm: Vec3): ZyxMask {
  const [ni, nj, nk] = size;
  const px = ni + 2;
  const py = nj + 2;
  const pz = nk + 2;
  const data = new Uint8Array(px * py * pz);
  for (let k = 0; k < nk; k += 1) {
    for (let j = 0; j < nj; j += 1) {
      const src = ni * (j + nj * k);
      const dst = 1 + px * (j + 1 + py * (k + 1));
      for (let i = 0; i < ni; i += 1) data[dst + i] = mask[src + i] ? 1 : 0;
    }
  }
  return { shape: [pz, py, px], spacing: [spacingMm[2], spacingMm[1], spacingMm[0]], data };
}
