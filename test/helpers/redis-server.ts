/**
 * Starts a throw-away `redis-server` on a free loopback port, so tests never
 * touch the machine's shared Redis. Tests that kill and restart Redis use this
 * directly; the rest share the one started by global setup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { answers, freePort } from '../../src/cli/local-redis.ts';

export { freePort };

export interface RedisServerOptions {
  /** Keep an AOF in the data folder, so a restart brings the data back. */
  appendOnly?: boolean;
  password?: string;
  maxMemoryPolicy?: string;
  maxMemory?: string;
  /** With `appendOnly`: `always` makes every acknowledged write survive a SIGKILL. */
  appendFsync?: 'always' | 'everysec' | 'no';
  /** Addresses to listen on besides 127.0.0.1: a test host's veth, say (they must exist). */
  bind?: readonly string[];
  /** TLS only (no plain port): the URL is `rediss://`; clients must trust `caFile`. */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

export interface RedisServerHandle {
  url: string;
  port: number;
  dir: string;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
  /** Stops the server (SIGKILL: as a crash would), keeping its data for `start`. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
  restart(): Promise<void>;
}

export async function startRedisServer(
  options: RedisServerOptions = {},
): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'phishnet-redis-'));
  const tls = options.tls;
  const args = [
    ...(tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          tls.certFile,
          '--tls-key-file',
          tls.keyFile,
          '--tls-ca-cert-file',
          tls.caFile,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(port)]),
    '--bind',
    '127.0.0.1',
    ...(options.bind ?? []),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    ...(options.appendFsync ? ['--appendfsync', options.appendFsync] : []),
    '--maxmemory-policy',
    options.maxMemoryPolicy ?? 'noeviction',
    ...(options.maxMemory ? ['--maxmemory', options.maxMemory] : []),
    ...(options.password ? ['--requirepass', options.password] : []),
  ];
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const url = `${tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`;
  const ca = tls ? readFileSync(tls.caFile) : undefined;
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    child = proc;
    proc.on('error', () => undefined);
    await waitForPing(url, ca);
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
    child = null;
  };

  await start();
  return {
    url,
    port,
    dir,
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    kill: stop,
    start,
    async restart() {
      await stop();
      await start();
    },
  };
}

/** PING over TLS, trusting `ca`: `answers` only knows the system's CAs. */
async function answersTls(url: string, ca: Buffer): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    tls: { ca },
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function waitForPing(url: string, ca?: Buffer): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await (ca ? answersTls(url, ca) : answers(url)))) {
    if (Date.now() > deadline) throw new Error(`redis-server did not answer at ${url}`);
    await sleep(25);
  }
}
