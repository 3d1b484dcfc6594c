/**
 * The CDS Hooks service end to end over real HTTP: discovery, the three services, prefetch in
 * all its forms, FHIR failures, bad requests, cards, audit and feedback.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import request from 'supertest';
import { SUMMARY_MAX_LENGTH } from '../src/cds/cards.ts';
import { DEMO_PATIENTS } from '../src/demo/demo-patients.ts';
import {
  demoPatient,
  ORDER_SELECT,
  ORDER_SIGN,
  orderSignBody,
  PATIENT_VIEW,
  startRig,
  type Rig,
} from './support/rig.ts';

/** Published odds ratios of the MRI study (Li et al. 2026, Breast Cancer: Targets and Therapy 18:568337). */
const OR = { ER: 0.27, HER2: 5.9, T2: 0.191, T3: 0.112, T4: 0.083 };

/**
 * The clinical model computed here from its definition, independently of the ONNX file: slopes
 * ln(OR); intercept solved so the mean probability over the assumed case mix documented in the
 * bundle (ER+ 60 %, HER2+ 35 %, cT1/2/3/4 15/55/20/10 %) equals the study's 56.7 % apCR rate.
 */
function referenceProbability(er: 0 | 1, her2: 0 | 1, t: 1 | 2 | 3 | 4): number {
  const sig = (z: number) => 1 / (1 + Math.exp(-z));
  const lin = (b: number, e: number, h: number, tt: number) =>
    b +
    e * Math.log(OR.ER) +
    h * Math.log(OR.HER2) +
    (tt === 2 ? Math.log(OR.T2) : tt === 3 ? Math.log(OR.T3) : tt === 4 ? Math.log(OR.T4) : 0);
  const mean = (b: number) => {
    let m = 0;
    for (const [e, pe] of [
      [1, 0.6],
      [0, 0.4],
    ] as const)
      for (const [h, ph] of [
        [1, 0.35],
        [0, 0.65],
      ] as const)
        for (const [tt, pt] of [
          [1, 0.15],
          [2, 0.55],
          [3, 0.2],
          [4, 0.1],
        ] as const)
          m += pe * ph * pt * sig(lin(b, e, h, tt));
    return m;
  };
  let lo = -20;
  let hi = 20;
  for (let i = 0; i < 200; i += 1) {
    const mid = (lo + hi) / 2;
    if (mean(mid) < 0.567) lo = mid;
    else hi = mid;
  }
  return sig(lin((lo + hi) / 2, er, her2, t));
}

interface CardBody {
  cards: Record<string, unknown>[];
}

/** CDS Hooks: no element is null, "", [] or {} in a response. */
function assertNoEmptyElements(value: unknown, where = 'response'): void {
  assert.notEqual(value, null, `${where} is null`);
  assert.notEqual(value, '', `${where} is an empty string`);
  if (Array.isArray(value)) {
    if (where !== 'response.cards') assert.ok(value.length > 0, `${where} is an empty array`);
    value.forEach((v, i) => assertNoEmptyElements(v, `${where}[${i}]`));
  } else if (typeof value === 'object') {
    assert.ok(Object.keys(value as object).length > 0, `${where} is an empty object`);
    for (const [k, v] of Object.entries(value as object)) assertNoEmptyElements(v, `${where}.${k}`);
  }
}

describe('CDS Hooks service', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => rig.close());

  async function call(path: string, body: unknown, raw = false) {
    const r = request(rig.app)
      .post(path)
      .set('Authorization', `Bearer ${await rig.token(path)}`);
    return raw ? r.set('Content-Type', 'application/json').send(body as string) : r.send(body as object);
  }

  it('discovery lists the three services with rendered prefetch templates', async () => {
    const res = await request(rig.app)
      .get('/cds-services')
      .set('Authorization', `Bearer ${await rig.token('/cds-services')}`);
    assert.equal(res.status, 200);
    const services = res.body.services as { id: string; hook: string; prefetch: Record<string, string> }[];
    assert.deepEqual(services.map((s) => s.hook).sort(), ['order-select', 'order-sign', 'patient-view']);
    const sign = services.find((s) => s.hook === 'order-sign')!;
    assert.equal(sign.prefetch.patient, 'Patient/{{context.patientId}}');
    assert.match(sign.prefetch.observations!, /code=http%3A%2F%2Floinc\.org%7C85337-4,/);
    assert.ok(!sign.prefetch.observations!.includes('$CODES'), 'code placeholders are filled in');
    assertNoEmptyElements(res.body);
  });

  it('answers order-sign with a prediction equal to the logistic formula (ONNX vs independent maths)', async () => {
    const res = await call(ORDER_SIGN, orderSignBody(rig, 'demo-her2-positive'));
    assert.equal(res.status, 200);
    const body = res.body as CardBody;
    assert.equal(body.cards.length, 1);
    const card = body.cards[0]!;
    assert.match(String(card.uuid), /^[0-9a-f-]{36}$/);
    assert.ok(String(card.summary).length <= SUMMARY_MAX_LENGTH);
    assert.equal(card.indicator, 'info');
    assertNoEmptyElements(res.body);

    const entry = rig.store.query({ cardUuid: String(card.uuid) })[0]!;
    assert.equal(entry.outcome, 'prediction');
    const p = (entry.detail.output as { probability: number }).probability;
    const expected = referenceProbability(0, 1, 2); // ER−, HER2+, cT2
    assert.ok(Math.abs(p - expected) < 1e-9, `ONNX ${p} vs formula ${expected}`);
    assert.match(String(card.summary), new RegExp(`${Math.round(expected * 100)}%`));
    assert.deepEqual((entry.detail.features as { names: string[] }).names, [
      'ER_positive',
      'HER2_positive',
      'cT_T2',
      'cT_T3',
      'cT_T4',
    ]);
    assert.deepEqual((entry.detail.features as { values: number[] }).values, [0, 1, 1, 0, 0]);
  });

  it('shows the safety facts on every prediction card (DESIGN §6 rule 2)', async () => {
    const res = await call(ORDER_SIGN, orderSignBody(rig, 'demo-her2-equivocal'));
    const card = (res.body as CardBody).cards[0]!;
    const detail = String(card.detail);
    assert.match(detail, /version 1\.0\.0/);
    assert.match(detail, /Validation AUC: not available/);
    assert.match(detail, /Decision support, not a diagnosis/);
    assert.match(String((card.source as { label: string }).label), /1\.0\.0/);
    assert.match(detail, /HER2: \*\*negative\*\* \(IHC 2\+, ISH negative/);
    assert.match(detail, /2026-03-10/, 'inputs are shown with their dates');
  });

  it('links every number to the bundle digest and the FHIR resource versions (DESIGN §6 rule 3)', async () => {
    const res = await call(ORDER_SIGN, orderSignBody(rig, 'demo-her2-equivocal'));
    const uuid = String((res.body as CardBody).cards[0]!.uuid);
    const entry = rig.store.query({ cardUuid: uuid })[0]!;
    assert.equal(entry.model?.digest, rig.models.active()!.digest);
    const provenance = entry.detail.provenance as { reference: string; versionId?: string }[];
    const refs = provenance.map((p) => p.reference).sort();
    assert.deepEqual(refs, [
      'Observation/demo-her2-equivocal-ct',
      'Observation/demo-her2-equivocal-er',
      'Observation/demo-her2-equivocal-her2-ihc',
      'Observation/demo-her2-equivocal-her2-ish',
    ]);
    for (const p of provenance) {
      const stored = await rig.fhir.repo.readResource('Observation', p.reference.split('/')[1]!);
      assert.equal(p.versionId, stored.meta?.versionId, `${p.reference} version recorded`);
    }
  });

  it('answers "cannot compute" naming the missing input, never a probability', async () => {
    const res = await call(ORDER_SIGN, orderSignBody(rig, 'demo-missing-er'));
    assert.equal(res.status, 200);
    const card = (res.body as CardBody).cards[0]!;
    assert.equal(card.indicator, 'warning');
    assert.match(String(card.summary), /not computed: ER missing/);
    assert.doesNotMatch(String(card.summary) + String(card.detail), /\d+%/);
    const entry = rig.store.query({ cardUuid: String(card.uuid) })[0]!;
    assert.equal(entry.outcome, 'cannot-compute');
    assert.equal(entry.detail.output, undefined);
  });

  it('gives the same probability from full prefetch, from the FHIR server, and from a paginated prefetch', async () => {
    const id = 'demo-her2-positive';
    const resources = demoPatient(id).resources;
    const bundleOf = (type: string, link?: Bundle['link']): Bundle => ({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: resources.filter((r) => r.resourceType === type).map((resource) => ({ resource })),
      ...(link ? { link } : {}),
    });
    const prefetch = {
      patient: resources.find((r) => r.resourceType === 'Patient'),
      observations: bundleOf('Observation'),
      conditions: bundleOf('Condition'),
      procedures: bundleOf('Procedure'),
      medicationAdministrations: bundleOf('MedicationAdministration'),
      imagingStudies: bundleOf('ImagingStudy'),
    };
    const probabilityOf = async (body: Record<string, unknown>) => {
      const res = await call(ORDER_SIGN, body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const entry = rig.store.query({ cardUuid: String((res.body as CardBody).cards[0]!.uuid) })[0]!;
      return {
        p: (entry.detail.output as { probability: number }).probability,
        sources: entry.detail.dataSources,
      };
    };
    const fetched = await probabilityOf(orderSignBody(rig, id));
    const prefetched = await probabilityOf({ ...orderSignBody(rig, id), fhirServer: undefined, prefetch });
    assert.equal(prefetched.p, fetched.p);
    assert.equal((prefetched.sources as Record<string, string>).observations, 'prefetch');
    assert.equal((fetched.sources as Record<string, string>).observations, 'fhir');

    // First page holds one observation; the rest must be fetched from the `next` link.
    const obs = resources.filter((r) => r.resourceType === 'Observation');
    const page1: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: obs[0]! }],
      link: [
        {
          relation: 'next',
          url: `${rig.fhir.fhirBaseUrl}/Observation?subject=Patient/${id}&_count=1&_offset=1`,
        },
      ],
    };
    const paged = await probabilityOf({
      ...orderSignBody(rig, id),
      prefetch: { ...prefetch, observations: page1 },
    });
    assert.equal(paged.p, fetched.p);
  });

  it('fetches a prefetch key that is null or an OperationOutcome', async () => {
    for (const value of [
      null,
      { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] },
    ]) {
      const res = await call(ORDER_SIGN, {
        ...orderSignBody(rig, 'demo-her2-positive'),
        prefetch: { observations: value },
      });
      assert.equal(res.status, 200);
      const entry = rig.store.query({ cardUuid: String((res.body as CardBody).cards[0]!.uuid) })[0]!;
      assert.equal((entry.detail.dataSources as Record<string, string>).observations, 'fhir');
      assert.equal(entry.outcome, 'prediction');
    }
  });

  it('answers 412 with an OperationOutcome when data is missing and there is no fhirServer', async () => {
    const res = await call(ORDER_SIGN, {
      ...orderSignBody(rig, 'demo-her2-positive'),
      fhirServer: undefined,
    });
    assert.equal(res.status, 412);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.match(res.body.issue[0].details.text, /prefetch \w+ was not sent and no fhirServer was given/);
    assert.equal(
      rig.store.query({ hookInstance: undefined, kind: 'hook-call' })[0]!.outcome,
      'precondition-failed',
    );
  });

  it('answers 412 when the patient does not exist on the FHIR server', async () => {
    const body = orderSignBody(rig, 'demo-her2-positive');
    const res = await call(ORDER_SIGN, {
      ...body,
      context: { ...(body.context as object), patientId: 'no-such-patient' },
    });
    assert.equal(res.status, 412);
    assert.match(res.body.issue[0].details.text, /answered 404/);
  });

  it('answers 412 when the FHIR server is unreachable', async () => {
    const res = await call(ORDER_SIGN, {
      ...orderSignBody(rig, 'demo-her2-positive'),
      fhirServer: 'http://127.0.0.1:1/fhir/R4',
    });
    assert.equal(res.status, 412);
    assert.match(res.body.issue[0].details.text, /unreachable/);
  });

  describe('FHIR server answering errors', () => {
    let failing: Server;
    let failingUrl: string;
    let status = 500;
    before(async () => {
      failing = createServer((_req, res) => {
        res.statusCode = status;
        res.setHeader('content-type', 'application/fhir+json');
        res.end(
          JSON.stringify({
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'exception', details: { text: `status ${status}` } }],
          }),
        );
      });
      await new Promise<void>((r) => failing.listen(0, '127.0.0.1', () => r()));
      failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/fhir/R4`;
    });
    after(() => failing.close());

    for (const s of [401, 404, 500]) {
      it(`answers 412 naming a FHIR ${s}`, async () => {
        status = s;
        const res = await call(ORDER_SIGN, {
          ...orderSignBody(rig, 'demo-her2-positive'),
          fhirServer: failingUrl,
        });
        assert.equal(res.status, 412);
        assert.match(res.body.issue[0].details.text, new RegExp(`answered ${s}`));
      });
    }
  });

  it('sends fhirAuthorization.access_token to the FHIR server', async () => {
    const secured = await startRig({}, { accessToken: 'opaque-access-token-1' });
    try {
      const body = orderSignBody(secured, 'demo-her2-positive');
      const auth = {
        access_token: 'opaque-access-token-1',
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'patient/*.read',
        subject: 'axilla-cds',
      };
      const ok = await request(secured.app)
        .post(ORDER_SIGN)
        .set('Authorization', `Bearer ${await secured.token(ORDER_SIGN)}`)
        .send({ ...body, fhirAuthorization: auth });
      assert.equal(ok.status, 200);
      const refused = await request(secured.app)
        .post(ORDER_SIGN)
        .set('Authorization', `Bearer ${await secured.token(ORDER_SIGN)}`)
        .send({ ...body, hookInstance: randomUUID(), fhirAuthorization: { ...auth, access_token: 'wrong' } });
      assert.equal(refused.status, 412);
      assert.match(refused.body.issue[0].details.text, /answered 401/);
    } finally {
      await secured.close();
    }
  });

  it('answers order-select only for a selected axillary-surgery order', async () => {
    const p = demoPatient('demo-her2-positive');
    const base = orderSignBody(rig, p.id);
    const ctx = base.context as Record<string, unknown>;
    const selected = await call(ORDER_SELECT, {
      ...base,
      hook: 'order-select',
      context: { ...ctx, selections: [`ServiceRequest/${p.draftOrder.id}`] },
    });
    assert.equal(selected.status, 200);
    assert.equal((selected.body as CardBody).cards.length, 1);
    const other = await call(ORDER_SELECT, {
      ...base,
      hook: 'order-select',
      context: { ...ctx, selections: ['MedicationRequest/xyz'] },
    });
    assert.deepEqual(other.body, { cards: [] });
  });

  it('answers no card for an order that is not axillary surgery (audited as not applicable)', async () => {
    const body = orderSignBody(rig, 'demo-her2-positive');
    const ctx = body.context as Record<string, unknown>;
    const lab = {
      resourceType: 'ServiceRequest',
      id: 'lab-1',
      status: 'draft',
      intent: 'order',
      code: { text: 'Full blood count' },
      subject: { reference: 'Patient/demo-her2-positive' },
    };
    const res = await call(ORDER_SIGN, {
      ...body,
      context: {
        ...ctx,
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: lab }] },
      },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { cards: [] });
    assert.equal(rig.store.query({ hookInstance: String(body.hookInstance) })[0]!.outcome, 'not-applicable');
  });

  it('answers patient-view for an oncology patient and stays silent for others', async () => {
    const view = (patientId: string) => ({
      hook: 'patient-view',
      hookInstance: randomUUID(),
      fhirServer: rig.fhir.fhirBaseUrl,
      context: { userId: 'Practitioner/x', patientId },
    });
    const onc = await call(PATIENT_VIEW, view('demo-her2-equivocal'));
    assert.equal((onc.body as CardBody).cards.length, 1);
    await rig.fhir.repo.updateResource({ resourceType: 'Patient', id: 'not-oncology' });
    const plain = await call(PATIENT_VIEW, view('not-oncology'));
    assert.deepEqual(plain.body, { cards: [] });
  });

  describe('bad requests get a specific 400 and an audit entry', () => {
    const cases: [string, () => unknown, RegExp, boolean?][] = [
      ['malformed JSON', () => '{"hook": "order-sign",', /malformed JSON/, true],
      ['a body that is not an object', () => '[1,2]', /must be a JSON object/, true],
      [
        'a missing hookInstance',
        () => ({ ...orderSignBody(rig, 'demo-her2-positive'), hookInstance: undefined }),
        /hookInstance/,
      ],
      [
        'the wrong hook for the service',
        () => ({ ...orderSignBody(rig, 'demo-her2-positive'), hook: 'patient-view' }),
        /answers hook order-sign, not patient-view/,
      ],
      [
        'a missing context.patientId',
        () => {
          const b = orderSignBody(rig, 'demo-her2-positive');
          const { patientId: _p, ...ctx } = b.context as Record<string, unknown>;
          return { ...b, context: ctx };
        },
        /context\.patientId/,
      ],
      [
        'fhirAuthorization without fhirServer',
        () => ({
          ...orderSignBody(rig, 'demo-her2-positive'),
          fhirServer: undefined,
          fhirAuthorization: {
            access_token: 'a',
            token_type: 'Bearer',
            expires_in: 1,
            scope: 's',
            subject: 's',
          },
        }),
        /fhirAuthorization requires fhirServer/,
      ],
      [
        'prefetch data of another patient',
        () => ({
          ...orderSignBody(rig, 'demo-her2-positive'),
          prefetch: {
            observations: {
              resourceType: 'Bundle',
              type: 'searchset',
              entry: [{ resource: demoPatient('demo-missing-er').resources[1] }],
            },
          },
        }),
        /subject is not Patient\/demo-her2-positive/,
      ],
    ];
    for (const [name, body, message, raw] of cases) {
      it(name, async () => {
        const before = rig.store.query({ kind: 'hook-call' }).length;
        const res = await call(ORDER_SIGN, body(), raw);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.resourceType, 'OperationOutcome');
        assert.match(res.body.issue[0].details.text, message);
        const entries = rig.store.query({ kind: 'hook-call' });
        assert.equal(entries.length, before + 1);
        assert.equal(entries[0]!.outcome, 'bad-request');
      });
    }

    it('an unknown service id gets 404', async () => {
      const res = await call('/cds-services/no-such-service', orderSignBody(rig, 'demo-her2-positive'));
      assert.equal(res.status, 404);
      assert.match(res.body.issue[0].details.text, /no CDS service with id no-such-service/);
    });

    it('a non-JSON content type gets 415', async () => {
      const res = await request(rig.app)
        .post(ORDER_SIGN)
        .set('Authorization', `Bearer ${await rig.token(ORDER_SIGN)}`)
        .set('Content-Type', 'text/plain')
        .send('hello');
      assert.equal(res.status, 415);
    });
  });

  it('reports an Observation with an unexpected value type as missing, with the resource named', async () => {
    await rig.fhir.repo.updateResource({ resourceType: 'Patient', id: 'odd-values' });
    const obs = (id: string, code: string, value: Partial<Resource> & Record<string, unknown>) =>
      rig.fhir.repo.updateResource({
        resourceType: 'Observation',
        id,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code }] },
        subject: { reference: 'Patient/odd-values' },
        effectiveDateTime: '2026-05-01',
        ...value,
      } as Resource);
    await obs('odd-er', '85337-4', { valueQuantity: { value: 80, unit: '%' } });
    await obs('odd-her2', '85319-2', {
      valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA11843-2' }] },
    });
    await obs('odd-ct', '21905-5', {
      valueCodeableConcept: { coding: [{ system: 'http://cancerstaging.org', code: 'cT2' }] },
    });
    const body = orderSignBody(rig, 'demo-her2-positive');
    const res = await call(ORDER_SIGN, {
      ...body,
      context: { ...(body.context as object), patientId: 'odd-values' },
    });
    const card = (res.body as CardBody).cards[0]!;
    assert.equal(card.indicator, 'warning');
    assert.match(String(card.detail), /Observation\/odd-er/);
    assert.match(String(card.detail), /valueQuantity/);
  });

  it('answers CORS preflight without a token', async () => {
    const res = await request(rig.app)
      .options(ORDER_SIGN)
      .set('Origin', 'https://ehr.example')
      .set('Access-Control-Request-Method', 'POST');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(String(res.headers['access-control-allow-headers']), /Authorization/);
  });

  describe('feedback', () => {
    it('records feedback once and acknowledges repeats (idempotent)', async () => {
      const res = await call(ORDER_SIGN, orderSignBody(rig, 'demo-her2-positive'));
      const uuid = String((res.body as CardBody).cards[0]!.uuid);
      const path = `${ORDER_SIGN}/feedback`;
      const feedback = {
        feedback: [
          {
            card: uuid,
            outcome: 'overridden',
            overrideReason: {
              reason: { system: 'urn:axilla-cds:override-reason', code: 'clinical-judgement' },
              userComment: 'tumour board decided',
            },
            outcomeTimestamp: '2026-11-20T10:00:00Z',
          },
        ],
      };
      const first = await call(path, feedback);
      const second = await call(path, feedback);
      assert.equal(first.status, 200);
      assert.equal(second.status, 200);
      assert.equal(rig.store.feedbackFor(uuid).length, 1, 'stored once');
      const audited = rig.store.query({ kind: 'feedback', cardUuid: uuid });
      assert.deepEqual(
        audited.map((a) => a.outcome),
        ['duplicate', 'recorded'],
      );
    });

    it('refuses feedback for a card the service never issued', async () => {
      const res = await call(`${ORDER_SIGN}/feedback`, {
        feedback: [{ card: randomUUID(), outcome: 'accepted', outcomeTimestamp: '2026-11-20T10:00:00Z' }],
      });
      assert.equal(res.status, 400);
      assert.match(res.body.issue[0].details.text, /did not issue/);
    });
  });

  it('keeps every demo patient identifier out of the log (DESIGN §6 rule 4)', () => {
    for (const p of DEMO_PATIENTS) assert.ok(!rig.log.text().includes(p.id), `${p.id} found in the log`);
    assert.ok(
      rig.store.query({ patientId: 'demo-her2-positive' }).length > 0,
      'but the audit store has them',
    );
  });

  it('keeps the audit chain intact after all of the above', () => {
    const v = rig.store.verifyChain();
    assert.equal(v.ok, true);
    assert.ok(v.records > 30);
  });
});
