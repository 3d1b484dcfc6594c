/**
 * The PACS telling the service that a study is complete — Orthanc's stable-study event through
 * the webhook, or a new study seen by QIDO-RS polling — becomes a queued `study-stable` job. The
 * job finds the study's patient, reads the clinical inputs from the configured FHIR server, and
 * when the study is that patient's pre- or post-NAT study for the active imaging model, queues
 * the prediction, so the order hook later finds it in the cache.
 */
import { createHash } from 'node:crypto';
import type { ImagingStudy } from '@medplum/fhirtypes';
import type { AxillaConfig } from '../config/config.ts';
import type { StudyUid } from '../dicom/dicom-types.ts';
import { gatherPatientData } from '../cds/prefetch.ts';
import type { ServiceCatalog } from '../cds/service-catalog.ts';
import { readClinicalInputs } from '../fhir/clinical/read-clinical-inputs.ts';
import { createFhirReader } from '../fhir/fhir-reader.ts';
import type { LoadedBundle } from '../model/bundle-types.ts';
import { imagingClinicalValues } from '../pipeline/imaging/imaging-model.ts';
import { ImagingGateError } from '../pipeline/imaging/imaging-problem.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { QueuedJob } from '../store/job-queue.ts';
import type { Logger } from '../util/logger.ts';
import type { ImagingService } from './imaging-service.ts';

export interface StudyNotificationDeps {
  config: AxillaConfig;
  catalog: ServiceCatalog;
  imaging: () => ImagingService;
  activeModel: () => LoadedBundle | undefined;
  audit: AuditStore;
  logger: Logger;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

/** Queues the work for a study the PACS announced; the key makes repeated events one job. */
export function notifyStudy(imaging: ImagingService, studyInstanceUid: string, reason: string): QueuedJob {
  if (!UID.test(studyInstanceUid) || studyInstanceUid.length > 64)
    throw new RangeError(`${JSON.stringify(studyInstanceUid)} is not a DICOM UID`);
  const key = createHash('sha256').update(`study-stable/1\n${studyInstanceUid}`).digest('hex');
  return imaging.enqueue(key, { kind: 'study-stable', studyInstanceUid }, reason);
}

/** Runs a `study-stable` job; returns false for other job kinds. */
export function studyJobHandler(deps: StudyNotificationDeps) {
  return async (job: QueuedJob): Promise<boolean> => {
    if (job.payload.kind !== 'study-stable') return false;
    const studyUid = String(job.payload.studyInstanceUid) as StudyUid;
    // Audits what the job found; the job is handled whatever the outcome.
    const record = (
      outcome: 'queued' | 'recorded' | 'not-applicable',
      detail: Record<string, unknown>,
      patientId?: string,
    ): true => {
      deps.audit.append({
        kind: 'study-notification',
        outcome,
        ...(patientId ? { patientId } : {}),
        detail: { jobId: job.id, reason: job.reason, studyInstanceUid: studyUid, ...detail },
      });
      return true;
    };
    const bundle = deps.activeModel();
    const imaging = deps.imaging();
    const model = bundle ? imaging.model(bundle.digest) : undefined;
    if (!bundle || !model) return record('not-applicable', { why: 'the active model reads no images' });
    const [study] = await imaging.source.findStudies({ studyInstanceUid: studyUid });
    if (!study) return record('not-applicable', { why: 'the PACS does not have this study' });
    const patientId = study.patientId;
    const fhirBaseUrl = deps.config.imaging.fhirBaseUrl;
    if (!fhirBaseUrl || !patientId)
      return record(
        'recorded',
        {
          why: fhirBaseUrl
            ? 'the study has no Patient ID'
            : 'no FHIR server is configured for background jobs (imaging.fhirBaseUrl)',
        },
        patientId,
      );

    const reader = createFhirReader(fhirBaseUrl, undefined, deps.config.fhir);
    const data = await gatherPatientData({
      patientId,
      context: { patientId },
      prefetch: undefined,
      templates: deps.catalog.templates,
      reader,
      required: ['patient', 'observations', 'conditions', 'procedures', 'medicationAdministrations'],
    });
    const inputs = readClinicalInputs(data.clinical, deps.config.fhir.codes, {
      asOf: new Date().toISOString(),
    });
    const vector = imagingClinicalValues(model, inputs);
    if (!vector.ok)
      return record(
        'not-applicable',
        { why: 'clinical inputs incomplete', missing: vector.missing },
        patientId,
      );
    let studies;
    try {
      studies = await imaging.chooseStudies(
        model,
        patientId,
        data.imagingStudies as ImagingStudy[],
        inputs.nat!.value,
      );
    } catch (err) {
      if (!(err instanceof ImagingGateError)) throw err;
      return record('not-applicable', { why: 'studies not usable yet', problems: err.problems }, patientId);
    }
    if (studies.pre.studyInstanceUid !== studyUid && studies.post.studyInstanceUid !== studyUid)
      return record(
        'not-applicable',
        {
          why: 'not the pre- or post-NAT study of the active model',
          chosen: { pre: studies.pre, post: studies.post },
        },
        patientId,
      );
    const { key } = imaging.request(
      {
        kind: 'prediction',
        modelDigest: bundle.digest,
        studies: { pre: studies.pre, post: studies.post },
        clinical: vector.values,
      },
      'study-stable',
    );
    return record(
      'queued',
      { predictionKey: key, studies: { pre: studies.pre, post: studies.post } },
      patientId,
    );
  };
}

/** Polls QIDO-RS for studies dated in the last `lookbackDays`, queuing each one not seen before. */
export function startStudyPolling(
  imaging: ImagingService,
  o: { seconds: number; lookbackDays: number; logger: Logger },
): { stop(): void; pollOnce(): Promise<number> } {
  const seen = new Set<string>();
  const pollOnce = async (): Promise<number> => {
    const from = new Date(Date.now() - o.lookbackDays * 86_400_000)
      .toISOString()
      .slice(0, 10)
      .replaceAll('-', '');
    const studies = await imaging.source.findStudies({ studyDateFrom: from });
    let queued = 0;
    for (const s of studies) {
      if (seen.has(s.studyInstanceUid)) continue;
      seen.add(s.studyInstanceUid);
      notifyStudy(imaging, s.studyInstanceUid, 'qido-poll');
      queued += 1;
    }
    return queued;
  };
  const timer = setInterval(() => {
    pollOnce().catch((err: unknown) =>
      o.logger.warn({ err: (err as Error).message }, 'QIDO-RS polling failed'),
    );
  }, o.seconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer), pollOnce };
}
