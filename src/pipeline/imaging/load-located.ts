/**
 * Retrieve and decode: the instances a located series' SEG was drawn on (and nothing else of the
 * series), decoded to a Volume, and the SEG's mask on that volume's grid. A SEG whose frames do
 * not lie on the image grid is refused here (DESIGN §6.1), as is an empty ROI or one smaller
 * than the bundle's minimum.
 */
import { DicomError, type DicomSource } from '../../dicom/dicom-types.ts';
import { decodeSegDetailed, type DecodedSegment } from '../../dicom/seg-decoder.ts';
import {
  decodeSeriesDetailed,
  type DecodedSeries,
  type SeriesSelection,
} from '../../dicom/series-decoder.ts';
import type { Mask, Volume } from '../../imaging/volume.ts';
import { gate, TIME_POINT_WORDS } from './imaging-problem.ts';
import { sourceProblem, type LocatedSeries } from './locate-series.ts';

export interface LoadedRoiImage {
  located: LocatedSeries;
  image: Volume;
  mask: Mask;
  segmentNumber: number;
  roiVoxels: number;
  roiVolumeMm3: number;
  /** Bytes of the image instances and the SEG. */
  bytes: number;
}

export interface LoadOptions {
  /** PyRadiomics geometryTolerance (relative to the first spacing, as the cohort loader). */
  geometryTolerance: number | null;
  /** Segment to use (PyRadiomics `label`) when the SEG has several. */
  segmentNumber?: number;
  minRoiVolumeMm3: number;
}

export async function loadLocated(
  source: DicomSource,
  located: LocatedSeries,
  o: LoadOptions,
): Promise<LoadedRoiImage> {
  const tp = located.timePoint;
  const what = `${TIME_POINT_WORDS[tp]} ${located.sequence} series "${located.seriesDescription ?? ''}"`;
  const fail = (code: 'corrupt-dicom' | 'seg-mismatch' | 'empty-roi' | 'roi-too-small', message: string) =>
    gate({ code, message: `${what}: ${message}`, timePoint: tp, sequence: located.sequence });

  let files: Uint8Array[];
  try {
    files = await source.retrieveInstances(
      located.studyInstanceUid,
      located.seriesInstanceUid,
      located.instanceUids,
    );
  } catch (err) {
    throw gate({ ...sourceProblem(err, what, tp), sequence: located.sequence });
  }
  const select: SeriesSelection = {};
  if (located.attributes.temporalPositionIdentifier !== undefined)
    select.temporalPositionIdentifier = located.attributes.temporalPositionIdentifier;
  if (located.attributes.diffusionBValue !== undefined)
    select.diffusionBValue = located.attributes.diffusionBValue;
  let decoded: DecodedSeries;
  try {
    decoded = decodeSeriesDetailed(files, { select, label: `${tp} ${located.sequence}` });
  } catch (err) {
    if (err instanceof DicomError) throw fail('corrupt-dicom', err.message);
    throw err;
  }
  if (decoded.instances.length !== located.instanceUids.length)
    throw fail(
      'seg-mismatch',
      `the SEG references ${located.instanceUids.length} instances but only ${decoded.instances.length} form one volume`,
    );

  const tol = o.geometryTolerance;
  let segments: DecodedSegment[];
  try {
    segments = decodeSegDetailed(
      located.seg.bytes,
      decoded,
      tol === null ? {} : { toleranceMm: tol * decoded.volume.spacingMm[0], orientationTolerance: tol },
    );
  } catch (err) {
    if (err instanceof DicomError) throw fail('seg-mismatch', `SEG does not match its image: ${err.message}`);
    throw err;
  }
  const segment =
    (o.segmentNumber !== undefined ? segments.find((s) => s.segmentNumber === o.segmentNumber) : undefined) ??
    (segments.length === 1 ? segments[0] : undefined);
  if (!segment)
    throw fail(
      'seg-mismatch',
      `SEG defines segments ${segments.map((s) => s.segmentNumber).join(', ')} and none is segment ${o.segmentNumber ?? '(unset)'}`,
    );
  let roiVoxels = 0;
  for (const v of segment.mask.data) roiVoxels += v;
  const [sx, sy, sz] = decoded.volume.spacingMm;
  const roiVolumeMm3 = roiVoxels * sx * sy * sz;
  if (roiVoxels === 0) throw fail('empty-roi', 'the tumour ROI is empty (no residual tumour segmented)');
  if (roiVolumeMm3 < o.minRoiVolumeMm3)
    throw fail(
      'roi-too-small',
      `the tumour ROI is ${roiVolumeMm3.toFixed(1)} mm³, below the model's minimum of ${o.minRoiVolumeMm3} mm³`,
    );
  return {
    located,
    image: decoded.volume,
    mask: segment.mask,
    segmentNumber: segment.segmentNumber,
    roiVoxels,
    roiVolumeMm3,
    bytes: files.reduce((n, f) => n + f.byteLength, 0) + located.seg.bytes.byteLength,
  };
}
