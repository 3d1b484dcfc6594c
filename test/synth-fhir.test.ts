/**
 * A synthetic patient's FHIR transaction loads into a real FHIR server and reads back, through
 * the product's own clinical-input reader, as the values it was generated from.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, ImagingStudy, Patient, Resource } from '@medplum/fhirtypes';
import { loadConfig } from '../src/config/config.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../src/demo/embedded-fhir-server.ts';
import { readClinicalInputs } from '../src/fhir/clinical/read-clinical-inputs.ts';
import { createFhirReader } from '../src/fhir/fhir-reader.ts';
import { MRN_SYSTEM, patientTransaction, type PatientRecord } from '../src/synth/fhir-bundle.ts';

const record: PatientRecord = {
  patientId: 'SYN0007',
  family: 'Synthetic',
  given: 'Seven',
  birthDate: '1969-03-02',
  er: { status: 'negative', percent: 0 },
  pr: { status: 'negative', percent: 0 },
  her2: { ihc: '2+', ish: 'positive' },
  ki67Percent: 41.5,
  cT: 'T3',
  cN: 'N2',
  diagnosisDate: '2026-01-05',
  natStart: '2026-01-20',
  natEnd: '2026-06-10',
  studies: {
    pre: {
      studyInstanceUid: '2.25.1001',
      date: '2026-01-12',
      description: 'MRI breast pre-NAT',
      series: [
        { seriesInstanceUid: '2.25.2001', number: 3, modality: 'MR', description: 'DCE', instances: 128 },
      ],
    },
    post: {
      studyInstanceUid: '2.25.1002',
      date: '2026-06-24',
      description: 'MRI breast post-NAT',
      series: [
        { seriesInstanceUid: '2.25.2002', number: 3, modality: 'MR', description: 'DCE', instances: 128 },
        {
          seriesInstanceUid: '2.25.2003',
          number: 103,
          modality: 'SEG',
          description: 'Tumour SEG',
          instances: 1,
        },
      ],
    },
  },
};

describe('synthetic patient FHIR transaction', () => {
  let fhir: EmbeddedFhirServer;
  before(async () => {
    fhir = await startEmbeddedFhirServer();
  });
  after(async () => fhir.close());

  it('loads as a transaction and reads back as the generating values', async () => {
    const bundle = patientTransaction(record, 'http://127.0.0.1:8042/dicom-web');
    const res = await fetch(`${fhir.fhirBaseUrl}`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
    });
    assert.equal(res.status, 200);
    const reply = (await res.json()) as Bundle;
    assert.ok(
      reply.entry!.every((e) => /^20[01]/.test(e.response!.status)),
      JSON.stringify(reply.entry!.map((e) => e.response!.status)),
    );

    const reader = createFhirReader(fhir.fhirBaseUrl, undefined, {
      timeoutMs: 3000,
      maxPages: 5,
      allowInsecureHttp: 'loopback',
    });
    const patient = (await reader.get(`Patient/${record.patientId}`))[0] as Patient;
    assert.equal(
      patient.identifier?.find((i) => i.system === MRN_SYSTEM)?.value,
      record.patientId,
      'MRN = DICOM Patient ID',
    );
    const all = async (type: string): Promise<Resource[]> =>
      reader.get(`${type}?subject=Patient/${record.patientId}`);
    const inputs = readClinicalInputs(
      {
        observations: (await all('Observation')) as never,
        conditions: [],
        procedures: (await all('Procedure')) as never,
        medicationAdministrations: [],
      },
      loadConfig({ env: {} }).fhir.codes,
      { asOf: '2026-07-01' },
    );
    assert.equal(inputs.er?.value, 'negative');
    assert.equal(inputs.her2?.value, 'positive', 'IHC 2+ resolved by ISH positive');
    assert.equal(inputs.cT?.value, 'T3');
    assert.equal(inputs.ki67Percent?.value, 41.5);
    assert.deepEqual(inputs.nat?.value, { start: '2026-01-20', end: '2026-06-10' });
    const studies = (await all('ImagingStudy')) as ImagingStudy[];
    assert.deepEqual(studies.map((s) => s.identifier?.[0]?.value).sort(), [
      'urn:oid:2.25.1001',
      'urn:oid:2.25.1002',
    ]);
    const endpoint = (await reader.get('Endpoint/pacs-dicomweb'))[0] as { address: string };
    assert.equal(endpoint.address, 'http://127.0.0.1:8042/dicom-web');
  });

  it('loads twice without duplicating resources (PUT by id)', async () => {
    const bundle = patientTransaction(record, 'http://127.0.0.1:8042/dicom-web');
    for (let n = 0; n < 2; n += 1) {
      await fetch(fhir.fhirBaseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify(bundle),
      });
    }
    const reader = createFhirReader(fhir.fhirBaseUrl, undefined, {
      timeoutMs: 3000,
      maxPages: 5,
      allowInsecureHttp: 'loopback',
    });
    const obs = await reader.get(`Observation?subject=Patient/${record.patientId}`);
    assert.equal(obs.length, 8);
  });
});
