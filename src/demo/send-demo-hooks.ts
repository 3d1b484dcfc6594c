import { randomUUID } from 'node:crypto';
import { signHookToken, type EhrKey } from './demo-ehr.ts';
import { DEMO_PATIENTS, type DemoPatient } from './demo-patients.ts';

export interface DemoCall {
  patientId: string;
  story: string;
  status: number;
  body: unknown;
}

export interface DemoHookOptions {
  baseUrl: string;
  fhirBaseUrl: string;
  /** The demo EHR's identity: its issuer (the FHIR server's origin) and signing key. */
  issuer: string;
  ehrKey: EhrKey;
  serviceId?: string;
  patients?: readonly DemoPatient[];
}

/**
 * Acts as the EHR at surgical planning: for each demo patient, signs a fresh JWT for the exact
 * service URL and posts an order-sign call carrying the draft axillary-surgery order, leaving
 * all clinical data for the service to fetch from the FHIR server (no prefetch).
 */
export async function sendDemoHooks(o: DemoHookOptions): Promise<DemoCall[]> {
  const serviceId = o.serviceId ?? 'axilla-apcr-order-sign';
  const url = `${o.baseUrl}/cds-services/${serviceId}`;
  const calls: DemoCall[] = [];
  for (const p of o.patients ?? DEMO_PATIENTS) {
    const token = await signHookToken(o.ehrKey, { issuer: o.issuer, audience: url });
    const body = {
      hook: 'order-sign',
      hookInstance: randomUUID(),
      fhirServer: o.fhirBaseUrl,
      context: {
        userId: 'Practitioner/demo-surgeon',
        patientId: p.id,
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: p.draftOrder }] },
      },
    };
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    calls.push({
      patientId: p.id,
      story: p.story,
      status: res.status,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    });
  }
  return calls;
}
