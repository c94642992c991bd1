import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Config } from '../config/config.ts';
import { AppError } from '../lib/errors.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const PING_TIMEOUT_MS = 1_500;
const START_TIMEOUT_MS = 10_000;

export interface ResolvedRedis {
  url: string;
  /** Where the URL came from, for the start-up banner. */
  origin: 'REDIS_URL' | 'local default' | 'started by phishnet';
  stop(): Promise<void>;
}

/**
 * REDIS_URL when set; else the Redis on 127.0.0.1:6379 if one answers; else a
 * `redis-server` child on a free port with AOF and noeviction, stopped on exit.
 */
export async function resolveRedis(
  config: Config,
  defaultUrl = DEFAULT_REDIS_URL,
): Promise<ResolvedRedis> {
  const none = (): Promise<void> => Promise.resolve();
  if (config.redisUrl) {
    const problem = await pingRedis(config.redisUrl);
    if (problem !== null) {
      throw new AppError(
        'REDIS_NOT_AVAILABLE',
        /^(WRONGPASS|NOAUTH|NOPERM)\b/.test(problem)
          ? `Redis at REDIS_URL (${redact(config.redisUrl)}) refused the credentials: ${problem}`
          : `no Redis answers at REDIS_URL (${redact(config.redisUrl)}): ${problem}`,
      );
    }
    return { url: config.redisUrl, origin: 'REDIS_URL', stop: none };
  }
  if (await answers(defaultUrl)) return { url: defaultUrl, origin: 'local default', stop: none };
  return startRedisServer(resolve(config.redisDataDir));
}

/** Whether a Redis answers PING at `url`, within a short connect timeout. */
export async function answers(url: string): Promise<boolean> {
  return (await pingRedis(url)) === null;
}

/** Null when a Redis answers PING at `url`; else why not (a refused password names itself). */
export async function pingRedis(url: string): Promise<string | null> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PING_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // A refused AUTH arrives as an 'error' event; the command itself only sees the closed connection.
  const reported: string[] = [];
  client.on('error', (err: Error) => {
    reported.push(err.message);
  });
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (err) {
    return reported[0] ?? (err instanceof Error ? err.message : String(err));
  } finally {
    client.disconnect();
  }
}

async function startRedisServer(dataDir: string): Promise<ResolvedRedis> {
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  const spawnFailed = new Promise<never>((_resolve, reject) => {
    child.once('error', (err) => {
      reject(
        new AppError(
          'REDIS_NOT_AVAILABLE',
          'no Redis found: set REDIS_URL to a running Redis, or install redis-server (e.g. apt-get install redis-server)',
          { cause: err },
        ),
      );
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  const ready = (async () => {
    while (!(await answers(url))) {
      if (Date.now() > deadline)
        throw new AppError('REDIS_NOT_AVAILABLE', `redis-server did not start on port ${port}`);
      await sleep(50);
    }
  })();
  await Promise.race([ready, spawnFailed]);
  return { url, origin: 'started by phishnet', stop };
}

/** A free loopback TCP port, as the OS hands it out. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') done(address.port);
        else fail(new Error('no free port'));
      });
    });
  });
}

export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
