import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { httpAllowed, type AxillaConfig } from '../config/config.ts';
import type { ReplayCache } from '../store/service-state.ts';

/**
 * Asymmetric algorithms only: the EHR signs with its private key and we verify with its
 * published public key (CDS Hooks 2.0 "Trusting CDS Clients": ES384 and RS384 recommended).
 * `none` and HMAC algorithms are refused because they need no EHR private key.
 */
export const ACCEPTED_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
];

export interface VerifiedEhr {
  issuer: string;
  subject?: string;
  tenant?: string;
  jti: string;
  kid?: string;
}

export type TokenCheck = { ok: true; ehr: VerifiedEhr } | { ok: false; reason: string };

type RemoteJwks = ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies the bearer JWT an EHR sends with every CDS Hooks call. Each refusal names its reason
 * for the log; the token itself is never logged.
 */
export class EhrTokenVerifier {
  private readonly jwksByUrl = new Map<string, RemoteJwks>();

  constructor(
    private readonly auth: AxillaConfig['auth'],
    private readonly replay: ReplayCache,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** Adds an issuer at run time (the embedded demo EHR, whose port is known only once bound). */
  trustIssuer(issuer: AxillaConfig['auth']['issuers'][number]): void {
    this.auth.issuers.push(issuer);
  }

  async verify(authorization: string | undefined, expectedAudience: string): Promise<TokenCheck> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1])
      return { ok: false, reason: authorization ? 'authorization is not a Bearer token' : 'no bearer token' };
    const token = match[1];

    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      return { ok: false, reason: 'token is not a well-formed JWT' };
    }
    if (!header.alg || !ACCEPTED_ALGORITHMS.includes(header.alg)) {
      return { ok: false, reason: `signing algorithm ${header.alg ?? '(none)'} is not accepted` };
    }
    const issuer = this.auth.issuers.find((i) => i.iss === unverified.iss);
    if (!issuer) return { ok: false, reason: `issuer ${String(unverified.iss)} is not trusted` };

    let keySetUrl: string;
    if (header.jku !== undefined) {
      if (!issuer.jkuAllowList.includes(header.jku)) {
        return { ok: false, reason: `jku ${header.jku} is not on the allow-list of issuer ${issuer.iss}` };
      }
      keySetUrl = header.jku;
    } else if (issuer.jwksUrl) {
      keySetUrl = issuer.jwksUrl;
    } else {
      return { ok: false, reason: `issuer ${issuer.iss} has no JWKS URL and the token names no jku` };
    }
    if (!httpAllowed(keySetUrl, this.auth.allowInsecureHttp)) {
      return { ok: false, reason: `JWKS URL ${keySetUrl} is not https and plain http is not allowed` };
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keySet(keySetUrl), {
        issuer: issuer.iss,
        audience: expectedAudience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: this.auth.clockSkewSeconds,
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
        currentDate: new Date(this.now() * 1000),
      }));
    } catch (err) {
      return { ok: false, reason: describeJoseError(err, expectedAudience) };
    }

    const { exp, iat, jti } = payload as Required<Pick<JWTPayload, 'exp' | 'iat' | 'jti'>>;
    const now = this.now();
    if (iat > now + this.auth.clockSkewSeconds)
      return { ok: false, reason: 'token issued in the future (iat)' };
    if (exp - iat > this.auth.maxTokenLifetimeSeconds) {
      return {
        ok: false,
        reason: `token lifetime ${exp - iat} s exceeds the allowed ${this.auth.maxTokenLifetimeSeconds} s`,
      };
    }
    if (typeof jti !== 'string' || jti.length === 0) return { ok: false, reason: 'jti claim is empty' };
    // Kept until the token could no longer be accepted anyway (exp plus the skew allowance).
    if (!this.replay.rememberToken(issuer.iss, jti, exp + this.auth.clockSkewSeconds, now)) {
      return { ok: false, reason: 'token replayed (jti already seen)' };
    }
    return {
      ok: true,
      ehr: {
        issuer: issuer.iss,
        jti,
        ...(typeof payload.sub === 'string' ? { subject: payload.sub } : {}),
        ...(typeof payload.tenant === 'string' ? { tenant: payload.tenant } : {}),
        ...(header.kid ? { kid: header.kid } : {}),
      },
    };
  }

  /**
   * One cached key set per URL. jose refetches it when a token names a `kid` it does not hold
   * (at most once per cooldown), which is how an EHR's key rotation is picked up.
   */
  private keySet(url: string): RemoteJwks {
    let set = this.jwksByUrl.get(url);
    if (!set) {
      set = createRemoteJWKSet(new URL(url), {
        cooldownDuration: this.auth.jwksCooldownSeconds * 1000,
        cacheMaxAge: this.auth.jwksMaxAgeSeconds * 1000,
        timeoutDuration: 5000,
      });
      this.jwksByUrl.set(url, set);
    }
    return set;
  }
}

function describeJoseError(err: unknown, expectedAudience: string): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired (exp)';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return `audience does not match ${expectedAudience}`;
    if (err.claim === 'iat') return 'token issued in the future (iat)';
    if (err.claim === 'nbf') return 'token not yet valid (nbf)';
    return `claim ${err.claim} invalid: ${err.reason}`;
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the issuer JWKS matches the token kid';
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys)
    return 'several JWKS keys match; the token needs a kid';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'signing algorithm not accepted';
  if (err instanceof joseErrors.JWKSTimeout) return 'JWKS fetch timed out';
  if (err instanceof joseErrors.JOSEError) return `${err.code}: ${err.message}`;
  return `JWKS unavailable or token unreadable: ${(err as Error).message}`;
}
