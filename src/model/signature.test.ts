import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64url, CompactSign, importJWK } from 'jose';
import {
  ALLOWED_JWS_ALGORITHMS,
  parseTrustedKeys,
  signManifest,
  verifyManifestSignature,
  type TrustedKeySet,
} from './signature.ts';
import { makeTestKey } from './testing.ts';

const payload = new TextEncoder().encode('{"schema":"axilla-model-bundle/1"}\n');

for (const alg of ALLOWED_JWS_ALGORITHMS) {
  test(`${alg}: sign then verify the exact bytes; any changed byte fails`, async () => {
    const key = await makeTestKey(`k-${alg}`, alg);
    const keys: TrustedKeySet = { keys: [key.publicJwk] };
    const jws = await signManifest(payload, key.privateJwk, key.kid);
    assert.match(jws, /^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/, 'detached compact form header..signature');
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(jws.split('.')[0]!))) as Record<
      string,
      unknown
    >;
    assert.deepEqual(header, { alg, kid: key.kid });
    assert.equal(await verifyManifestSignature(payload, jws, keys), key.kid);

    const changed = Uint8Array.from(payload);
    changed[5] = changed[5]! ^ 0x20;
    await assert.rejects(verifyManifestSignature(changed, jws, keys), /signature does not verify/);
  });
}

test('the kid selects the key among several trusted keys', async () => {
  const a = await makeTestKey('a', 'ES256');
  const b = await makeTestKey('b', 'EdDSA');
  const keys = { keys: [a.publicJwk, b.publicJwk] };
  assert.equal(
    await verifyManifestSignature(payload, await signManifest(payload, b.privateJwk, 'b'), keys),
    'b',
  );
  // b's signature presented under a's kid fails.
  const jws = await signManifest(payload, b.privateJwk, 'a');
  await assert.rejects(
    verifyManifestSignature(payload, jws, keys),
    /alg "EdDSA" does not match trusted key "a"/,
  );
});

test('header parameters that change the signing input or bring their own key are refused', async () => {
  const key = await makeTestKey('k', 'ES256');
  const signer = await importJWK(key.privateJwk, 'ES256');
  const keys = { keys: [key.publicJwk] };
  const compact = await new CompactSign(payload)
    .setProtectedHeader({ alg: 'ES256', kid: 'k', jwk: key.publicJwk })
    .sign(signer);
  const [h, , s] = compact.split('.');
  await assert.rejects(
    verifyManifestSignature(payload, `${h}..${s}`, keys),
    /unsupported JWS header parameter\(s\): jwk/,
  );
});

test('a header without kid, and garbage, are refused with a reason', async () => {
  const key = await makeTestKey('k', 'ES256');
  const keys = { keys: [key.publicJwk] };
  const h = base64url.encode(JSON.stringify({ alg: 'ES256' }));
  await assert.rejects(verifyManifestSignature(payload, `${h}..AAAA`, keys), /no kid/);
  await assert.rejects(verifyManifestSignature(payload, 'not a jws', keys), /not a compact JWS/);
  await assert.rejects(verifyManifestSignature(payload, '', keys), /not a compact JWS/);
});

test('signing refuses a public key and an algorithm outside the allowed list', async () => {
  const key = await makeTestKey('k', 'ES256');
  await assert.rejects(signManifest(payload, key.publicJwk, 'k'), /not a private key/);
  await assert.rejects(
    signManifest(payload, { ...key.privateJwk, alg: 'ES512' }, 'k'),
    /alg "ES512" is not allowed/,
  );
});

test('trusted keys must be public, asymmetric and have distinct kids', async () => {
  const key = await makeTestKey('k', 'ES256');
  assert.throws(() => parseTrustedKeys({ keys: [key.privateJwk] }), /private key material/);
  assert.throws(() => parseTrustedKeys({ keys: [{ kty: 'oct', kid: 'h', k: 'c2VjcmV0' }] }), /keys\.0\.kty/);
  assert.throws(() => parseTrustedKeys({ keys: [key.publicJwk, key.publicJwk] }), /kid "k" appears twice/);
  assert.throws(() => parseTrustedKeys({ keys: [{ ...key.publicJwk, alg: 'HS256' }] }), /keys\.0\.alg/);
  assert.deepEqual(parseTrustedKeys({ keys: [key.publicJwk] }).keys[0]?.kid, 'k');
});
