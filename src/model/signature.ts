/**
 * Detached JWS over the manifest bytes (RFC 7515 §7.1 compact serialisation with the payload
 * detached as in RFC 7515 Appendix F): `manifest.jws` holds `BASE64URL(header)..BASE64URL(sig)`
 * and the signing input is `BASE64URL(header) || '.' || BASE64URL(manifest.json bytes)`. The
 * payload is the exact file bytes, so there is no canonicalisation question: any byte changed in
 * manifest.json breaks the signature.
 *
 * Only asymmetric algorithms are accepted, so holding the trusted (public) keys never lets
 * anyone sign; `none` (RFC 7518 §3.6) and the HMAC family are refused before any key is touched.
 */
import { readFile } from 'node:fs/promises';
import { base64url, compactVerify, decodeProtectedHeader, FlattenedSign, importJWK, type JWK } from 'jose';
import { z } from 'zod';

export const ALLOWED_JWS_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'RS384', 'PS256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof ALLOWED_JWS_ALGORITHMS)[number];

/** Header parameters we write or tolerate. Others (b64, crit, jwk, jku, x5c, ...) change how the
 * signature is computed or try to bring their own key, and are refused. */
const ALLOWED_HEADER_PARAMETERS = new Set(['alg', 'kid', 'typ', 'cty']);

/** JWK members that only private or symmetric keys have (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureError';
  }
}

/** A JWK Set (RFC 7517 §5) of publisher public keys, each with a distinct `kid`. */
export interface TrustedKeySet {
  keys: JWK[];
}

const publicJwkSchema = z
  .looseObject({
    kty: z.enum(['EC', 'RSA', 'OKP']),
    kid: z.string().min(1),
    alg: z.enum(ALLOWED_JWS_ALGORITHMS).optional(),
    use: z.literal('sig').optional(),
  })
  .refine((k) => PRIVATE_MEMBERS.every((m) => !(m in k)), {
    message: 'contains private key material; trusted keys must be public keys only',
  });

const trustedKeySetSchema = z.strictObject({ keys: z.array(publicJwkSchema) }).superRefine((set, ctx) => {
  const seen = new Set<string>();
  set.keys.forEach((k, i) => {
    if (seen.has(k.kid))
      ctx.addIssue({ code: 'custom', path: ['keys', i, 'kid'], message: `kid "${k.kid}" appears twice` });
    seen.add(k.kid);
  });
});

/** Validates a trusted-keys document: public keys only, asymmetric, distinct kids. */
export function parseTrustedKeys(value: unknown): TrustedKeySet {
  const result = trustedKeySetSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map(
      (i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
    );
    throw new SignatureError(`trusted keys are invalid: ${problems.join('; ')}`);
  }
  return { keys: result.data.keys as JWK[] };
}

export async function readTrustedKeys(path: string): Promise<TrustedKeySet> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new SignatureError(`cannot read trusted keys ${path}: ${(e as Error).message}`);
  }
  return parseTrustedKeys(json);
}

/**
 * The JWS algorithm a key signs with: its `alg` when set, else implied by the curve
 * (P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA; RFC 7518 §3.4, RFC 8037 §3.1). RSA keys must
 * name their algorithm since RS256, RS384 and PS256 all fit them.
 */
export function algorithmForKey(jwk: JWK): SigningAlgorithm {
  if (jwk.alg !== undefined) {
    if (!(ALLOWED_JWS_ALGORITHMS as readonly string[]).includes(jwk.alg)) {
      throw new SignatureError(
        `key alg "${jwk.alg}" is not allowed (allowed: ${ALLOWED_JWS_ALGORITHMS.join(', ')})`,
      );
    }
    return jwk.alg as SigningAlgorithm;
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return 'ES384';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  throw new SignatureError(`cannot tell the signing algorithm of a ${jwk.kty} key without "alg"`);
}

/** Signs the manifest bytes; returns the detached compact JWS `header..signature`. */
export async function signManifest(bytes: Uint8Array, privateJwk: JWK, kid: string): Promise<string> {
  if (typeof privateJwk.d !== 'string')
    throw new SignatureError('the signing key is not a private key (no "d")');
  if (!kid) throw new SignatureError('kid must not be empty');
  const alg = algorithmForKey(privateJwk);
  const key = await importJWK(privateJwk, alg);
  const jws = await new FlattenedSign(bytes).setProtectedHeader({ alg, kid }).sign(key);
  if (!jws.protected) throw new SignatureError('signer produced no protected header');
  return `${jws.protected}..${jws.signature}`;
}

/**
 * Verifies a detached JWS over `bytes` with the trusted key named by its `kid`; returns that kid.
 * Throws SignatureError saying which check failed.
 */
export async function verifyManifestSignature(
  bytes: Uint8Array,
  jws: string,
  trustedKeys: TrustedKeySet,
): Promise<string> {
  const parts = jws.trim().split('.');
  if (parts.length !== 3)
    throw new SignatureError('manifest.jws is not a compact JWS (expected header..signature)');
  const [header, payload, signature] = parts as [string, string, string];
  if (payload !== '')
    throw new SignatureError('manifest.jws carries an attached payload; expected a detached JWS');
  if (!/^[A-Za-z0-9_-]+$/.test(header)) throw new SignatureError('manifest.jws header is not base64url');

  let protectedHeader: Record<string, unknown>;
  try {
    protectedHeader = decodeProtectedHeader(`${header}..${signature}`) as Record<string, unknown>;
  } catch (e) {
    throw new SignatureError(`manifest.jws header cannot be decoded: ${(e as Error).message}`);
  }
  const { alg, kid } = protectedHeader;
  if (alg === 'none') throw new SignatureError('alg "none" is not allowed: the manifest would be unsigned');
  if (typeof alg !== 'string' || !(ALLOWED_JWS_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new SignatureError(
      `alg ${JSON.stringify(alg)} is not allowed (allowed: ${ALLOWED_JWS_ALGORITHMS.join(', ')})`,
    );
  }
  const extra = Object.keys(protectedHeader).filter((p) => !ALLOWED_HEADER_PARAMETERS.has(p));
  if (extra.length > 0) throw new SignatureError(`unsupported JWS header parameter(s): ${extra.join(', ')}`);
  if (typeof kid !== 'string' || kid === '')
    throw new SignatureError('JWS header has no kid naming the publisher key');

  const jwk = trustedKeys.keys.find((k) => k.kid === kid);
  if (!jwk) throw new SignatureError(`unknown kid "${kid}": not among the trusted publisher keys`);
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw new SignatureError(`JWS alg "${alg}" does not match trusted key "${kid}" (alg "${jwk.alg}")`);
  }

  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK(jwk, alg);
  } catch (e) {
    throw new SignatureError(`trusted key "${kid}" cannot be used with ${alg}: ${(e as Error).message}`);
  }
  try {
    await compactVerify(`${header}.${base64url.encode(bytes)}.${signature}`, key, { algorithms: [alg] });
  } catch {
    throw new SignatureError(
      `signature does not verify with publisher key "${kid}": manifest.json was changed after signing or signed by another key`,
    );
  }
  return kid;
}
