/**
 * `axilla predict --patient ID`: the answer the hooks would give for one patient, as JSON — the
 * same code path (clinical inputs, studies, series, extraction, model) over a folder of DICOM
 * files or a DICOMweb server, with clinical data from a FHIR server or a FHIR Bundle file (as the
 * synthetic cohort writes them). Nothing is queued for later: the prediction is computed now.
 */
import { readFile } from 'node:fs/promises';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Command } from 'commander';
import { loadCardWording } from '../cds/card-wording.ts';
import { HookError } from '../cds/hook-error.ts';
import { answerWithModel } from '../cds/model-answer.ts';
import { gatherPatientData, type PatientData } from '../cds/prefetch.ts';
import { loadServiceCatalog, type PrefetchKey } from '../cds/service-catalog.ts';
import { imagingSourceOf, type AxillaConfig } from '../config/config.ts';
import { readClinicalInputs } from '../fhir/clinical/read-clinical-inputs.ts';
import { createFhirReader, FhirAccessError } from '../fhir/fhir-reader.ts';
import { openImagingSource } from '../http/service.ts';
import { createImagingService, type ImagingService } from '../jobs/imaging-service.ts';
import { createModelRegistry } from '../model/registry.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { createLogger } from '../util/logger.ts';
import { CliError } from './cli-error.ts';
import { configFromOptions } from './config-option.ts';

interface PredictOptions {
  patient: string;
  config?: string;
  dicom?: string;
  dicomweb?: string;
  fhir?: string;
  fhirBundle?: string;
  model?: string;
  hook: string;
}

const REQUIRED: PrefetchKey[] = [
  'patient',
  'observations',
  'conditions',
  'procedures',
  'medicationAdministrations',
];

/** A FHIR Bundle file as prefetch: each key gets the resources of its type. */
async function prefetchFromFile(file: string, patientId: string): Promise<Record<string, unknown>> {
  let bundle: Bundle;
  try {
    bundle = JSON.parse(await readFile(file, 'utf8')) as Bundle;
  } catch (err) {
    throw new CliError(`cannot read FHIR bundle ${file}: ${(err as Error).message}`);
  }
  if (bundle.resourceType !== 'Bundle') throw new CliError(`${file} is not a FHIR Bundle`);
  const resources = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource as Resource] : []));
  const patient = resources.find((r) => r.resourceType === 'Patient' && r.id === patientId);
  if (!patient) throw new CliError(`${file} holds no Patient/${patientId}`);
  const searchset = (type: string): Bundle => ({
    resourceType: 'Bundle',
    type: 'searchset',
    entry: resources.filter((r) => r.resourceType === type).map((resource) => ({ resource })),
  });
  return {
    patient,
    observations: searchset('Observation'),
    conditions: searchset('Condition'),
    procedures: searchset('Procedure'),
    medicationAdministrations: searchset('MedicationAdministration'),
    imagingStudies: searchset('ImagingStudy'),
  };
}

export async function runPredict(o: PredictOptions, config: AxillaConfig): Promise<Record<string, unknown>> {
  if (o.dicom && o.dicomweb) throw new CliError('give --dicom or --dicomweb, not both');
  if (o.fhir && o.fhirBundle) throw new CliError('give --fhir or --fhir-bundle, not both');
  if (!o.fhir && !o.fhirBundle) throw new CliError('clinical data needed: --fhir URL or --fhir-bundle FILE');
  if (o.dicom) config.imaging.source = { kind: 'folder', dir: o.dicom };
  if (o.dicomweb)
    config.imaging.source = {
      kind: 'dicomweb',
      url: o.dicomweb,
      timeoutMs: 30_000,
      maxConcurrent: 6,
      allowInsecureHttp: 'loopback',
    };
  if (o.model) config.models.active = o.model;

  const logger = createLogger('silent');
  const store = new SqliteStore(':memory:');
  const models = await createModelRegistry(config.models, logger, store);
  const source = await openImagingSource(imagingSourceOf(config));
  let imaging: ImagingService | undefined;
  try {
    const bundle = models.active();
    if (!bundle) throw new CliError(`no verified bundle ${config.models.active} in ${config.models.dir}`);
    const catalog = loadServiceCatalog(config.cards.dir, config.fhir.codes);
    let data: PatientData;
    try {
      const reader = o.fhir
        ? createFhirReader(o.fhir, undefined, { ...config.fhir, allowInsecureHttp: 'loopback' })
        : undefined;
      data = await gatherPatientData({
        patientId: o.patient,
        context: { patientId: o.patient },
        prefetch: o.fhirBundle ? await prefetchFromFile(o.fhirBundle, o.patient) : undefined,
        templates: catalog.templates,
        reader,
        required: REQUIRED,
      });
    } catch (err) {
      if (err instanceof HookError || err instanceof FhirAccessError)
        throw new CliError(`clinical data for ${o.patient}: ${err.message}`);
      throw err;
    }
    const inputs = readClinicalInputs(data.clinical, config.fhir.codes, { asOf: new Date().toISOString() });
    if (source) {
      imaging = createImagingService(config.imaging, {
        source,
        store,
        logger,
        models: models.imaging,
        maxAttempts: 1,
      });
    }
    const answer = await answerWithModel(
      {
        wording: loadCardWording(config.cards.dir),
        imaging,
        fallbackModel: () => models.clinical(config.imaging.fallbackModel),
        // Computed now, however long it takes: no "in progress" from the command line.
        deadlineMs: 2 ** 31 - 1,
      },
      { hook: o.hook, patientId: o.patient, imagingStudies: data.imagingStudies, inputs, bundle },
    );
    return {
      patientId: o.patient,
      model: { id: bundle.manifest.id, version: bundle.manifest.version, digest: bundle.digest },
      outcome: answer.outcome,
      cards: answer.cards.map((c) => ({ summary: c.summary, indicator: c.indicator, detail: c.detail })),
      detail: answer.detail,
    };
  } finally {
    await imaging?.close();
    await source?.close?.();
    await models.close();
    store.close();
  }
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('the answer the hooks would give for one patient, as JSON (folder or DICOMweb + FHIR)')
    .requiredOption(
      '--patient <id>',
      'FHIR Patient id (and DICOM Patient ID when studies are found by QIDO-RS)',
    )
    .option('--config <file>', 'configuration file (default: embedded defaults)')
    .option('--dicom <dir>', 'folder of DICOM Part-10 files (default: the configured imaging source)')
    .option('--dicomweb <url>', 'DICOMweb root (QIDO-RS / WADO-RS)')
    .option('--fhir <url>', 'FHIR R4 base URL with the patient’s record')
    .option(
      '--fhir-bundle <file>',
      'FHIR Bundle JSON with the patient’s record (e.g. a synthetic cohort’s fhir/ID.json)',
    )
    .option('--model <id>', 'bundle id to use instead of the configured active model')
    .option('--hook <hook>', 'hook whose answer to give', 'order-sign')
    .action(async (opts: PredictOptions) => {
      const result = await runPredict(opts, configFromOptions(opts));
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}
