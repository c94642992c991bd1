/**
 * Bearer tokens: checking them (HS256 with the shared secret, RS256/ES256 with
 * an identity provider's JWKS) and minting them (HS256, for `phishnet token` and
 * `phishnet start`). Every failure is an `API_UNAUTHORIZED` AppError whose
 * message says what was wrong, except keys that could not be fetched (503).
 */
import { randomUUID } from 'node:crypto';
import {
  createRemoteJWKSet,
  jwtVerify,
  SignJWT,
  type JWTHeaderParameters,
  type JWTVerifyGetKey,
  type FlattenedJWSInput,
} from 'jose';
import { principalSchema, type Principal, type Role } from '../../contracts/auth.ts';
import { AppError, coerceError } from '../../lib/errors.ts';

export interface TokenSettings {
  readonly jwtSecret: string | undefined;
  readonly jwksUrl: string | undefined;
  readonly issuer: string;
  readonly audience: string;
}

/** A checked token: who, which role, and when it stops being valid. */
export interface VerifiedPrincipal extends Principal {
  expiresAtMs: number;
}

export type TokenVerifier = (token: string) => Promise<VerifiedPrincipal>;

/** Clocks of the token's issuer and this host may differ by this much. */
const CLOCK_TOLERANCE_SECONDS = 5;
const HS_ALGORITHMS = ['HS256'] as const;
const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;
const JWKS_TIMEOUT_MS = 5_000;

/** The JWKS could not be read: not the token's fault. */
class KeysUnavailable extends Error {}

/** Key problems that are the token's fault: it names a key the set does not hold. */
const TOKEN_KEY_ERRORS = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

export function hasTokenKeys(settings: TokenSettings): boolean {
  return settings.jwtSecret !== undefined || settings.jwksUrl !== undefined;
}

/**
 * Checks signature, algorithm (only those configured: HS256 with a secret,
 * RS256/ES256 with a JWKS; never `none`), issuer, audience, expiry, and that the
 * claims name a user and a role.
 */
export function createTokenVerifier(settings: TokenSettings): TokenVerifier {
  const secret =
    settings.jwtSecret === undefined ? undefined : new TextEncoder().encode(settings.jwtSecret);
  const jwks =
    settings.jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: JWKS_TIMEOUT_MS });
  const algorithms = [
    ...(secret ? HS_ALGORITHMS : []),
    ...(jwks ? JWKS_ALGORITHMS : []),
  ] as string[];

  // jose checks the header's `alg` against `algorithms` before asking for a key.
  const getKey: JWTVerifyGetKey = async (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    if (header.alg === 'HS256' && secret) return secret;
    if (!jwks)
      throw new AppError('API_UNAUTHORIZED', `token algorithm ${header.alg} is not allowed`);
    try {
      return await jwks(header, token);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && TOKEN_KEY_ERRORS.has(code)) throw err;
      throw new KeysUnavailable(coerceError(err).message, { cause: err });
    }
  };

  return async (token: string): Promise<VerifiedPrincipal> => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        algorithms,
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      throw toAuthError(err);
    }
    const claims = principalSchema.safeParse(payload);
    if (!claims.success) {
      throw new AppError(
        'API_UNAUTHORIZED',
        'token claims must name a user (`sub`) and a role (`role`: analyst or admin)',
      );
    }
    return {
      sub: claims.data.sub,
      role: claims.data.role,
      expiresAtMs: Number(payload.exp) * 1_000,
    };
  };
}

function toAuthError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof KeysUnavailable) {
    return new AppError(
      'API_AUTH_UNAVAILABLE',
      `the signing keys could not be fetched from PHISHNET_JWKS_URL: ${err.message}`,
      { cause: err },
    );
  }
  const { code, claim } = err as { code?: unknown; claim?: unknown };
  const reason = ((): string => {
    switch (code) {
      case 'ERR_JWT_EXPIRED':
        return 'token has expired';
      case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
        return `token ${typeof claim === 'string' ? `\`${claim}\` ` : ''}claim is missing or wrong`;
      case 'ERR_JOSE_ALG_NOT_ALLOWED':
      case 'ERR_JOSE_NOT_SUPPORTED':
        return 'token algorithm is not allowed';
      case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
        return 'token signature is invalid';
      case 'ERR_JWKS_NO_MATCHING_KEY':
      case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
        return 'no signing key matches the token';
      default:
        return 'token is malformed';
    }
  })();
  return new AppError('API_UNAUTHORIZED', reason, { cause: err });
}

export interface MintOptions {
  secret: string;
  issuer: string;
  audience: string;
  sub: string;
  role: Role;
  ttlSeconds: number;
  /** Extra or overriding claims; tests use them to make bad tokens. */
  claims?: Record<string, unknown>;
}

/** An HS256 token with the claims the verifier requires; `claims` may override any of them. */
export async function mintToken(options: MintOptions): Promise<string> {
  const nowSeconds = Math.floor(Date.now() / 1_000);
  return new SignJWT({
    sub: options.sub,
    role: options.role,
    iss: options.issuer,
    aud: options.audience,
    iat: nowSeconds,
    exp: nowSeconds + options.ttlSeconds,
    jti: randomUUID(),
    ...options.claims,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(options.secret));
}

const TTL_UNITS_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `90s`, `15m`, `8h`, `30d` (or plain seconds) → seconds; null when it is not one of those. */
export function parseTtlSeconds(text: string): number | null {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return null;
  const seconds = Number(match[1]) * (TTL_UNITS_SECONDS[match[2] || 's'] ?? 1);
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : null;
}
