import { randomBytes } from 'node:crypto';
import { hasTokenKeys, mintToken } from '../api/auth/tokens.ts';
import { loadConfig, type Config } from '../config/config.ts';

/** The session's admin token outlives any sensible session; the secret dies with the process. */
const SESSION_TOKEN_TTL_SECONDS = 30 * 86_400;
const LOOPBACK = '127.0.0.1';

export interface SessionAuth {
  config: Config;
  /** Lines for the start-up banner: how to authenticate, and what was decided. */
  banner: string[];
  /** The shell variable the banner's examples use for the token. */
  tokenVariable: string;
}

/**
 * `phishnet start` never runs open by accident. With no secret and no JWKS it
 * makes a random secret for this session, prints one admin token once, and
 * listens on 127.0.0.1 whatever HOST says; with PHISHNET_AUTH_DISABLED it says
 * loudly that anyone who reaches the port is an admin.
 */
export async function prepareSessionAuth(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SessionAuth> {
  const tokenVariable = 'PHISHNET_TOKEN';
  if (config.auth.disabled) {
    return {
      config,
      tokenVariable,
      banner: [
        '  !! AUTHENTICATION IS OFF (PHISHNET_AUTH_DISABLED=true): anyone who reaches',
        `  !! ${config.http.host}:${config.http.port} is an admin. Use this in a closed lab only.`,
      ],
    };
  }
  if (hasTokenKeys(config.auth)) {
    return {
      config,
      tokenVariable,
      banner: [
        `  Auth         bearer tokens (${config.auth.jwksUrl ? 'PHISHNET_JWKS_URL' : 'PHISHNET_JWT_SECRET'}); ` +
          `e.g. export ${tokenVariable}=$(npx phishnet token --sub you --role admin)`,
      ],
    };
  }
  const secret = randomBytes(32).toString('base64url');
  const sessionConfig = loadConfig({ ...env, PHISHNET_JWT_SECRET: secret, HOST: LOOPBACK });
  const token = await mintToken({
    secret,
    issuer: sessionConfig.auth.issuer,
    audience: sessionConfig.auth.audience,
    sub: 'admin',
    role: 'admin',
    ttlSeconds: SESSION_TOKEN_TTL_SECONDS,
  });
  const moved = config.http.host === LOOPBACK ? '' : ` (not HOST=${config.http.host})`;
  return {
    config: sessionConfig,
    tokenVariable,
    banner: [
      `  Auth         no PHISHNET_JWT_SECRET: a secret was made for this session only, and the API`,
      `               listens on ${LOOPBACK} only${moved}. Set PHISHNET_JWT_SECRET for tokens that last.`,
      `  Admin token  (shown once, valid while this runs)`,
      `  export ${tokenVariable}=${token}`,
    ],
  };
}
