import type {
  Bundle,
  Condition,
  ImagingStudy,
  MedicationAdministration,
  Observation,
  Patient,
  Procedure,
  Resource,
} from '@medplum/fhirtypes';
import type { ClinicalResources } from '../fhir/clinical/read-clinical-inputs.ts';
import { FhirAccessError, type FhirReader } from '../fhir/fhir-reader.ts';
import { HookError } from './hook-error.ts';
import { fillPrefetchTokens, type PrefetchKey } from './service-catalog.ts';

const EXPECTED_TYPE: Record<PrefetchKey, Resource['resourceType']> = {
  patient: 'Patient',
  observations: 'Observation',
  conditions: 'Condition',
  procedures: 'Procedure',
  medicationAdministrations: 'MedicationAdministration',
  imagingStudies: 'ImagingStudy',
};

export interface PatientData {
  patient: Patient;
  clinical: ClinicalResources;
  imagingStudies: ImagingStudy[];
  /** Where each key's data came from, for the audit. */
  sources: Partial<Record<PrefetchKey, 'prefetch' | 'fhir'>>;
}

export interface GatherOptions {
  patientId: string;
  context: Record<string, unknown>;
  prefetch: Record<string, unknown> | undefined;
  templates: Record<PrefetchKey, string>;
  /** Present when the request named a fhirServer. */
  reader: FhirReader | undefined;
  /** Keys without which no answer can be given; others default to empty when unobtainable. */
  required: readonly PrefetchKey[];
}

/**
 * Collects the patient's data for one hook call: prefetched data where the EHR sent it, the
 * FHIR server for keys that are absent, `null` or an OperationOutcome (CDS Hooks 2.0 §Prefetch:
 * the service must then fetch it itself), and every further page of a paginated prefetch.
 */
export async function gatherPatientData(opts: GatherOptions): Promise<PatientData> {
  const sources: PatientData['sources'] = {};
  const get = async <T extends Resource>(key: PrefetchKey): Promise<T[]> => {
    try {
      const { resources, source } = await resolveKey(key, opts);
      sources[key] = source;
      return resources.map((r) => checkBelongs(r, key, opts.patientId) as T);
    } catch (err) {
      if (err instanceof HookError && !opts.required.includes(key) && err.status === 412) return [];
      throw err;
    }
  };
  const [patients, observations, conditions, procedures, medicationAdministrations, imagingStudies] =
    await Promise.all([
      get<Patient>('patient'),
      get<Observation>('observations'),
      get<Condition>('conditions'),
      get<Procedure>('procedures'),
      get<MedicationAdministration>('medicationAdministrations'),
      get<ImagingStudy>('imagingStudies'),
    ]);
  const patient = patients[0];
  if (!patient) throw new HookError(412, `Patient/${opts.patientId} could not be obtained`);
  return {
    patient,
    clinical: { observations, conditions, procedures, medicationAdministrations },
    imagingStudies,
    sources,
  };
}

async function resolveKey(
  key: PrefetchKey,
  opts: GatherOptions,
): Promise<{ resources: Resource[]; source: 'prefetch' | 'fhir' }> {
  const value = opts.prefetch?.[key];
  const usable = isResource(value) && value.resourceType !== 'OperationOutcome';
  if (usable) {
    if (value.resourceType !== 'Bundle') return { resources: [value], source: 'prefetch' };
    const bundle = value as Bundle;
    const hasNext = (bundle.link ?? []).some((l) => l.relation === 'next');
    if (!hasNext) return { resources: entriesOf(bundle), source: 'prefetch' };
    if (!opts.reader) {
      throw new HookError(
        412,
        `prefetch ${key} is paginated but no fhirServer was given to fetch the other pages`,
      );
    }
    return { resources: await fromFhir(() => opts.reader!.collectPages(bundle), key), source: 'prefetch' };
  }
  if (value !== undefined && value !== null && !isResource(value)) {
    throw new HookError(400, `prefetch ${key} is neither a FHIR resource nor null`);
  }
  const why = value === undefined ? 'was not sent' : value === null ? 'is null' : 'is an OperationOutcome';
  if (!opts.reader)
    throw new HookError(412, `prefetch ${key} ${why} and no fhirServer was given to fetch it`);
  const query = fillPrefetchTokens(opts.templates[key], opts.context);
  return { resources: await fromFhir(() => opts.reader!.get(query), key), source: 'fhir' };
}

async function fromFhir(fetcher: () => Promise<Resource[]>, key: PrefetchKey): Promise<Resource[]> {
  try {
    return await fetcher();
  } catch (err) {
    if (err instanceof FhirAccessError) throw new HookError(412, `${key}: ${err.message}`);
    throw err;
  }
}

function entriesOf(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).flatMap((e) =>
    e.resource && e.search?.mode !== 'outcome' ? [e.resource] : [],
  );
}

function isResource(v: unknown): v is Resource {
  return (
    typeof v === 'object' && v !== null && typeof (v as { resourceType?: unknown }).resourceType === 'string'
  );
}

/**
 * Data of another patient or of an unexpected type is an EHR error that must not be used or
 * silently dropped: the call is refused with the offending resource named.
 */
function checkBelongs(r: Resource, key: PrefetchKey, patientId: string): Resource {
  if (r.resourceType === 'OperationOutcome') return r;
  const expected = EXPECTED_TYPE[key];
  const label = `${r.resourceType}/${r.id ?? '(no id)'}`;
  if (r.resourceType !== expected)
    throw new HookError(400, `prefetch ${key} holds ${label}, expected ${expected}`);
  if (r.resourceType === 'Patient') {
    if (r.id !== patientId)
      throw new HookError(400, `prefetch patient is ${label}, context names Patient/${patientId}`);
    return r;
  }
  const subject = (r as { subject?: { reference?: string } }).subject?.reference;
  if (!subject || !refersTo(subject, patientId)) {
    throw new HookError(400, `prefetch ${key} holds ${label} whose subject is not Patient/${patientId}`);
  }
  return r;
}

function refersTo(reference: string, patientId: string): boolean {
  return reference === `Patient/${patientId}` || reference.endsWith(`/Patient/${patientId}`);
}
