/**
 * Decodes a classic single-frame image series (MR, CT, …) into one Volume with its geometry from
 * the Image Plane Module (PS3.3 C.7.6.2): the row direction (first triplet of Image Orientation
 * (Patient)) is voxel axis i, the column direction is axis j, the slice normal (row × column) is
 * axis k; slices are sorted by their Image Position (Patient) along that normal; the origin is the
 * Image Position (Patient) of the first slice; spacing is [Pixel Spacing[1], Pixel Spacing[0],
 * mean distance between slice positions].
 *
 * Voxel values: stored values as they are (Uint16Array, or Int16Array for Pixel Representation 1)
 * when no Modality LUT rescale is present or it is the identity; otherwise Rescale Slope and
 * Intercept (0028,1053 / 0028,1052, PS3.3 C.11.1) are applied per slice into a Float32Array.
 *
 * Everything that would make the volume wrong is refused with a DicomError naming the problem:
 * mixed series, mixed orientations, duplicated or missing slices, irregular spacing, several
 * temporal positions or b values without a selection, inconsistent rows / columns / pixel
 * spacing, compressed or otherwise unsupported pixel data.
 */
import { endianness } from 'node:os';
import type { Mat3, Vec3, Volume } from '../imaging/volume.ts';
import type { FrameOfReferenceUid, SeriesUid, SopInstanceUid, StudyUid } from './dicom-types.ts';
import { DicomError } from './dicom-types.ts';
import { cross, dot } from './mr-writer.ts';
import { num, nums, parsePart10, pixelDataBytes, str, type NaturalDataset } from './part10.ts';

export type DecodedVoxels = Uint16Array | Int16Array | Float32Array;

export interface SeriesSelection {
  /** DCE phase: Temporal Position Identifier (0020,0100). */
  temporalPositionIdentifier?: number;
  /** DWI: Diffusion b-value (0018,9087), s/mm². */
  diffusionBValue?: number;
}

export interface DecodeSeriesOptions {
  select?: SeriesSelection;
  /**
   * Largest allowed deviation of one slice gap from the median gap, as a fraction of the median
   * (default 0.01, never below 0.01 mm). A gap above 1.5 × the median is a missing slice.
   */
  spacingTolerance?: number;
  /** Largest allowed difference between orientation cosines of two slices (default 1e-4). */
  orientationTolerance?: number;
  /** Named in error messages, e.g. the series description. */
  label?: string;
}

export interface DecodedInstance {
  sopInstanceUid: SopInstanceUid;
  sopClassUid: string;
  /** Slice index k in the decoded volume. */
  positionIndex: number;
  instanceNumber?: number;
}

export interface DecodedSeries {
  volume: Volume<DecodedVoxels>;
  studyInstanceUid: StudyUid;
  seriesInstanceUid: SeriesUid;
  frameOfReferenceUid?: FrameOfReferenceUid;
  modality: string;
  /** The instances of the volume, in slice order. */
  instances: DecodedInstance[];
  /** The selected (or only) temporal position / b value, when the instances carry one. */
  temporalPositionIdentifier?: number;
  diffusionBValue?: number;
  /** True when the Modality LUT rescale was applied (Float32Array voxels). */
  rescaled: boolean;
}

interface Slice {
  ds: NaturalDataset;
  sopInstanceUid: SopInstanceUid;
  instanceNumber?: number;
  position: Vec3;
  distance: number;
}

function describe(slice: { sopInstanceUid: string; instanceNumber?: number }): string {
  return slice.instanceNumber !== undefined
    ? `instance ${slice.instanceNumber} (${slice.sopInstanceUid})`
    : `instance ${slice.sopInstanceUid}`;
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function fmt(v: number): string {
  return String(Math.round(v * 1e4) / 1e4);
}

function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Decodes the files of one series (one temporal position / b value) into a Volume. */
export function decodeSeries(
  files: readonly Uint8Array[],
  options: DecodeSeriesOptions = {},
): Volume<DecodedVoxels> {
  return decodeSeriesDetailed(files, options).volume;
}

/** As decodeSeries, with the instance ↔ slice mapping and identifying UIDs (used to decode SEGs). */
export function decodeSeriesDetailed(
  files: readonly Uint8Array[],
  options: DecodeSeriesOptions = {},
): DecodedSeries {
  if (endianness() !== 'LE') throw new Error('the series decoder assumes a little-endian host');
  const what = options.label ? `series "${options.label}"` : 'series';
  if (files.length === 0) throw new DicomError(`${what}: no instances to decode`);

  let datasets = files.map((bytes, n) => {
    const p = parsePart10(bytes, { source: `${what}, file ${n + 1}`, nativeOnly: true });
    const ds = p.dataset;
    const sop = str(ds, 'SOPInstanceUID') ?? `file ${n + 1}`;
    const frames = num(ds, 'NumberOfFrames');
    if (frames !== undefined && frames > 1) {
      throw new DicomError(
        `${what}: instance ${sop} is multi-frame (${frames} frames); only single-frame series are decoded`,
      );
    }
    return ds;
  });

  // One series only.
  const seriesUids = distinct(datasets.map((ds) => str(ds, 'SeriesInstanceUID') ?? '(none)'));
  if (seriesUids.length > 1) {
    throw new DicomError(
      `mixed series: the instances belong to ${seriesUids.length} series (${seriesUids.join(', ')})`,
    );
  }

  // One temporal position and one b value, chosen by `select` when there are several.
  const selection: { temporalPositionIdentifier?: number; diffusionBValue?: number } = {};
  for (const [keyword, key, name] of [
    ['TemporalPositionIdentifier', 'temporalPositionIdentifier', 'temporal positions'],
    ['DiffusionBValue', 'diffusionBValue', 'b values'],
  ] as const) {
    const values = distinct(datasets.map((ds) => num(ds, keyword))).filter(
      (v): v is number => v !== undefined,
    );
    values.sort((a, b) => a - b);
    const wanted = options.select?.[key];
    if (wanted !== undefined) {
      const chosen = datasets.filter((ds) => num(ds, keyword) === wanted);
      if (chosen.length === 0) {
        throw new DicomError(
          `${what}: no instance has ${keyword} ${wanted}` +
            (values.length ? ` (present: ${values.join(', ')})` : ` (the instances carry no ${keyword})`),
        );
      }
      datasets = chosen;
      selection[key] = wanted;
    } else if (values.length > 1) {
      throw new DicomError(
        `${what} holds ${values.length} ${name} (${keyword} ${values.join(', ')}); ` +
          `select one with select.${key}`,
      );
    } else if (values.length === 1) {
      selection[key] = values[0]!;
    }
  }

  const firstDs = datasets[0]!;
  const sopClassUid = str(firstDs, 'SOPClassUID') ?? '';
  const rows = num(firstDs, 'Rows');
  const columns = num(firstDs, 'Columns');
  const pixelSpacing = nums(firstDs, 'PixelSpacing');
  const iop = nums(firstDs, 'ImageOrientationPatient');
  const bitsAllocated = num(firstDs, 'BitsAllocated');
  const pixelRepresentation = num(firstDs, 'PixelRepresentation') ?? 0;
  const bitsStored = num(firstDs, 'BitsStored') ?? bitsAllocated;
  if (!rows || !columns) throw new DicomError(`${what}: Rows / Columns missing`);
  if (!pixelSpacing || pixelSpacing.length !== 2 || pixelSpacing.some((v) => !(v > 0))) {
    throw new DicomError(`${what}: Pixel Spacing (0028,0030) missing or invalid`);
  }
  if (!iop || iop.length !== 6)
    throw new DicomError(`${what}: Image Orientation (Patient) (0020,0037) missing`);
  if (bitsAllocated !== 16) {
    throw new DicomError(`${what}: Bits Allocated ${bitsAllocated}; only 16-bit images are decoded`);
  }
  if (!bitsStored || bitsStored > 16) throw new DicomError(`${what}: Bits Stored ${bitsStored} is invalid`);
  const photometric = str(firstDs, 'PhotometricInterpretation');
  if (
    (num(firstDs, 'SamplesPerPixel') ?? 1) !== 1 ||
    (photometric && !photometric.startsWith('MONOCHROME'))
  ) {
    throw new DicomError(`${what}: ${photometric ?? 'colour'} images are not decoded (MONOCHROME1/2 only)`);
  }

  const orientTol = options.orientationTolerance ?? 1e-4;
  const slices: Slice[] = datasets.map((ds) => {
    const sopInstanceUid = (str(ds, 'SOPInstanceUID') ?? '') as SopInstanceUid;
    const instanceNumber = num(ds, 'InstanceNumber');
    const id = describe({ sopInstanceUid, instanceNumber });
    if (num(ds, 'Rows') !== rows || num(ds, 'Columns') !== columns) {
      throw new DicomError(
        `${what}: inconsistent image size: ${id} is ${num(ds, 'Columns')}×${num(ds, 'Rows')}, others ${columns}×${rows}`,
      );
    }
    const ps = nums(ds, 'PixelSpacing');
    if (
      !ps ||
      ps.length !== 2 ||
      Math.abs(ps[0]! - pixelSpacing[0]!) > 1e-4 ||
      Math.abs(ps[1]! - pixelSpacing[1]!) > 1e-4
    ) {
      throw new DicomError(
        `${what}: inconsistent pixel spacing: ${id} has ${ps?.map(fmt).join('\\')} mm, others ${pixelSpacing.map(fmt).join('\\')} mm`,
      );
    }
    if (
      num(ds, 'BitsAllocated') !== bitsAllocated ||
      (num(ds, 'PixelRepresentation') ?? 0) !== pixelRepresentation
    ) {
      throw new DicomError(
        `${what}: inconsistent pixel format (Bits Allocated / Pixel Representation) at ${id}`,
      );
    }
    const o = nums(ds, 'ImageOrientationPatient');
    if (!o || o.length !== 6 || o.some((v, n) => Math.abs(v - iop[n]!) > orientTol)) {
      throw new DicomError(
        `mixed orientations in ${what}: ${id} has Image Orientation (Patient) ${o?.map(fmt).join('\\')}, ` +
          `others ${iop.map(fmt).join('\\')}`,
      );
    }
    const p = nums(ds, 'ImagePositionPatient');
    if (!p || p.length !== 3)
      throw new DicomError(`${what}: ${id} has no Image Position (Patient) (0020,0032)`);
    return { ds, sopInstanceUid, instanceNumber, position: p as unknown as Vec3, distance: 0 };
  });

  const row = normalise([iop[0]!, iop[1]!, iop[2]!]);
  const col = normalise([iop[3]!, iop[4]!, iop[5]!]);
  if (Math.abs(dot(row, col)) > 1e-4)
    throw new DicomError(`${what}: row and column directions are not orthogonal`);
  const normal = normalise(cross(row, col));
  for (const s of slices) s.distance = dot(s.position, normal);
  slices.sort((a, b) => a.distance - b.distance);

  // Slices must sit on one line along the normal (no gantry tilt / shear).
  const o = slices[0]!.position;
  for (const s of slices) {
    const d: Vec3 = [s.position[0] - o[0], s.position[1] - o[1], s.position[2] - o[2]];
    const inPlane = Math.hypot(dot(d, row), dot(d, col));
    if (inPlane > 0.01) {
      throw new DicomError(
        `${what}: ${describe(s)} is offset ${fmt(inPlane)} mm in-plane from the first slice; ` +
          'the slices are not stacked along their normal (gantry tilt or shear is not supported)',
      );
    }
  }

  // Duplicated, missing and irregularly spaced slices.
  const gaps = slices.slice(1).map((s, n) => s.distance - slices[n]!.distance);
  gaps.forEach((g, n) => {
    if (g < 0.01) {
      const a = slices[n]!;
      const b = slices[n + 1]!;
      const times = distinct(
        [a, b].map((s) => str(s.ds, 'AcquisitionTime') ?? str(s.ds, 'TriggerTime') ?? ''),
      );
      throw new DicomError(
        `duplicated slice position in ${what}: ${describe(a)} and ${describe(b)} are both at ` +
          `${fmt(a.distance)} mm along the normal` +
          (times.length > 1
            ? ' (they differ in acquisition time: several acquisitions mixed in one series?)'
            : ''),
      );
    }
  });
  let sliceSpacing: number;
  if (gaps.length === 0) {
    sliceSpacing = num(firstDs, 'SpacingBetweenSlices') ?? num(firstDs, 'SliceThickness') ?? 1;
  } else {
    const sorted = [...gaps].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const tol = Math.max(0.01, (options.spacingTolerance ?? 0.01) * median);
    gaps.forEach((g, n) => {
      if (g > 1.5 * median) {
        throw new DicomError(
          `missing slice in ${what}: a gap of ${fmt(g)} mm between ${describe(slices[n]!)} at ${fmt(slices[n]!.distance)} mm ` +
            `and ${describe(slices[n + 1]!)} at ${fmt(slices[n + 1]!.distance)} mm, where slices are ${fmt(median)} mm ` +
            `apart (about ${Math.round(g / median) - 1} slice(s) missing)`,
        );
      }
      if (Math.abs(g - median) > tol) {
        throw new DicomError(
          `irregular slice spacing in ${what}: ${fmt(g)} mm between ${describe(slices[n]!)} and ${describe(slices[n + 1]!)}, ` +
            `median ${fmt(median)} mm (tolerance ${fmt(tol)} mm)`,
        );
      }
    });
    sliceSpacing = (slices[slices.length - 1]!.distance - slices[0]!.distance) / gaps.length;
  }

  // Voxels.
  const sliceVoxels = rows * columns;
  const rescales = slices.map((s) => ({
    slope: num(s.ds, 'RescaleSlope') ?? 1,
    intercept: num(s.ds, 'RescaleIntercept') ?? 0,
  }));
  const rescaled = rescales.some((r) => r.slope !== 1 || r.intercept !== 0);
  const signed = pixelRepresentation === 1;
  const data: DecodedVoxels = rescaled
    ? new Float32Array(sliceVoxels * slices.length)
    : signed
      ? new Int16Array(sliceVoxels * slices.length)
      : new Uint16Array(sliceVoxels * slices.length);
  const unusedBits = 16 - bitsStored;
  slices.forEach((s, k) => {
    const bytes = pixelDataBytes(s.ds);
    if (!bytes) throw new DicomError(`${what}: ${describe(s)} has no Pixel Data`);
    if (bytes.byteLength < sliceVoxels * 2) {
      throw new DicomError(
        `${what}: ${describe(s)} has ${bytes.byteLength} bytes of Pixel Data; ${sliceVoxels * 2} needed`,
      );
    }
    const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
    const raw = signed
      ? new Int16Array(aligned.buffer, aligned.byteOffset, sliceVoxels)
      : new Uint16Array(aligned.buffer, aligned.byteOffset, sliceVoxels);
    const out = data.subarray(k * sliceVoxels, (k + 1) * sliceVoxels);
    const { slope, intercept } = rescales[k]!;
    if (unusedBits === 0 && !rescaled) {
      out.set(raw);
      return;
    }
    for (let n = 0; n < sliceVoxels; n += 1) {
      // Bits above High Bit carry no pixel value (PS3.5 §8.1.1): mask them, sign-extend if signed.
      let v = raw[n]!;
      if (unusedBits > 0)
        v = signed ? (v << (16 + unusedBits)) >> (16 + unusedBits) : v & (0xffff >>> unusedBits);
      out[n] = rescaled ? v * slope + intercept : v;
    }
  });

  const direction: Mat3 = [row[0], col[0], normal[0], row[1], col[1], normal[1], row[2], col[2], normal[2]];
  const volume: Volume<DecodedVoxels> = {
    size: [columns, rows, slices.length],
    spacingMm: [pixelSpacing[1]!, pixelSpacing[0]!, sliceSpacing],
    originMm: [o[0], o[1], o[2]],
    direction,
    data,
  };
  const decoded: DecodedSeries = {
    volume,
    studyInstanceUid: (str(firstDs, 'StudyInstanceUID') ?? '') as StudyUid,
    seriesInstanceUid: seriesUids[0] as SeriesUid,
    modality: str(firstDs, 'Modality') ?? '',
    instances: slices.map((s, k) => ({
      sopInstanceUid: s.sopInstanceUid,
      sopClassUid: str(s.ds, 'SOPClassUID') ?? sopClassUid,
      positionIndex: k,
      ...(s.instanceNumber !== undefined ? { instanceNumber: s.instanceNumber } : {}),
    })),
    rescaled,
    ...selection,
  };
  const frameOfReferenceUid = str(firstDs, 'FrameOfReferenceUID');
  if (frameOfReferenceUid) decoded.frameOfReferenceUid = frameOfReferenceUid as FrameOfReferenceUid;
  return decoded;
}
