/**
 * NIfTI-1/2 images (.nii, .nii.gz) read by ITK's NIfTI reader compiled to WebAssembly
 * (@itk-wasm/image-io), so orientation is resolved exactly as SimpleITK — and therefore
 * PyRadiomics — resolves it (sform/qform to ITK's LPS origin, spacing and direction).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ImageReadError } from './nrrd.ts';
import type { Mat3, Vec3, Volume, VoxelArray } from './volume.ts';

const SUPPORTED: readonly string[] = [
  'Int8Array',
  'Uint8Array',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
];

/** NIfTI-1 and NIfTI-2 headers start with their size, 348 or 540 (little or big endian). */
function looksLikeNifti(bytes: Uint8Array): boolean {
  const head =
    bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).subarray(0, 4) : bytes.subarray(0, 4);
  if (head.length < 4) return false;
  const view = new DataView(head.buffer, head.byteOffset, 4);
  return [348, 540].some((n) => view.getInt32(0, true) === n || view.getInt32(0, false) === n);
}

export async function readNifti(file: string): Promise<Volume> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ImageReadError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let nifti: boolean;
  try {
    nifti = looksLikeNifti(bytes);
  } catch {
    nifti = false; // a corrupt gzip stream
  }
  if (!nifti) throw new ImageReadError(`${file}: not a NIfTI image (no NIfTI-1/2 header)`);
  // The WebAssembly reader sets process.exitCode when it fails; a refused file must not turn
  // the whole process's exit status into a failure.
  const exitCode = process.exitCode;
  let result;
  try {
    // Loaded on first use: the WebAssembly image-io package is large, and NRRD needs none of it.
    const { niftiReadImageNode } = await import('@itk-wasm/image-io');
    result = await niftiReadImageNode(file);
  } catch (err) {
    throw new ImageReadError(
      `${file}: not a readable NIfTI image (${String(err instanceof Error ? err.message : err).split('\n')[0]})`,
    );
  } finally {
    process.exitCode = exitCode;
  }
  const image = result.image;
  if (!result.couldRead || image.data === null)
    throw new ImageReadError(`${file}: not a readable NIfTI image`);
  if (image.imageType.dimension !== 3 && image.imageType.dimension !== 2)
    throw new ImageReadError(`${file}: ${image.imageType.dimension}-D image; a 3-D volume is needed`);
  if (image.imageType.components !== 1)
    throw new ImageReadError(`${file}: ${image.imageType.components} components per voxel; one is needed`);
  const data = image.data as unknown as VoxelArray;
  if (!SUPPORTED.includes(data.constructor.name))
    throw new ImageReadError(`${file}: voxel type ${data.constructor.name} is not supported`);
  const dim = image.imageType.dimension;
  const pick = (v: ArrayLike<number>, fill: number): Vec3 => [
    v[0] ?? fill,
    v[1] ?? fill,
    dim === 3 ? (v[2] ?? fill) : fill,
  ];
  // itk-wasm stores the direction column-major; ours is row-major with the columns = axes.
  const d = image.direction as ArrayLike<number>;
  const direction =
    dim === 3
      ? ([0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => d[c * 3 + r]!)) as unknown as Mat3)
      : ([d[0]!, d[2]!, 0, d[1]!, d[3]!, 0, 0, 0, 1] as const);
  return {
    size: pick(image.size, 1),
    spacingMm: pick(image.spacing, 1),
    originMm: pick(image.origin, 0),
    direction,
    data,
  };
}
