import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';

type SigningKey = Parameters<SignJWT['sign']>[0];

/** The demo EHR's signing key: generated on first run under var/, never committed. */
export interface EhrKey {
  kid: string;
  alg: 'ES384';
  privateKey: SigningKey;
  publicJwk: JWK;
}

const ALG = 'ES384';

export async function generateEhrKey(
  kid = `demo-ehr-${randomUUID().slice(0, 8)}`,
): Promise<EhrKey & { privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG, use: 'sig' };
  return { kid, alg: ALG, privateKey, publicJwk, privateJwk };
}

/** Loads the demo EHR key from `dir`, creating it (file mode 0600) on first use. */
export async function loadOrCreateEhrKey(dir: string): Promise<EhrKey> {
  const file = path.join(dir, 'ehr-signing-key.jwk.json');
  if (!existsSync(file)) {
    const key = await generateEhrKey();
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return key;
  }
  const privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  if (!privateJwk.kid || privateJwk.alg !== ALG) throw new Error(`${file} is not an ${ALG} key with a kid`);
  const { d: _d, ...publicJwk } = privateJwk;
  return { kid: privateJwk.kid, alg: ALG, privateKey: await importJWK(privateJwk, ALG), publicJwk };
}

export interface HookTokenOptions {
  issuer: string;
  /** The exact URL the token is for: discovery, a service, or its feedback endpoint. */
  audience: string;
  lifetimeSeconds?: number;
  subject?: string;
  tenant?: string;
  /** Overrides for tests of refused tokens. */
  claims?: JWTPayload;
  issuedAt?: number;
}

/** A CDS Hooks 2.0 client JWT: iss, sub, aud, exp, iat, jti, optional tenant; kid in the header. */
export async function signHookToken(key: EhrKey, o: HookTokenOptions): Promise<string> {
  const iat = o.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ ...(o.tenant ? { tenant: o.tenant } : {}), ...o.claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(o.issuer)
    .setSubject(o.subject ?? 'demo-ehr-client')
    .setAudience(o.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (o.lifetimeSeconds ?? 300))
    .setJti(randomUUID())
    .sign(key.privateKey);
}
