/**
 * Segmentation Storage writer (SOP Class 1.2.840.10008.5.1.4.1.1.66.4, Segmentation IOD, PS3.3
 * A.51): a BINARY segmentation with one segment, written as a multi-frame instance by dcmjs.
 *
 * Frames: by default one frame per slice of the image grid that contains the segment (the
 * usual choice of segmentation tools; an empty slice carries no information). With
 * `frames: 'all'` every slice gets a frame. An empty mask gets one all-zero frame (a SEG needs at
 * least one) on the first slice. Each
 * frame references the exact source instance of its slice (Derivation Image Sequence, purpose of
 * reference DCM 121322) and carries its Image Position (Patient); orientation and pixel measures
 * are shared. Dimensions (C.7.6.17): Referenced Segment Number, then Image Position (Patient),
 * whose index value is the 1-based slice number k + 1 of the referenced image series.
 */
import type { Mask } from '../imaging/volume.ts';
import { voxelCount } from '../imaging/volume.ts';
import type { DicomFile, PatientInfo, SegSpec, StudyInfo } from './dicom-types.ts';
import {
  assertOrthonormal,
  generalStudyModule,
  imageOrientation,
  imagePosition,
  patientModule,
  sopCommonModule,
} from './mr-writer.ts';
import { ds, encodePart10, is, SOFTWARE_VERSION, type NaturalDataset } from './part10.ts';
import { uidFrom } from './uid.ts';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

/** Attribute tags as (group << 16 | element), the natural form of AT values in dcmjs. */
const TAG = {
  ReferencedSegmentNumber: 0x0062000b,
  SegmentIdentificationSequence: 0x0062000a,
  ImagePositionPatient: 0x00200032,
  PlanePositionSequence: 0x00209113,
} as const;

/** DCM 121322 "Source image for image processing operation" (PS3.16 CID 7202). */
const PURPOSE_SOURCE_IMAGE = {
  CodeValue: '121322',
  CodingSchemeDesignator: 'DCM',
  CodeMeaning: 'Source image for image processing operation',
};
/** DCM 113076 "Segmentation" (PS3.16 CID 7203). */
const DERIVATION_SEGMENTATION = {
  CodeValue: '113076',
  CodingSchemeDesignator: 'DCM',
  CodeMeaning: 'Segmentation',
};

export interface SegWriteOptions {
  /**
   * 'non-empty' (default): frames only for slices containing the segment (one empty frame on the
   * first slice when the mask is empty); 'all': every slice.
   */
  frames?: 'non-empty' | 'all';
  instanceNumber?: number;
  /** Content Date / Time (DA / TM); default the study's. */
  contentDate?: string;
  contentTime?: string;
  /** Content Creator's Name (0070,0084), PN. Default `AXILLA^CDS`. */
  contentCreatorName?: string;
  /** Enhanced General Equipment (C.7.5.2), all type 1. Defaults: the study's manufacturer, `axilla-cds`, … */
  manufacturer?: string;
  manufacturerModelName?: string;
  deviceSerialNumber?: string;
  softwareVersions?: string;
  /** Segment Algorithm Name (0062,0009), required unless the algorithm type is MANUAL. */
  algorithmName?: string;
  /** Recommended Display CIELab Value (0062,000D) of the segment, as DICOM scaled integers. */
  recommendedDisplayCieLab?: [number, number, number];
}

/** Packs 0/1 values LSB first, frames contiguous (PS3.5 §8.1.1 / §8.2 for Bits Allocated 1). */
function packBits(mask: Uint8Array, slices: readonly number[], sliceVoxels: number): Uint8Array {
  const totalBits = slices.length * sliceVoxels;
  const bytes = new Uint8Array(Math.ceil(totalBits / 8 / 2) * 2); // even length (PS3.5 §7.1)
  let bit = 0;
  for (const k of slices) {
    const base = k * sliceVoxels;
    for (let n = 0; n < sliceVoxels; n += 1, bit += 1) {
      if (mask[base + n]) bytes[bit >> 3]! |= 1 << (bit & 7);
    }
  }
  return bytes;
}

function sliceHasVoxels(mask: Mask, k: number): boolean {
  const n = mask.size[0] * mask.size[1];
  const d = mask.data;
  for (let x = k * n; x < (k + 1) * n; x += 1) if (d[x]) return true;
  return false;
}

/** Writes a one-segment BINARY SEG of `spec.mask` over the referenced image instances. */
export function writeSeg(
  patient: PatientInfo,
  study: StudyInfo,
  spec: SegSpec,
  options: SegWriteOptions = {},
): DicomFile {
  const mask = spec.mask;
  const [nx, ny, nz] = mask.size;
  if (mask.data.length !== voxelCount(mask)) throw new RangeError('mask voxel count ≠ size');
  assertOrthonormal(mask);
  if (spec.referencedInstances.length !== nz) {
    throw new RangeError(
      `the mask has ${nz} slices but ${spec.referencedInstances.length} referenced instances`,
    );
  }
  const slices: number[] = [];
  for (let k = 0; k < nz; k += 1) if (options.frames === 'all' || sliceHasVoxels(mask, k)) slices.push(k);
  // A SEG needs at least one frame (Number of Frames ≥ 1): an empty mask (e.g. no residual
  // tumour) is written as one all-zero frame on the first slice, and decodes to an empty mask.
  if (slices.length === 0) slices.push(0);
  const segmentNumber = 1;
  const date = options.contentDate ?? study.studyDate;
  const time = options.contentTime ?? study.studyTime;
  const [si, sj, sk] = mask.spacingMm;
  const dimensionOrganizationUid = uidFrom<'DimensionOrganization'>(`${spec.sopInstanceUid}/dimensions`);
  const algorithm = spec.segment.algorithmType;

  const segment: NaturalDataset = {
    SegmentNumber: segmentNumber,
    SegmentLabel: spec.segment.label,
    ...(spec.segment.description ? { SegmentDescription: spec.segment.description } : {}),
    SegmentAlgorithmType: algorithm,
    ...(algorithm !== 'MANUAL' ? { SegmentAlgorithmName: options.algorithmName ?? 'axilla-cds' } : {}),
    SegmentedPropertyCategoryCodeSequence: [codeItem(spec.segment.category)],
    SegmentedPropertyTypeCodeSequence: [codeItem(spec.segment.type)],
    ...(options.recommendedDisplayCieLab
      ? { RecommendedDisplayCIELabValue: options.recommendedDisplayCieLab }
      : {}),
  };

  const perFrame: NaturalDataset[] = slices.map((k) => {
    const source = spec.referencedInstances[k]!;
    return {
      DerivationImageSequence: [
        {
          SourceImageSequence: [
            {
              ReferencedSOPClassUID: source.sopClassUid,
              ReferencedSOPInstanceUID: source.sopInstanceUid,
              PurposeOfReferenceCodeSequence: [PURPOSE_SOURCE_IMAGE],
            },
          ],
          DerivationCodeSequence: [DERIVATION_SEGMENTATION],
        },
      ],
      FrameContentSequence: [{ DimensionIndexValues: [segmentNumber, k + 1] }],
      PlanePositionSequence: [{ ImagePositionPatient: imagePosition(mask, k).map(ds) }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segmentNumber }],
    };
  });

  const dataset: NaturalDataset = {
    ...patientModule(patient),
    ...generalStudyModule(study),
    // General Series (C.7.3.1) and Segmentation Series (C.8.20.1)
    Modality: 'SEG',
    SeriesInstanceUID: spec.seriesInstanceUid,
    SeriesNumber: is(spec.seriesNumber),
    SeriesDate: date,
    SeriesTime: time,
    SeriesDescription: spec.seriesDescription,
    // Frame of Reference (C.7.4.1)
    FrameOfReferenceUID: spec.frameOfReferenceUid,
    PositionReferenceIndicator: null,
    // General Equipment (C.7.5.1) and Enhanced General Equipment (C.7.5.2)
    Manufacturer: options.manufacturer ?? study.manufacturer,
    InstitutionName: study.institutionName,
    ManufacturerModelName: options.manufacturerModelName ?? 'axilla-cds',
    DeviceSerialNumber: options.deviceSerialNumber ?? 'AXILLA-CDS-0001',
    SoftwareVersions: options.softwareVersions ?? SOFTWARE_VERSION,
    // General Image (C.7.6.1) and Segmentation Image (C.8.20.2) with Content Identification (C.10.9)
    InstanceNumber: is(options.instanceNumber ?? 1),
    ContentDate: date,
    ContentTime: time,
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: spec.contentLabel,
    ContentDescription: spec.segment.description ?? spec.segment.label,
    ContentCreatorName: [{ Alphabetic: options.contentCreatorName ?? 'AXILLA^CDS' }],
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    SegmentsOverlap: 'NO',
    SegmentSequence: [segment],
    // Image Pixel (C.7.6.3) as C.8.20.2 constrains it for BINARY
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: ny,
    Columns: nx,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    // Multi-frame Functional Groups (C.7.6.16)
    NumberOfFrames: is(slices.length),
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [
          {
            PixelSpacing: [ds(sj), ds(si)],
            SliceThickness: ds(sk),
            SpacingBetweenSlices: ds(sk),
          },
        ],
        PlaneOrientationSequence: [{ ImageOrientationPatient: imageOrientation(mask).map(ds) }],
      },
    ],
    PerFrameFunctionalGroupsSequence: perFrame,
    // Multi-frame Dimension (C.7.6.17)
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionOrganizationType: '3D',
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: TAG.ReferencedSegmentNumber,
        FunctionalGroupPointer: TAG.SegmentIdentificationSequence,
        DimensionDescriptionLabel: 'Segment Number',
      },
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: TAG.ImagePositionPatient,
        FunctionalGroupPointer: TAG.PlanePositionSequence,
        DimensionDescriptionLabel: 'Image Position (Patient)',
      },
    ],
    // Common Instance Reference (C.12.2): every image instance the mask grid is made of
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: spec.referencedSeriesUid,
        ReferencedInstanceSequence: spec.referencedInstances.map((r) => ({
          ReferencedSOPClassUID: r.sopClassUid,
          ReferencedSOPInstanceUID: r.sopInstanceUid,
        })),
      },
    ],
    ...sopCommonModule(SEGMENTATION_STORAGE, spec.sopInstanceUid, date, time),
    PixelData: packBits(mask.data, slices, nx * ny).buffer,
  };

  return {
    sopClassUid: SEGMENTATION_STORAGE,
    sopInstanceUid: spec.sopInstanceUid,
    seriesInstanceUid: spec.seriesInstanceUid,
    studyInstanceUid: study.studyInstanceUid,
    bytes: encodePart10(dataset, { PixelData: 'OB' }),
  };
}

function codeItem(code: { codeValue: string; codingSchemeDesignator: string; codeMeaning: string }) {
  return {
    CodeValue: code.codeValue,
    CodingSchemeDesignator: code.codingSchemeDesignator,
    CodeMeaning: code.codeMeaning,
  };
}
