/**
 * EHR authentication over real HTTP (CDS Hooks 2.0 "Trusting CDS Clients"): every refusal is a
 * bare 401 with its reason in the log and the audit trail, and never the token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, base64url } from 'jose';
import request from 'supertest';
import { generateEhrKey } from '../src/demo/demo-ehr.ts';
import { BASE_URL, ORDER_SIGN, orderSignBody, startRig, type Rig } from './support/rig.ts';

const DISCOVERY = '/cds-services';

describe('EHR JWT authentication', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => rig.close());

  const discover = (token?: string) => {
    const r = request(rig.app).get(DISCOVERY);
    return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
  };

  async function expectRefused(token: string | undefined, reason: RegExp, path = DISCOVERY): Promise<void> {
    const before = rig.store.query({ kind: 'auth-failure' }).length;
    const res =
      path === DISCOVERY
        ? await discover(token)
        : await request(rig.app)
            .post(path)
            .set('Authorization', `Bearer ${token}`)
            .send(orderSignBody(rig, 'demo-her2-positive'));
    assert.equal(res.status, 401);
    assert.equal(res.text, '', '401 carries no body');
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    const failures = rig.store.query({ kind: 'auth-failure' });
    assert.equal(failures.length, before + 1, 'the refusal is audited');
    assert.match(String(failures[0]!.detail.reason), reason);
    if (token) {
      assert.ok(!rig.log.text().includes(token), 'the token never reaches the log');
      assert.ok(!JSON.stringify(failures[0]).includes(token), 'the token never reaches the audit trail');
    }
  }

  it('accepts a valid ES384 token for the exact discovery URL', async () => {
    const res = await discover(await rig.token(DISCOVERY));
    assert.equal(res.status, 200);
    assert.equal(res.body.services.length, 3);
  });

  it('accepts extra claims (nbf, sub, tenant)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await rig.token(DISCOVERY, {
      tenant: 'hospital-a',
      subject: 'ehr-client-7',
      claims: { nbf: now - 5 },
    });
    assert.equal((await discover(token)).status, 200);
  });

  it('refuses a call without a token', async () => {
    await expectRefused(undefined, /no bearer token/);
  });

  it('refuses an expired token', async () => {
    const token = await rig.token(DISCOVERY, {
      issuedAt: Math.floor(Date.now() / 1000) - 900,
      lifetimeSeconds: 300,
    });
    await expectRefused(token, /expired/);
  });

  it('refuses a token issued in the future beyond the clock skew', async () => {
    const token = await rig.token(DISCOVERY, { issuedAt: Math.floor(Date.now() / 1000) + 600 });
    await expectRefused(token, /future/);
  });

  it('refuses a token whose lifetime exceeds the configured maximum', async () => {
    const token = await rig.token(DISCOVERY, { lifetimeSeconds: 3600 });
    await expectRefused(token, /lifetime 3600 s exceeds the allowed 900 s/);
  });

  it('refuses a token for another endpoint (aud is the exact URL called)', async () => {
    const token = await rig.token(DISCOVERY);
    await expectRefused(
      token,
      /audience does not match http:\/\/127\.0\.0\.1:8730\/cds-services\/axilla-apcr-order-sign/,
      ORDER_SIGN,
    );
  });

  it('refuses a replayed token (same jti)', async () => {
    const token = await rig.token(DISCOVERY);
    assert.equal((await discover(token)).status, 200);
    await expectRefused(token, /replayed/);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(
      JSON.stringify({
        iss: rig.fhir.origin,
        aud: `${BASE_URL}${DISCOVERY}`,
        iat: now,
        exp: now + 300,
        jti: 'unsigned-1',
      }),
    );
    await expectRefused(`${header}.${payload}.`, /algorithm none is not accepted/);
  });

  it('refuses an HMAC-signed token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(rig.fhir.origin)
      .setAudience(`${BASE_URL}${DISCOVERY}`)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti('hmac-1')
      .sign(new TextEncoder().encode('a-shared-secret-of-sufficient-length!!'));
    await expectRefused(token, /algorithm HS256 is not accepted/);
  });

  it('refuses a token signed by a key that is not in the issuer JWKS (unknown kid)', async () => {
    const stranger = await generateEhrKey('not-published-kid');
    await expectRefused(await rig.token(DISCOVERY, {}, stranger), /no key in the issuer JWKS matches/);
  });

  it('refuses a forged signature under a published kid', async () => {
    const forger = await generateEhrKey(rig.ehrKey.kid);
    await expectRefused(await rig.token(DISCOVERY, {}, forger), /signature does not verify/);
  });

  it('refuses an untrusted issuer', async () => {
    await expectRefused(
      await rig.token(DISCOVERY, { issuer: 'https://ehr.elsewhere.example' }),
      /issuer https:\/\/ehr\.elsewhere\.example is not trusted/,
    );
  });

  it('refuses a malformed bearer value', async () => {
    await expectRefused('not-a-jwt', /not a well-formed JWT/);
  });
});

describe('EHR key sets: rotation, jku allow-list, https rule', () => {
  let jwksServer: Server;
  let jwksUrl: string;
  let published: { keys: object[] };
  let rig: Rig;
  const oldKeyP = generateEhrKey('rotating-old');
  const newKeyP = generateEhrKey('rotating-new');

  before(async () => {
    const oldKey = await oldKeyP;
    published = { keys: [oldKey.publicJwk] };
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(published));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', () => r()));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    rig = await startRig({
      auth: {
        issuers: [
          { iss: 'https://ehr.rotating.example', jwksUrl },
          { iss: 'https://ehr.jku.example', jkuAllowList: [jwksUrl] },
        ],
      },
    });
  });
  after(async () => {
    await rig.close();
    jwksServer.close();
  });

  it('picks up a rotated key: an unknown kid triggers a JWKS refetch', async () => {
    const oldKey = await oldKeyP;
    const newKey = await newKeyP;
    const ok1 = await request(rig.app)
      .get(DISCOVERY)
      .set(
        'Authorization',
        `Bearer ${await rig.token(DISCOVERY, { issuer: 'https://ehr.rotating.example' }, oldKey)}`,
      );
    assert.equal(ok1.status, 200);
    published = { keys: [oldKey.publicJwk, newKey.publicJwk] };
    const ok2 = await request(rig.app)
      .get(DISCOVERY)
      .set(
        'Authorization',
        `Bearer ${await rig.token(DISCOVERY, { issuer: 'https://ehr.rotating.example' }, newKey)}`,
      );
    assert.equal(ok2.status, 200);
  });

  it('accepts a jku on the allow-list and refuses one that is not', async () => {
    const key = await oldKeyP;
    const signWithJku = async (jku: string) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: 'ES384', kid: key.kid, jku })
        .setIssuer('https://ehr.jku.example')
        .setAudience(`${BASE_URL}${DISCOVERY}`)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .setJti(crypto.randomUUID())
        .sign(key.privateKey);
    };
    const ok = await request(rig.app)
      .get(DISCOVERY)
      .set('Authorization', `Bearer ${await signWithJku(jwksUrl)}`);
    assert.equal(ok.status, 200);
    const refused = await request(rig.app)
      .get(DISCOVERY)
      .set('Authorization', `Bearer ${await signWithJku('https://attacker.example/jwks.json')}`);
    assert.equal(refused.status, 401);
    assert.match(
      String(rig.store.query({ kind: 'auth-failure' })[0]!.detail.reason),
      /jku https:\/\/attacker\.example\/jwks\.json is not on the allow-list/,
    );
  });

  it('refuses a plain-http JWKS unless the configuration allows it', async () => {
    const strict = await startRig({
      auth: { issuers: [{ iss: 'https://ehr.rotating.example', jwksUrl }], allowInsecureHttp: false },
    });
    try {
      const res = await request(strict.app)
        .get(DISCOVERY)
        .set(
          'Authorization',
          `Bearer ${await strict.token(DISCOVERY, { issuer: 'https://ehr.rotating.example' }, await oldKeyP)}`,
        );
      assert.equal(res.status, 401);
      assert.match(String(strict.store.query({ kind: 'auth-failure' })[0]!.detail.reason), /not https/);
    } finally {
      await strict.close();
    }
  });
});
