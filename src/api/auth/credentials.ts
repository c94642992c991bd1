/**
 * Credentials the API hands out in exchange for a bearer token, kept in Redis
 * so any API instance accepts them:
 *
 * - WebSocket tickets: one connection, used once (GETDEL), 30 seconds.
 * - Dashboard sessions: an HttpOnly, SameSite=Strict cookie that only the admin
 *   dashboards accept, so a browser can open them without a bearer header.
 *
 * Redis holds only the sha256 of each credential: a copy of its data opens nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { principalSchema } from '../../contracts/auth.ts';
import { keys } from '../../jobs/keys.ts';
import type { VerifiedPrincipal } from './tokens.ts';

export const WS_TICKET_TTL_SECONDS = 30;
export const SESSION_MAX_TTL_SECONDS = 8 * 3_600;
export const SESSION_COOKIE = 'phishnet_session';

const storedSchema = principalSchema.extend({ expiresAtMs: z.number() });

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Never longer than the token it was exchanged for. */
function ttlSeconds(principal: VerifiedPrincipal, maxSeconds: number): number {
  const left = Math.floor((principal.expiresAtMs - Date.now()) / 1_000);
  return Math.max(1, Math.min(maxSeconds, left));
}

function store(principal: VerifiedPrincipal): string {
  return JSON.stringify({
    sub: principal.sub,
    role: principal.role,
    expiresAtMs: principal.expiresAtMs,
  });
}

function parseStored(text: string | null): VerifiedPrincipal | null {
  if (text === null) return null;
  try {
    const parsed = storedSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface CredentialStore {
  redis: Redis;
  prefix: string;
}

export async function issueWsTicket(
  deps: CredentialStore,
  principal: VerifiedPrincipal,
): Promise<{ ticket: string; expires_in_seconds: number }> {
  const ticket = newSecret();
  const ttl = ttlSeconds(principal, WS_TICKET_TTL_SECONDS);
  await deps.redis.set(keys(deps.prefix).wsTicket(digest(ticket)), store(principal), 'EX', ttl);
  return { ticket, expires_in_seconds: ttl };
}

/** The ticket's principal, once: the ticket is gone after this, whoever asked first. */
export async function redeemWsTicket(
  deps: CredentialStore,
  ticket: string,
): Promise<VerifiedPrincipal | null> {
  return parseStored(await deps.redis.getdel(keys(deps.prefix).wsTicket(digest(ticket))));
}

export async function openSession(
  deps: CredentialStore,
  principal: VerifiedPrincipal,
): Promise<{ id: string; ttlSeconds: number }> {
  const id = newSecret();
  const ttl = ttlSeconds(principal, SESSION_MAX_TTL_SECONDS);
  await deps.redis.set(keys(deps.prefix).session(digest(id)), store(principal), 'EX', ttl);
  return { id, ttlSeconds: ttl };
}

export async function readSession(
  deps: CredentialStore,
  id: string,
): Promise<VerifiedPrincipal | null> {
  return parseStored(await deps.redis.get(keys(deps.prefix).session(digest(id))));
}

export async function closeSession(deps: CredentialStore, id: string): Promise<void> {
  await deps.redis.del(keys(deps.prefix).session(digest(id)));
}

/** One cookie's value from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * `Path=/` because the cookie serves two dashboards; the API accepts it on
 * their paths only. SameSite=Strict keeps other sites' requests from carrying it.
 */
export function sessionCookie(id: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${id}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}
