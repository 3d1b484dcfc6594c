/**
 * Decodes a DICOM Segmentation (PS3.3 A.51, C.8.20) onto the grid of the image series it was
 * drawn on, refusing (DicomError) a SEG that does not belong to that image: another referenced
 * series, another Frame of Reference, frames whose source instances are not in the series, or
 * frame geometry (orientation, pixel spacing, rows/columns, positions) off the image grid.
 *
 * A frame is placed by its Image Position (Patient) (Plane Position (Patient) functional group)
 * on the image grid and, when it names its source image (Derivation Image Sequence), that
 * instance must be the one at the same slice. A frame without a position is placed by its source
 * image alone. BINARY segmentations are unpacked bit by bit; FRACTIONAL ones are thresholded at
 * half of Maximum Fractional Value (a voxel belongs to the segment when its fraction is ≥ 0.5).
 */
import type { Geometry, Mask } from '../imaging/volume.ts';
import { voxelCount, worldToIndex } from '../imaging/volume.ts';
import type { SeriesUid } from './dicom-types.ts';
import { DicomError } from './dicom-types.ts';
import { SEGMENTATION_STORAGE } from './seg-writer.ts';
import { item, num, nums, parsePart10, pixelDataBytes, seq, str, type NaturalDataset } from './part10.ts';

/** The image a SEG must match: a DecodedSeries (series-decoder.ts) fits this shape. */
export interface SegImageReference {
  volume: Geometry;
  seriesInstanceUid: SeriesUid | string;
  frameOfReferenceUid?: string;
  instances: readonly { sopInstanceUid: string; positionIndex: number }[];
}

export interface DecodeSegOptions {
  /** Largest allowed position / spacing difference from the image grid (default 0.01 mm). */
  toleranceMm?: number;
  /** Largest allowed difference of orientation cosines (default 1e-4). */
  orientationTolerance?: number;
}

export interface DecodedSegment {
  segmentNumber: number;
  label: string;
  algorithmType?: string;
  category?: { codeValue: string; codingSchemeDesignator: string; codeMeaning: string };
  type?: { codeValue: string; codingSchemeDesignator: string; codeMeaning: string };
  mask: Mask;
}

function code(ds: NaturalDataset | undefined) {
  if (!ds) return undefined;
  return {
    codeValue: str(ds, 'CodeValue') ?? '',
    codingSchemeDesignator: str(ds, 'CodingSchemeDesignator') ?? '',
    codeMeaning: str(ds, 'CodeMeaning') ?? '',
  };
}

function fmt(v: number): string {
  return String(Math.round(v * 1e4) / 1e4);
}

/** Attribute of a functional group, per-frame first, then shared (PS3.3 C.7.6.16). */
function group(
  perFrame: NaturalDataset | undefined,
  shared: NaturalDataset | undefined,
  sequence: string,
): NaturalDataset | undefined {
  return (perFrame && item(perFrame, sequence)) ?? (shared && item(shared, sequence));
}

/** Masks of every segment of the SEG, keyed by Segment Number, on the image grid. */
export function decodeSeg(
  segBytes: Uint8Array,
  image: SegImageReference,
  options: DecodeSegOptions = {},
): Map<number, Mask> {
  return new Map(decodeSegDetailed(segBytes, image, options).map((s) => [s.segmentNumber, s.mask]));
}

/** As decodeSeg, with each segment's label and codes. */
export function decodeSegDetailed(
  segBytes: Uint8Array,
  image: SegImageReference,
  options: DecodeSegOptions = {},
): DecodedSegment[] {
  const tol = options.toleranceMm ?? 0.01;
  const orientTol = options.orientationTolerance ?? 1e-4;
  const part10 = parsePart10(segBytes, { source: 'SEG', nativeOnly: true });
  const ds = part10.dataset;
  const sopClass = str(ds, 'SOPClassUID');
  if (sopClass !== SEGMENTATION_STORAGE) {
    throw new DicomError(
      `not a DICOM Segmentation: SOP Class ${sopClass} (expected ${SEGMENTATION_STORAGE})`,
    );
  }
  const segType = str(ds, 'SegmentationType');
  if (segType !== 'BINARY' && segType !== 'FRACTIONAL') {
    throw new DicomError(`SEG Segmentation Type ${segType} is not supported (BINARY, FRACTIONAL)`);
  }

  // The SEG must reference the image series (Common Instance Reference, C.12.2).
  const referencedSeries = seq(ds, 'ReferencedSeriesSequence').map((s) => str(s, 'SeriesInstanceUID') ?? '');
  if (referencedSeries.length > 0 && !referencedSeries.includes(image.seriesInstanceUid)) {
    throw new DicomError(
      `SEG references series ${referencedSeries.join(', ')}, not the image series ${image.seriesInstanceUid}`,
    );
  }
  const segFor = str(ds, 'FrameOfReferenceUID');
  if (segFor && image.frameOfReferenceUid && segFor !== image.frameOfReferenceUid) {
    throw new DicomError(
      `SEG Frame of Reference ${segFor} differs from the image's ${image.frameOfReferenceUid}`,
    );
  }

  const g = image.volume;
  const [nx, ny, nz] = g.size;
  const rows = num(ds, 'Rows');
  const columns = num(ds, 'Columns');
  if (rows !== ny || columns !== nx) {
    throw new DicomError(
      `SEG geometry does not match the image: SEG frames are ${columns}×${rows}, image slices ${nx}×${ny}`,
    );
  }

  const segments = seq(ds, 'SegmentSequence').map((s) => {
    const segmentNumber = num(s, 'SegmentNumber');
    if (segmentNumber === undefined) throw new DicomError('SEG segment without Segment Number');
    const decoded: DecodedSegment = {
      segmentNumber,
      label: str(s, 'SegmentLabel') ?? '',
      mask: {
        size: g.size,
        spacingMm: g.spacingMm,
        originMm: g.originMm,
        direction: g.direction,
        data: new Uint8Array(voxelCount(g)),
      },
    };
    const algorithmType = str(s, 'SegmentAlgorithmType');
    if (algorithmType) decoded.algorithmType = algorithmType;
    const category = code(item(s, 'SegmentedPropertyCategoryCodeSequence'));
    if (category) decoded.category = category;
    const type = code(item(s, 'SegmentedPropertyTypeCodeSequence'));
    if (type) decoded.type = type;
    return decoded;
  });
  const bySegment = new Map(segments.map((s) => [s.segmentNumber, s]));
  if (segments.length === 0) throw new DicomError('SEG has no Segment Sequence items');

  const instanceSlice = new Map(image.instances.map((i) => [i.sopInstanceUid, i.positionIndex]));
  const shared = item(ds, 'SharedFunctionalGroupsSequence');
  const perFrame = seq(ds, 'PerFrameFunctionalGroupsSequence');
  const frames = num(ds, 'NumberOfFrames') ?? 1;
  if (perFrame.length !== frames) {
    throw new DicomError(`SEG has ${frames} frames but ${perFrame.length} Per-frame Functional Groups items`);
  }

  const bits = pixelDataBytes(ds);
  if (!bits) throw new DicomError('SEG has no Pixel Data');
  const sliceVoxels = nx * ny;
  const fractional = segType === 'FRACTIONAL';
  const needed = fractional ? frames * sliceVoxels : Math.ceil((frames * sliceVoxels) / 8);
  if (bits.byteLength < needed)
    throw new DicomError(`SEG Pixel Data has ${bits.byteLength} bytes; ${needed} needed`);
  const threshold = fractional ? (num(ds, 'MaximumFractionalValue') ?? 255) / 2 : 0;

  const expectedIop = [
    g.direction[0],
    g.direction[3],
    g.direction[6],
    g.direction[1],
    g.direction[4],
    g.direction[7],
  ];
  perFrame.forEach((pf, f) => {
    const frame = `SEG frame ${f + 1}`;
    // Orientation and pixel measures (Plane Orientation / Pixel Measures functional groups).
    const iop = nums(group(pf, shared, 'PlaneOrientationSequence') ?? {}, 'ImageOrientationPatient');
    if (iop && iop.some((v, n) => Math.abs(v - expectedIop[n]!) > orientTol)) {
      throw new DicomError(
        `SEG geometry does not match the image: ${frame} orientation ${iop.map(fmt).join('\\')}, ` +
          `image ${expectedIop.map(fmt).join('\\')}`,
      );
    }
    const ps = nums(group(pf, shared, 'PixelMeasuresSequence') ?? {}, 'PixelSpacing');
    if (ps && (Math.abs(ps[0]! - g.spacingMm[1]) > tol || Math.abs(ps[1]! - g.spacingMm[0]) > tol)) {
      throw new DicomError(
        `SEG geometry does not match the image: ${frame} pixel spacing ${ps.map(fmt).join('\\')} mm, ` +
          `image ${fmt(g.spacingMm[1])}\\${fmt(g.spacingMm[0])} mm`,
      );
    }

    // Slice from the position, cross-checked against the source image.
    let k: number | undefined;
    const ipp = nums(group(pf, shared, 'PlanePositionSequence') ?? {}, 'ImagePositionPatient');
    if (ipp && ipp.length === 3) {
      const [ci, cj, ck] = worldToIndex(g, [ipp[0]!, ipp[1]!, ipp[2]!]);
      const kr = Math.round(ck);
      const off = Math.hypot(ci * g.spacingMm[0], cj * g.spacingMm[1], (ck - kr) * g.spacingMm[2]);
      if (off > tol || kr < 0 || kr >= nz) {
        throw new DicomError(
          `SEG geometry does not match the image: ${frame} at (${ipp.map(fmt).join(', ')}) mm is not on a slice ` +
            `of the image grid (nearest slice ${kr}, ${fmt(off)} mm away)`,
        );
      }
      k = kr;
    }
    const sources = seq(pf, 'DerivationImageSequence').flatMap((d) => seq(d, 'SourceImageSequence'));
    for (const src of sources) {
      const uid = str(src, 'ReferencedSOPInstanceUID') ?? '';
      const at = instanceSlice.get(uid);
      if (at === undefined) {
        throw new DicomError(
          `${frame} references instance ${uid}, which is not in the image series ${image.seriesInstanceUid}`,
        );
      }
      if (k === undefined) k = at;
      else if (at !== k) {
        throw new DicomError(`${frame} lies on image slice ${k} but references the instance of slice ${at}`);
      }
    }
    if (k === undefined) throw new DicomError(`${frame} has neither a position nor a source image`);

    const segNo = num(group(pf, shared, 'SegmentIdentificationSequence') ?? {}, 'ReferencedSegmentNumber');
    const segment = segNo === undefined ? undefined : bySegment.get(segNo);
    if (!segment) throw new DicomError(`${frame} references segment ${segNo}, which the SEG does not define`);

    const out = segment.mask.data;
    const base = k * sliceVoxels;
    const first = f * sliceVoxels;
    for (let n = 0; n < sliceVoxels; n += 1) {
      const p = first + n;
      const on = fractional ? bits[p]! >= threshold : (bits[p >> 3]! >> (p & 7)) & 1;
      if (on) out[base + n] = 1;
    }
  });
  return segments;
}
