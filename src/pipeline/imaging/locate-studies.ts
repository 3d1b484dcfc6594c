/**
 * Locate, first half: which of the patient's studies are the pre-NAT and the post-NAT breast MRI.
 * Candidates come from the patient's FHIR ImagingStudy resources when the EHR has them (their
 * DICOM Study Instance UID identifier links to the PACS), else from QIDO-RS by Patient ID.
 * Pre-NAT: the latest MR study dated on or before NAT start. Post-NAT: the latest MR study dated
 * on or after NAT end and not after the planned surgery. Every candidate and the reason it was
 * taken or passed over goes to the audit.
 */
import type { ImagingStudy } from '@medplum/fhirtypes';
import type { DicomSource, StudyUid } from '../../dicom/dicom-types.ts';
import type { NeoadjuvantTherapy } from '../../fhir/clinical-inputs.ts';
import { gate, ImagingGateError, type ImagingProblem } from './imaging-problem.ts';

export interface StudyCandidate {
  studyInstanceUid: StudyUid;
  /** YYYY-MM-DD, when known. */
  date?: string;
  modalities: string[];
  description?: string;
  /** `ImagingStudy/<id>` when the candidate came from FHIR, else `qido`. */
  from: string;
}

export interface ChosenStudies {
  pre: StudyCandidate;
  post: StudyCandidate;
  candidates: StudyCandidate[];
}

/** `urn:oid:1.2.3` or `1.2.3` → `1.2.3` (ImagingStudy.identifier, FHIR R4 §ImagingStudy). */
function dicomUid(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const uid = value.startsWith('urn:oid:') ? value.slice(8) : value;
  return /^[0-9]+(\.[0-9]+)*$/.test(uid) ? uid : undefined;
}

/** YYYYMMDD (DICOM DA) or an ISO date/date-time → YYYY-MM-DD. */
export function isoDay(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (/^\d{8}$/.test(value)) return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined;
}

export function candidatesFromImagingStudies(studies: readonly ImagingStudy[]): StudyCandidate[] {
  return studies.flatMap((s) => {
    if (s.status === 'entered-in-error' || s.status === 'cancelled') return [];
    const uid = (s.identifier ?? []).map((i) => dicomUid(i.value)).find((u) => u !== undefined);
    if (!uid) return [];
    const date = isoDay(s.started);
    return [
      {
        studyInstanceUid: uid as StudyUid,
        ...(date ? { date } : {}),
        modalities: (s.modality ?? []).flatMap((m) => (m.code ? [m.code] : [])),
        ...(s.description ? { description: s.description } : {}),
        from: `ImagingStudy/${s.id ?? '(no id)'}`,
      },
    ];
  });
}

/** Candidates from ImagingStudy resources, else from QIDO-RS by Patient ID. */
export async function findStudyCandidates(
  source: DicomSource,
  patientId: string,
  imagingStudies: readonly ImagingStudy[],
): Promise<StudyCandidate[]> {
  const fromFhir = candidatesFromImagingStudies(imagingStudies);
  if (fromFhir.length > 0) return fromFhir;
  const found = await source.findStudies({ patientId });
  return found.map((s) => {
    const date = isoDay(s.studyDate);
    return {
      studyInstanceUid: s.studyInstanceUid,
      ...(date ? { date } : {}),
      modalities: s.modalities,
      ...(s.studyDescription ? { description: s.studyDescription } : {}),
      from: 'qido',
    };
  });
}

function latest(list: StudyCandidate[]): StudyCandidate | undefined {
  return [...list].sort((a, b) => (a.date! < b.date! ? 1 : a.date! > b.date! ? -1 : 0))[0];
}

function listed(list: StudyCandidate[]): string {
  return list.map((s) => `${s.modalities.join('/') || '?'} ${s.date ?? 'undated'}`).join(', ');
}

/**
 * The pre- and post-NAT studies, or every reason they cannot be chosen. An MR study without a
 * date cannot be placed in time and is passed over. `modality` is the bundle's imaging modality.
 */
export function chooseStudies(
  candidates: readonly StudyCandidate[],
  nat: NeoadjuvantTherapy,
  o: { modality: string; surgeryDate?: string },
): ChosenStudies {
  const natStart = isoDay(nat.start)!;
  const natEnd = isoDay(nat.end);
  const dated = candidates.filter((c) => c.date !== undefined);
  // An empty modality list (a server that did not say) is judged at series level.
  const ofModality = dated.filter((c) => c.modalities.length === 0 || c.modalities.includes(o.modality));
  const other = dated.filter((c) => !ofModality.includes(c));
  const problems: ImagingProblem[] = [];

  const pre = latest(ofModality.filter((c) => c.date! <= natStart));
  if (!pre) {
    const wrong = other.filter((c) => c.date! <= natStart);
    problems.push(
      wrong.length > 0
        ? {
            code: 'wrong-modality',
            timePoint: 'pre',
            message: `no ${o.modality} study before NAT start (${natStart}): the studies on file then are ${listed(wrong)}`,
          }
        : {
            code: 'no-pre-study',
            timePoint: 'pre',
            message: `no ${o.modality} study dated on or before NAT start (${natStart}) is on file`,
          },
    );
  }
  if (!natEnd) {
    problems.push({
      code: 'nat-ongoing',
      timePoint: 'post',
      message: `NAT has no end date (started ${natStart}): a post-NAT study cannot be identified until NAT end is recorded`,
    });
    throw new ImagingGateError(problems);
  }
  const beforeSurgery = (c: StudyCandidate) => !o.surgeryDate || c.date! <= o.surgeryDate;
  const post = latest(ofModality.filter((c) => c.date! >= natEnd && beforeSurgery(c)));
  if (!post) {
    const during = latest(ofModality.filter((c) => c.date! > natStart && c.date! < natEnd));
    const wrong = other.filter((c) => c.date! >= natEnd && beforeSurgery(c));
    if (wrong.length > 0)
      problems.push({
        code: 'wrong-modality',
        timePoint: 'post',
        message: `the study after NAT end (${natEnd}) is ${listed(wrong)}, not ${o.modality}`,
      });
    else if (during)
      problems.push({
        code: 'post-before-nat-end',
        timePoint: 'post',
        message: `the latest ${o.modality} study (${during.date}) is dated before NAT end (${natEnd}); the model needs a study after NAT end`,
      });
    else
      problems.push({
        code: 'no-post-study',
        timePoint: 'post',
        message: `no ${o.modality} study dated on or after NAT end (${natEnd}) is on file`,
      });
  }
  if (problems.length > 0) throw new ImagingGateError(problems);
  if (pre!.studyInstanceUid === post!.studyInstanceUid)
    throw gate({ code: 'no-post-study', message: 'the pre- and post-NAT studies are the same study' });
  return { pre: pre!, post: post!, candidates: [...candidates] };
}
