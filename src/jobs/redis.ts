import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { AppError } from '../lib/errors.ts';

/**
 * `producer` connections fail fast while Redis is away, so the API can answer 503
 * instead of hanging; `worker` connections wait forever, as BullMQ's blocking
 * commands require (maxRetriesPerRequest: null).
 */
export type ConnectionRole = 'producer' | 'worker';

export function createRedis(url: string, role: ConnectionRole, name = 'phishnet'): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, connectionName: name }
      : {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 2_000,
          connectionName: name,
        };
  const redis = new Redis(url, { ...options, lazyConnect: true });
  // ioredis reconnects by itself; errors surface on the commands that fail.
  redis.on('error', () => undefined);
  return redis;
}

/** Connects (when not yet connected) and waits until Redis answers, or throws. */
export async function connectRedis(redis: Redis): Promise<void> {
  if (redis.status === 'wait') await redis.connect();
  await redis.ping();
}

/** Reads the server's eviction policy; anything but `noeviction` can silently drop jobs. */
export async function readEvictionPolicy(redis: Redis): Promise<string> {
  const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
  return reply[1] ?? 'unknown';
}

/** Redis's memory use and its limit (`maxBytes` 0: no limit), from `INFO memory`. */
export async function readRedisMemory(
  redis: Redis,
): Promise<{ usedBytes: number; maxBytes: number }> {
  const info = await redis.info('memory');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { usedBytes: field('used_memory'), maxBytes: field('maxmemory') };
}

export async function assertNoEviction(
  redis: Redis,
  allowEviction: boolean,
): Promise<string | null> {
  let policy: string;
  try {
    policy = await readEvictionPolicy(redis);
  } catch (err) {
    // An ACL user (or a managed Redis) may not run CONFIG: that is no reason to refuse to start.
    if (err instanceof Error && /^NOPERM\b/.test(err.message)) {
      return 'could not read Redis maxmemory-policy (this Redis user may not run CONFIG GET); make sure it is "noeviction", or jobs can be silently lost.';
    }
    throw err;
  }
  if (policy === 'noeviction') return null;
  const warning = `Redis maxmemory-policy is "${policy}", not "noeviction": when Redis fills up it will silently delete queued jobs.`;
  if (allowEviction) return `${warning} (PHISHNET_ALLOW_EVICTION is set)`;
  throw new AppError(
    'REDIS_EVICTION_POLICY',
    `${warning} Run "CONFIG SET maxmemory-policy noeviction" on Redis, or set PHISHNET_ALLOW_EVICTION=true to accept the risk.`,
  );
}

/**
 * Whether Redis refused a write because it is at maxmemory (the `OOM` error code
 * that starts its reply). Inside MULTI the refusal surfaces as EXECABORT, with
 * the command's own reply among its `previousErrors`.
 */
export function isRedisOutOfMemory(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message, previousErrors } = error as {
    name?: unknown;
    message?: unknown;
    previousErrors?: unknown;
  };
  if (name === 'ReplyError' && typeof message === 'string' && /^OOM\b/.test(message)) return true;
  return Array.isArray(previousErrors) && previousErrors.some(isRedisOutOfMemory);
}

/** A Lua script with its SHA1, so it is sent whole only once per Redis (see runLuaScript). */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs a script by its SHA1 (EVALSHA), and whole (EVAL, which also caches it) when Redis does
 * not know it yet: after a restart or a SCRIPT FLUSH. Not ioredis's `defineCommand`: ioredis
 * copies every defined command into each MULTI and pipeline made on the connection.
 */
export async function runLuaScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error && /^NOSCRIPT\b/.test(err.message))) throw err;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
