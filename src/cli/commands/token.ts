import { parseArgs } from 'node:util';
import { mintToken, parseTtlSeconds } from '../../api/auth/tokens.ts';
import { roleSchema, ROLES } from '../../contracts/auth.ts';
import { loadConfig } from '../../config/config.ts';
import { AppError } from '../../lib/errors.ts';

const DEFAULT_TTL = '8h';
const MAX_TTL_SECONDS = 366 * 86_400;

/**
 * `phishnet token --sub alice --role analyst --ttl 8h`: prints a bearer token
 * signed with PHISHNET_JWT_SECRET, with the issuer and audience the API checks.
 */
export async function tokenCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: 'string' },
      role: { type: 'string' },
      ttl: { type: 'string', default: DEFAULT_TTL },
    },
  });
  if (!values.sub || values.sub.length > 256) {
    throw new AppError(
      'CONFIG_INVALID',
      '--sub: who the token is for, a user id of 1–256 characters',
    );
  }
  const role = roleSchema.safeParse(values.role);
  if (!role.success) {
    throw new AppError('CONFIG_INVALID', `--role: one of ${ROLES.join(', ')}`);
  }
  const ttlSeconds = parseTtlSeconds(values.ttl);
  if (ttlSeconds === null || ttlSeconds > MAX_TTL_SECONDS) {
    throw new AppError(
      'CONFIG_INVALID',
      `--ttl: a duration such as 90s, 15m, 8h or 30d, at most 366d (got "${values.ttl}")`,
    );
  }
  const config = loadConfig();
  const secret = config.auth.jwtSecret;
  if (secret === undefined) {
    throw new AppError(
      'CONFIG_INVALID',
      'no PHISHNET_JWT_SECRET (or PHISHNET_JWT_SECRET_FILE) to sign with; with PHISHNET_JWKS_URL, tokens come from your identity provider',
    );
  }
  const token = await mintToken({
    secret,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    sub: values.sub,
    role: role.data,
    ttlSeconds,
  });
  process.stdout.write(`${token}\n`);
}
