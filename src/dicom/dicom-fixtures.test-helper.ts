/**
 * Small synthetic images for the DICOM tests: a known voxel pattern on an axial or an oblique
 * grid, a patient, a study and series specs of each kind.
 */
import { TUMOUR_SEGMENT } from './segment-codes.ts';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Geometry, Mat3, Mask, Volume } from '../imaging/volume.ts';
import { linearIndex, voxelCount } from '../imaging/volume.ts';
import type { DicomFile, MrSequence, MrSeriesSpec, PatientInfo, SegSpec, StudyInfo } from './dicom-types.ts';
import { uidFrom } from './uid.ts';

export const patient: PatientInfo = {
  patientId: 'AX-TEST-0001',
  patientName: 'Synthetic^Patient0001',
  birthDate: '19710203',
  sex: 'F',
};

export function study(seed = 'test-study'): StudyInfo {
  return {
    studyInstanceUid: uidFrom<'Study'>(`${seed}/study`),
    studyDate: '20240315',
    studyTime: '093000',
    accessionNumber: 'ACC0001',
    studyId: 'ST1',
    studyDescription: 'MRI BREAST BILATERAL W WO CONTRAST',
    manufacturer: 'Axilla Synthetic',
    institutionName: 'Axilla Test Hospital',
  };
}

/** Rotation about z by `a`, then about x by `b` (degrees): an oblique, right-handed direction. */
export function oblique(a = 20, b = 12): Mat3 {
  const ca = Math.cos((a * Math.PI) / 180);
  const sa = Math.sin((a * Math.PI) / 180);
  const cb = Math.cos((b * Math.PI) / 180);
  const sb = Math.sin((b * Math.PI) / 180);
  // Rx(b) · Rz(a), row-major
  return [ca, -sa, 0, cb * sa, cb * ca, -sb, sb * sa, sb * ca, cb];
}

export const AXIAL: Geometry = {
  size: [32, 24, 10],
  spacingMm: [0.7, 0.8, 2.5],
  originMm: [-11.2, -40.5, 12.25],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
};

export const OBLIQUE: Geometry = {
  size: [32, 24, 10],
  spacingMm: [0.75, 0.9, 3],
  originMm: [-60.123456, 25.5, -33.3],
  direction: oblique(),
};

/** A known pattern: every voxel distinct within a volume, some above 32767 (unsigned check). */
export function patternVolume(g: Geometry, offset = 0): Volume<Uint16Array> {
  const data = new Uint16Array(voxelCount(g));
  for (let k = 0; k < g.size[2]; k += 1) {
    for (let j = 0; j < g.size[1]; j += 1) {
      for (let i = 0; i < g.size[0]; i += 1) {
        data[linearIndex(g, i, j, k)] = (offset + i + 40 * j + 1000 * k + (k % 2 ? 40000 : 0)) % 65536;
      }
    }
  }
  return { ...g, data };
}

/** A box-shaped mask over slices 3…5 plus one voxel on slice 7. */
export function boxMask(g: Geometry): Mask {
  const data = new Uint8Array(voxelCount(g));
  for (let k = 3; k <= 5; k += 1) {
    for (let j = 5; j < 12; j += 1) for (let i = 4; i < 15; i += 1) data[linearIndex(g, i, j, k)] = 1;
  }
  data[linearIndex(g, 9, 9, 7)] = 1;
  return { ...g, data };
}

export function seriesSpec(sequence: MrSequence, g: Geometry, seed = 'test'): MrSeriesSpec {
  const base = {
    seriesInstanceUid: uidFrom<'Series'>(`${seed}/series/${sequence}`),
    seriesNumber: { DCE: 5, T2: 2, DWI: 3, ADC: 4 }[sequence],
    seriesDescription: `Synthetic ${sequence}`,
    protocolName: `BREAST_${sequence}`,
    sequence,
    frameOfReferenceUid: uidFrom<'FrameOfReference'>(`${seed}/for`),
    seriesTime: '094500',
    repetitionTimeMs: sequence === 'T2' ? 4200 : sequence === 'DCE' ? 4.53 : 5800,
    echoTimeMs: sequence === 'T2' ? 85 : sequence === 'DCE' ? 1.66 : 64,
    flipAngleDeg: sequence === 'DCE' ? 10 : 90,
    magneticFieldStrengthT: 3,
  };
  switch (sequence) {
    case 'DCE':
      return {
        ...base,
        volumes: [0, 1, 2].map((n) => ({
          volume: patternVolume(g, n * 3),
          temporalPositionIdentifier: n + 1,
          triggerTimeMs: n * 60_000,
        })),
      };
    case 'DWI':
      return {
        ...base,
        volumes: [
          { volume: patternVolume(g, 7), diffusionBValue: 0 },
          { volume: patternVolume(g, 11), diffusionBValue: 800 },
        ],
      };
    case 'ADC':
      return { ...base, derived: true, volumes: [{ volume: patternVolume(g, 5) }] };
    default:
      return { ...base, volumes: [{ volume: patternVolume(g) }] };
  }
}

export function segSpec(files: DicomFile[], series: MrSeriesSpec, mask: Mask, seed = 'test'): SegSpec {
  return {
    seriesInstanceUid: uidFrom<'Series'>(`${seed}/seg-series`),
    sopInstanceUid: uidFrom<'SOPInstance'>(`${seed}/seg`),
    seriesNumber: 100,
    seriesDescription: 'Tumour segmentation',
    contentLabel: 'TUMOUR',
    referencedSeriesUid: series.seriesInstanceUid,
    referencedInstances: files.map((f) => ({ sopClassUid: f.sopClassUid, sopInstanceUid: f.sopInstanceUid })),
    frameOfReferenceUid: series.frameOfReferenceUid,
    segment: TUMOUR_SEGMENT,
    mask,
  };
}

/** A temporary folder; `files` are written as `<name>` relative to it. */
export async function tempFolder(files: Record<string, Uint8Array | string> = {}): Promise<{
  dir: string;
  write: (name: string, bytes: Uint8Array | string) => Promise<string>;
  remove: () => Promise<void>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'axilla-dicom-test-'));
  const write = async (name: string, bytes: Uint8Array | string) => {
    const p = path.join(dir, name);
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, bytes);
    return p;
  };
  for (const [name, bytes] of Object.entries(files)) await write(name, bytes);
  return { dir, write, remove: () => rm(dir, { recursive: true, force: true }) };
}
