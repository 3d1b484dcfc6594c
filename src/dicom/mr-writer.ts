/**
 * Classic MR Image Storage writer (SOP Class 1.2.840.10008.5.1.4.1.1.4, MR Image IOD, PS3.3
 * A.4): one single-frame instance per slice of each volume of a series, Explicit VR Little
 * Endian, 16-bit unsigned pixels, encoded by dcmjs. Every type 1 and type 2 attribute of the
 * IOD's modules is written, so dciodvfy reports no errors (docs/dicom.md lists what remains).
 *
 * Geometry (PS3.3 C.7.6.2, LPS): Image Orientation (Patient) holds the row direction (voxel axis
 * i, direction column 0) and then the column direction (axis j, direction column 1); Image
 * Position (Patient) of slice k is the centre of voxel (0, 0, k), i.e. `indexToWorld(0, 0, k)`;
 * Pixel Spacing is [row spacing, column spacing] = [spacing j, spacing i].
 */
import { endianness } from 'node:os';
import type { Geometry, Vec3, Volume } from '../imaging/volume.ts';
import { indexToWorld } from '../imaging/volume.ts';
import type {
  DicomFile,
  MrSeriesSpec,
  MrSeriesVolume,
  MrSequence,
  PatientInfo,
  SopInstanceUid,
  StudyInfo,
} from './dicom-types.ts';
import { ds, encodePart10, is, SOFTWARE_VERSION, type NaturalDataset } from './part10.ts';
import { uidFrom } from './uid.ts';

export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';

export interface MrWriteOptions {
  /**
   * SOP Instance UID of instance `n` (0-based, in write order). Default: derived from the Series
   * Instance UID and `n`, so a series written twice has the same instance UIDs.
   */
  sopInstanceUid?: (n: number) => SopInstanceUid;
  /**
   * Write Trigger Time (0018,1060) for DCE phases as several vendors do. Off by default: in the
   * MR Image Module (PS3.3 C.8.3.1) it is type 2C, allowed only for cardiac-gated images (Scan
   * Options CG or PPG), so dciodvfy reports an error. The phase time is always carried by
   * Acquisition Time / Content Time (offset from the series time by `triggerTimeMs`) and the
   * phase by Temporal Position Identifier (0020,0100).
   */
  writeTriggerTime?: boolean;
}

// ----- modules shared with the SEG writer ---------------------------------------------------------

/** Patient Module (PS3.3 C.7.1.1). */
export function patientModule(patient: PatientInfo): NaturalDataset {
  return {
    PatientName: [{ Alphabetic: patient.patientName }],
    PatientID: patient.patientId,
    PatientBirthDate: patient.birthDate,
    PatientSex: patient.sex,
  };
}

/** General Study Module (PS3.3 C.7.2.1). */
export function generalStudyModule(study: StudyInfo): NaturalDataset {
  return {
    StudyInstanceUID: study.studyInstanceUid,
    StudyDate: study.studyDate,
    StudyTime: study.studyTime,
    ReferringPhysicianName: null, // type 2
    StudyID: study.studyId,
    AccessionNumber: study.accessionNumber,
    StudyDescription: study.studyDescription,
  };
}

/** SOP Common Module (PS3.3 C.12.1). Creation date/time are the content's so output is reproducible. */
export function sopCommonModule(
  sopClassUid: string,
  sopInstanceUid: string,
  date: string,
  time: string,
): NaturalDataset {
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: sopClassUid,
    SOPInstanceUID: sopInstanceUid,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
  };
}

// ----- geometry ------------------------------------------------------------------------------------

function column(g: Geometry, c: 0 | 1 | 2): Vec3 {
  const d = g.direction;
  return [d[c], d[3 + c]!, d[6 + c]!];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/**
 * Checks that the direction matrix is orthonormal (PS3.3 C.7.6.2.1.1 needs orthogonal unit row
 * and column directions, and a classic series stacks slices along their normal). The k axis
 * may point along +normal or −normal (a left-handed voxel order); the decoder returns the
 * stack sorted along +normal.
 */
export function assertOrthonormal(g: Geometry): void {
  const cols = [column(g, 0), column(g, 1), column(g, 2)];
  for (let a = 0; a < 3; a += 1) {
    for (let b = a; b < 3; b += 1) {
      const v = dot(cols[a]!, cols[b]!);
      if (Math.abs(v - (a === b ? 1 : 0)) > 1e-6) {
        throw new RangeError(`volume direction is not orthonormal (columns ${a}·${b} = ${v})`);
      }
    }
  }
}

/** Image Orientation (Patient) (0020,0037): row direction (i) then column direction (j). */
export function imageOrientation(g: Geometry): number[] {
  return [...column(g, 0), ...column(g, 1)];
}

/** Image Position (Patient) (0020,0032) of slice k: the centre of its first voxel. */
export function imagePosition(g: Geometry, k: number): Vec3 {
  return indexToWorld(g, 0, 0, k);
}

/** Slice Location (0020,1041): position along the slice normal (i × j), in mm. */
export function sliceLocation(g: Geometry, k: number): number {
  return dot(imagePosition(g, k), cross(column(g, 0), column(g, 1)));
}

// ----- per-sequence acquisition attributes ---------------------------------------------------------

interface SequenceAttributes {
  /** Scanning Sequence (0018,0020), Sequence Variant (0018,0021), Scan Options (0018,0022). */
  scanningSequence: string[];
  sequenceVariant: string[];
  scanOptions: string[] | null;
  /** MR Acquisition Type (0018,0023). */
  acquisitionType: '2D' | '3D';
  echoTrainLength: number;
  sequenceName: string;
}

/** Single-shot spin-echo EPI, as breast DWI is acquired. */
const EPI_DIFFUSION: SequenceAttributes = {
  scanningSequence: ['SE', 'EP'],
  sequenceVariant: ['SK', 'SP'],
  scanOptions: ['FS'],
  acquisitionType: '2D',
  echoTrainLength: 1,
  sequenceName: 'DWI_SS_EPI',
};

/** Typical breast MRI protocols: 3-D spoiled gradient echo with fat saturation for DCE, 2-D turbo
 * spin echo for T2WI, single-shot spin-echo EPI for DWI (and the ADC map derived from it). */
const SEQUENCE_ATTRIBUTES: Record<MrSequence, SequenceAttributes> = {
  DCE: {
    scanningSequence: ['GR'],
    sequenceVariant: ['SP'],
    scanOptions: ['FS'],
    acquisitionType: '3D',
    echoTrainLength: 1,
    sequenceName: 'DCE_T1_GRE3D_FS',
  },
  T2: {
    scanningSequence: ['SE'],
    sequenceVariant: ['SK'],
    scanOptions: null,
    acquisitionType: '2D',
    echoTrainLength: 17,
    sequenceName: 'T2_TSE',
  },
  DWI: EPI_DIFFUSION,
  // The ADC map keeps the acquisition attributes of the DWI it was computed from.
  ADC: EPI_DIFFUSION,
};

/** HHMMSS[.FFFFFF] plus milliseconds, as HHMMSS.FFFFFF (wraps at midnight). */
function addMs(time: string, ms: number): string {
  const m = /^(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?$/.exec(time);
  if (!m) throw new RangeError(`not a DICOM TM HHMMSS[.FFFFFF]: ${time}`);
  const start =
    (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1e6 + Number((m[4] ?? '').padEnd(6, '0'));
  const t = (((start + Math.round(ms * 1000)) % 86_400e6) + 86_400e6) % 86_400e6;
  const s = Math.floor(t / 1e6);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(s / 3600))}${pad(Math.floor(s / 60) % 60)}${pad(s % 60)}.${pad(t % 1e6, 6)}`;
}

/** Window Center / Width (PS3.3 C.11.2.1.2) spanning the volume's value range. */
function windowOf(volume: Volume<Uint16Array>): { center: number; width: number } {
  let min = Infinity;
  let max = -Infinity;
  const d = volume.data;
  for (let n = 0; n < d.length; n += 1) {
    const v = d[n]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { center: 0.5, width: 1 };
  return { center: (min + max + 1) / 2, width: Math.max(1, max - min + 1) };
}

function checkVolumes(series: MrSeriesSpec): void {
  if (series.volumes.length === 0) throw new RangeError('an MR series needs at least one volume');
  const [first] = series.volumes;
  for (const v of series.volumes) {
    const g = v.volume;
    if (!(g.data instanceof Uint16Array)) throw new RangeError('MR volumes must hold Uint16Array data');
    if (g.data.length !== g.size[0] * g.size[1] * g.size[2]) throw new RangeError('voxel count ≠ size');
    assertOrthonormal(g);
    if (g.size.some((n, c) => n !== first!.volume.size[c])) {
      throw new RangeError('all volumes of a series must have the same size');
    }
  }
  const kinds = series.volumes.map((v) =>
    series.sequence === 'DCE'
      ? v.temporalPositionIdentifier
      : series.sequence === 'DWI'
        ? v.diffusionBValue
        : 0,
  );
  if (series.volumes.length > 1 && new Set(kinds).size !== kinds.length) {
    throw new RangeError(
      series.sequence === 'DCE'
        ? 'each DCE volume needs a distinct temporalPositionIdentifier'
        : series.sequence === 'DWI'
          ? 'each DWI volume needs a distinct diffusionBValue'
          : `a ${series.sequence} series holds one volume`,
    );
  }
}

/**
 * Writes one MR series: an instance per slice per volume. Instance Number runs 1… over volumes
 * in the given order, then slices in k order; the SOP Instance UIDs are deterministic in the
 * Series Instance UID unless `options.sopInstanceUid` says otherwise.
 */
export function writeMrSeries(
  patient: PatientInfo,
  study: StudyInfo,
  series: MrSeriesSpec,
  options: MrWriteOptions = {},
): DicomFile[] {
  if (endianness() !== 'LE') throw new Error('the MR writer assumes a little-endian host');
  checkVolumes(series);
  const seq = SEQUENCE_ATTRIBUTES[series.sequence];
  const derived = series.derived ?? series.sequence === 'ADC';
  const uidOf =
    options.sopInstanceUid ?? ((n: number) => uidFrom<'SOPInstance'>(`${series.seriesInstanceUid}/${n}`));
  const temporal =
    series.sequence === 'DCE' && series.volumes.some((v) => v.temporalPositionIdentifier !== undefined);

  const common: NaturalDataset = {
    ...patientModule(patient),
    ...generalStudyModule(study),
    // General Series (C.7.3.1)
    Modality: 'MR',
    SeriesInstanceUID: series.seriesInstanceUid,
    SeriesNumber: is(series.seriesNumber),
    SeriesDate: study.studyDate,
    SeriesTime: series.seriesTime,
    SeriesDescription: series.seriesDescription,
    ProtocolName: series.protocolName,
    BodyPartExamined: 'BREAST',
    PatientPosition: 'HFP', // 2C for MR: breast MRI is acquired prone, head first
    // Frame of Reference (C.7.4.1)
    FrameOfReferenceUID: series.frameOfReferenceUid,
    PositionReferenceIndicator: null, // type 2
    // General Equipment (C.7.5.1)
    Manufacturer: study.manufacturer,
    InstitutionName: study.institutionName,
    SoftwareVersions: SOFTWARE_VERSION,
    // General Image (C.7.6.1)
    ImageLaterality: 'B',
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '00',
    // Image Pixel (C.7.6.3) and MR Image (C.8.3.1.1.4 – .6): 16-bit unsigned, MONOCHROME2
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 0,
    // MR Image (C.8.3.1)
    // Image Type (C.8.3.1.1.1): value 3 from the MR defined terms; an ADC map is a DIFFUSION MAP
    // and value 4 says which. (M\NONE, the Enhanced MR style, draws a dciodvfy warning.)
    ImageType: !derived
      ? ['ORIGINAL', 'PRIMARY', 'OTHER']
      : series.sequence === 'ADC'
        ? ['DERIVED', 'SECONDARY', 'DIFFUSION MAP', 'ADC']
        : ['DERIVED', 'SECONDARY', 'OTHER'],
    ScanningSequence: seq.scanningSequence,
    SequenceVariant: seq.sequenceVariant,
    ScanOptions: seq.scanOptions,
    MRAcquisitionType: seq.acquisitionType,
    SequenceName: seq.sequenceName,
    RepetitionTime: ds(series.repetitionTimeMs),
    EchoTime: ds(series.echoTimeMs),
    EchoTrainLength: is(seq.echoTrainLength),
    NumberOfAverages: '1',
    ImagedNucleus: '1H',
    MagneticFieldStrength: ds(series.magneticFieldStrengthT),
    ImagingFrequency: ds(Math.round(series.magneticFieldStrengthT * 42.577478 * 1e4) / 1e4),
    FlipAngle: ds(series.flipAngleDeg),
  };

  const files: DicomFile[] = [];
  let n = 0;
  series.volumes.forEach((v: MrSeriesVolume, volumeIndex) => {
    const g = v.volume;
    const [nx, ny, nz] = g.size;
    const [si, sj, sk] = g.spacingMm;
    const iop = imageOrientation(g).map(ds);
    const window = windowOf(g);
    const acquisitionTime =
      v.acquisitionTime ??
      (v.triggerTimeMs !== undefined ? addMs(series.seriesTime, v.triggerTimeMs) : series.seriesTime);
    const perVolume: NaturalDataset = {
      AcquisitionNumber: is(volumeIndex + 1),
      AcquisitionDate: study.studyDate,
      AcquisitionTime: acquisitionTime,
      ContentDate: study.studyDate,
      ContentTime: acquisitionTime,
      Rows: ny,
      Columns: nx,
      PixelSpacing: [ds(sj), ds(si)],
      SliceThickness: ds(sk),
      SpacingBetweenSlices: ds(sk),
      ImageOrientationPatient: iop,
      WindowCenter: ds(window.center),
      WindowWidth: ds(window.width),
      WindowCenterWidthExplanation: 'FULL RANGE',
    };
    if (temporal) {
      // Temporal Position Identifier (0020,0100), Number of Temporal Positions (0020,0105), MR Image C.8.3.1
      perVolume['TemporalPositionIdentifier'] = is(v.temporalPositionIdentifier ?? volumeIndex + 1);
      perVolume['NumberOfTemporalPositions'] = is(series.volumes.length);
    }
    if (v.triggerTimeMs !== undefined && options.writeTriggerTime)
      perVolume['TriggerTime'] = ds(v.triggerTimeMs);
    if (series.sequence === 'DCE' && (v.temporalPositionIdentifier ?? volumeIndex + 1) > 1) {
      // Contrast/Bolus Module (C.7.6.4): required when contrast was given for this image.
      perVolume['ContrastBolusAgent'] = 'GADOLINIUM';
      perVolume['ContrastBolusRoute'] = 'IV';
    }
    if (v.diffusionBValue !== undefined) perVolume['DiffusionBValue'] = v.diffusionBValue; // (0018,9087) FD
    const sliceVoxels = nx * ny;
    for (let k = 0; k < nz; k += 1) {
      const sopInstanceUid = uidOf(n);
      const pixels = g.data.slice(k * sliceVoxels, (k + 1) * sliceVoxels);
      const dataset: NaturalDataset = {
        ...common,
        ...perVolume,
        ...sopCommonModule(MR_IMAGE_STORAGE, sopInstanceUid, study.studyDate, series.seriesTime),
        InstanceNumber: is(n + 1),
        ImagePositionPatient: imagePosition(g, k).map(ds),
        SliceLocation: ds(sliceLocation(g, k)),
        PixelData: pixels.buffer,
      };
      files.push({
        sopClassUid: MR_IMAGE_STORAGE,
        sopInstanceUid,
        seriesInstanceUid: series.seriesInstanceUid,
        studyInstanceUid: study.studyInstanceUid,
        bytes: encodePart10(dataset, { PixelData: 'OW' }),
      });
      n += 1;
    }
  });
  return files;
}
