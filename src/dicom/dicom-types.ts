/**
 * Contracts of the DICOM part: what the writer takes, what a source gives. Branded UIDs keep a
 * Study UID from being passed where a Series UID belongs.
 */
import type { Mask, Volume } from '../imaging/volume.ts';

declare const brand: unique symbol;
export type Uid<K extends string> = string & { readonly [brand]: K };
export type StudyUid = Uid<'Study'>;
export type SeriesUid = Uid<'Series'>;
export type SopInstanceUid = Uid<'SOPInstance'>;
export type FrameOfReferenceUid = Uid<'FrameOfReference'>;

export interface PatientInfo {
  /** DICOM Patient ID = FHIR Patient MRN identifier value. */
  patientId: string;
  /** DICOM PN, e.g. `Synthetic^Patient0001`. */
  patientName: string;
  /** YYYYMMDD */
  birthDate: string;
  sex: 'F' | 'M' | 'O';
}

export interface StudyInfo {
  studyInstanceUid: StudyUid;
  /** YYYYMMDD */
  studyDate: string;
  /** HHMMSS */
  studyTime: string;
  accessionNumber: string;
  studyId: string;
  studyDescription: string;
  /** Institution / equipment, the same for every series of the study. */
  manufacturer: string;
  institutionName: string;
}

export type MrSequence = 'DCE' | 'T2' | 'DWI' | 'ADC';

/** One 3-D volume of a series; a series may hold several (DCE phases, DWI b values). */
export interface MrSeriesVolume {
  volume: Volume<Uint16Array>;
  /** DCE: 1 = pre-contrast, 2… = post-contrast phases (0020,0100). */
  temporalPositionIdentifier?: number;
  /** DCE: milliseconds from the start of the dynamic acquisition (0018,1060). */
  triggerTimeMs?: number;
  /** HHMMSS.FFFFFF; acquisition / content time of this volume. */
  acquisitionTime?: string;
  /** DWI: b value in s/mm² (0018,9087). */
  diffusionBValue?: number;
}

export interface MrSeriesSpec {
  seriesInstanceUid: SeriesUid;
  seriesNumber: number;
  seriesDescription: string;
  protocolName: string;
  sequence: MrSequence;
  frameOfReferenceUid: FrameOfReferenceUid;
  /** HHMMSS of the series. */
  seriesTime: string;
  repetitionTimeMs: number;
  echoTimeMs: number;
  flipAngleDeg: number;
  magneticFieldStrengthT: number;
  /** Derived series (ADC map) get ImageType DERIVED\SECONDARY. */
  derived?: boolean;
  volumes: MrSeriesVolume[];
}

/** A segment of a SEG, coded as DICOM PS3.3 C.8.20.2 asks (category and type code sequences). */
export interface SegmentSpec {
  label: string;
  description?: string;
  /** SCT 49755003 "Morphologically abnormal structure" style coding. */
  category: { codeValue: string; codingSchemeDesignator: string; codeMeaning: string };
  type: { codeValue: string; codingSchemeDesignator: string; codeMeaning: string };
  algorithmType: 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';
}

export interface SegSpec {
  seriesInstanceUid: SeriesUid;
  sopInstanceUid: SopInstanceUid;
  seriesNumber: number;
  seriesDescription: string;
  contentLabel: string;
  /** The image instances the mask was drawn on, one per slice of the mask grid, in slice order. */
  referencedSeriesUid: SeriesUid;
  referencedInstances: { sopClassUid: string; sopInstanceUid: SopInstanceUid }[];
  frameOfReferenceUid: FrameOfReferenceUid;
  segment: SegmentSpec;
  /** The mask on the grid of the referenced instances. */
  mask: Mask;
}

/** A written DICOM file. */
export interface DicomFile {
  sopClassUid: string;
  sopInstanceUid: SopInstanceUid;
  seriesInstanceUid: SeriesUid;
  studyInstanceUid: StudyUid;
  /** Part-10 bytes (preamble, DICM, file meta, dataset). */
  bytes: Uint8Array;
}

// ----- reading ---------------------------------------------------------------------------------

export interface StudySummary {
  studyInstanceUid: StudyUid;
  patientId: string;
  studyDate?: string;
  studyDescription?: string;
  modalities: string[];
}

export interface SeriesSummary {
  studyInstanceUid: StudyUid;
  seriesInstanceUid: SeriesUid;
  modality: string;
  seriesNumber?: number;
  seriesDescription?: string;
  numberOfInstances?: number;
}

export interface InstanceSummary {
  studyInstanceUid: StudyUid;
  seriesInstanceUid: SeriesUid;
  sopInstanceUid: SopInstanceUid;
  sopClassUid: string;
  instanceNumber?: number;
}

/**
 * Where DICOM comes from: a folder of Part-10 files or a DICOMweb server. Both answer the same
 * queries and return the same bytes, so decoding is shared and results are identical.
 */
export interface StudyQuery {
  patientId?: string;
  studyInstanceUid?: StudyUid;
  studyDateFrom?: string;
}

export interface DicomSource {
  /** Studies of a patient, one study, or (`studyDateFrom`, YYYYMMDD) every study dated from that day on. */
  findStudies(query: StudyQuery): Promise<StudySummary[]>;
  findSeries(studyInstanceUid: StudyUid): Promise<SeriesSummary[]>;
  findInstances(studyInstanceUid: StudyUid, seriesInstanceUid: SeriesUid): Promise<InstanceSummary[]>;
  /** Part-10 bytes of the given instances (all of the series when `sopInstanceUids` is absent). */
  retrieveInstances(
    studyInstanceUid: StudyUid,
    seriesInstanceUid: SeriesUid,
    sopInstanceUids?: readonly SopInstanceUid[],
  ): Promise<Uint8Array[]>;
  close?(): Promise<void>;
}

/** A DICOM problem the user must fix (bad file, inconsistent series, unreachable server). */
export class DicomError extends Error {
  override name = 'DicomError';
}
