/**
 * The API as the bench calls it: one admin user, authenticated like any other (the API
 * refuses every request without a token) and far above any sane rate limit.
 */
import { randomBytes } from 'node:crypto';
import { mintToken } from '../src/api/auth/tokens.ts';
import type { Config } from '../src/config/config.ts';

/** Environment for `loadConfig`: the token secret and rate limits no bench reaches. */
export const BENCH_USER_ENV = {
  PHISHNET_JWT_SECRET: randomBytes(32).toString('hex'),
  PHISHNET_RATE_LIMIT_SUBMIT_EMAILS: '100000000',
  PHISHNET_RATE_LIMIT_REQUESTS: '100000000',
};

/** The `authorization` header for the bench user, for an app built from `config`. */
export async function benchAuthorization(config: Config): Promise<string> {
  const token = await mintToken({
    secret: BENCH_USER_ENV.PHISHNET_JWT_SECRET,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    sub: 'bench',
    role: 'admin',
    ttlSeconds: 86_400,
  });
  return `Bearer ${token}`;
}
