/**
 * `phishnet healthcheck [--role api|start|worker|scheduler]`: exits 0 when the
 * PhishNet process of this container is healthy, 1 with one line on stderr when
 * it is not. One command for every role, so the image's HEALTHCHECK and the
 * Kubernetes probes need no per-role script:
 *
 *   api, start  GET /healthz on this machine's PORT answers 200.
 *   worker      Redis holds a heartbeat of a live process on this host that is not dead.
 *   scheduler   Redis holds the periodic jobs the scheduler registers (a Redis that lost
 *               them, say after a restart without AOF, needs the scheduler restarted).
 *
 * A worker or scheduler whose Redis does not answer is reported healthy, with a
 * warning: restarting it would not bring Redis back, and a liveness probe that
 * fails on every Redis outage restarts every pod at once. `/readyz` of the API
 * is the place where Redis being down shows.
 *
 * Without `--role`, the role is read from PID 1's command line, which in the
 * image is `tini -- node dist/src/cli/main.js <role>`.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../config/config.ts';
import { listWorkers } from '../../jobs/heartbeats.ts';
import { AppError, coerceError } from '../../lib/errors.ts';
import { MONITORING_JOBS } from '../../worker/monitoring.ts';
import { DEFAULT_REDIS_URL, redact } from '../local-redis.ts';

export const HEALTH_ROLES = ['api', 'start', 'worker', 'scheduler'] as const;
export type HealthRole = (typeof HEALTH_ROLES)[number];

/** Each check must answer well inside a probe's timeout (Docker's and ours: 5 s). */
const CHECK_TIMEOUT_MS = 3_000;

type Verdict = { healthy: true; message: string } | { healthy: false; message: string };

/** The PhishNet role in a command line such as `tini -- node dist/src/cli/main.js worker`. */
export function roleFromCommandLine(argv: readonly string[]): HealthRole | null {
  const cli = argv.findIndex((arg) => /(^|\/)(main\.js|phishnet)$/.test(arg));
  const role = cli >= 0 ? argv[cli + 1] : undefined;
  return HEALTH_ROLES.find((known) => known === role) ?? null;
}

function readPid1Role(): HealthRole | null {
  try {
    return roleFromCommandLine(readFileSync('/proc/1/cmdline', 'utf8').split('\0'));
  } catch {
    return null;
  }
}

function parseRole(value: string | undefined): HealthRole {
  if (value === undefined) {
    const role = readPid1Role();
    if (role) return role;
    throw new AppError(
      'CONFIG_INVALID',
      `healthcheck: PID 1 is not a PhishNet process; pass --role (${HEALTH_ROLES.join(', ')})`,
    );
  }
  const role = HEALTH_ROLES.find((known) => known === value);
  if (!role) {
    throw new AppError(
      'CONFIG_INVALID',
      `healthcheck: unknown role "${value}"; choose from ${HEALTH_ROLES.join(', ')}`,
    );
  }
  return role;
}

async function checkApi(config: Config): Promise<Verdict> {
  // A wildcard bind answers on loopback; a specific address only on itself.
  const { host: bound, port } = config.http;
  const host = bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/healthz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    return response.ok
      ? { healthy: true, message: `${url} answered ${response.status}` }
      : { healthy: false, message: `${url} answered ${response.status}` };
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause.
    const error = coerceError(err);
    const cause = error.cause === undefined ? error : coerceError(error.cause);
    const reason = (cause as NodeJS.ErrnoException).code ?? cause.message;
    return { healthy: false, message: `${url} did not answer (${reason})` };
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it just is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function checkWorker(redis: Redis, config: Config): Promise<Verdict> {
  const host = hostname();
  const mine = (await listWorkers(redis, config.prefix)).filter(
    (worker) => worker.host === host && isProcessAlive(worker.pid),
  );
  const live = mine.find((worker) => worker.state !== 'dead');
  if (live) return { healthy: true, message: `worker ${live.id} is ${live.state}` };
  return {
    healthy: false,
    message:
      mine.length > 0
        ? `the heartbeat of worker ${mine[0]?.id ?? ''} is ${Math.round(mine[0]?.last_seen_seconds_ago ?? 0)} s old: it is dead`
        : `no heartbeat from a worker process on host ${host} under prefix "${config.prefix}"`,
  };
}

async function checkScheduler(redis: Redis, config: Config): Promise<Verdict> {
  const monitoring = new Queue('monitoring', { connection: redis, prefix: config.prefix });
  try {
    const scheduler = await monitoring.getJobScheduler(MONITORING_JOBS.metricsSnapshot);
    return scheduler
      ? { healthy: true, message: 'the periodic jobs are registered' }
      : {
          healthy: false,
          message: `the periodic job ${MONITORING_JOBS.metricsSnapshot} is not registered in Redis`,
        };
  } finally {
    await monitoring.close();
  }
}

async function withRedis(
  config: Config,
  check: (redis: Redis) => Promise<Verdict>,
): Promise<Verdict> {
  const url = config.redisUrl ?? DEFAULT_REDIS_URL;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_MS,
    commandTimeout: CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    redis.disconnect();
    return {
      healthy: true,
      message: `Redis at ${redact(url)} does not answer; not judging this process by it`,
    };
  }
  try {
    return await check(redis);
  } finally {
    redis.disconnect();
  }
}

export async function healthcheckCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { role: { type: 'string' } } });
  const role = parseRole(values.role);
  const config = loadConfig();
  let verdict: Verdict;
  switch (role) {
    case 'api':
    case 'start':
      verdict = await checkApi(config);
      break;
    case 'worker':
      verdict = await withRedis(config, (redis) => checkWorker(redis, config));
      break;
    case 'scheduler':
      verdict = await withRedis(config, (redis) => checkScheduler(redis, config));
      break;
  }
  if (verdict.healthy) {
    process.stdout.write(`healthy (${role}): ${verdict.message}\n`);
  } else {
    process.stderr.write(`phishnet: unhealthy (${role}): ${verdict.message}\n`);
  }
  // A probe ends with its answer: ioredis keeps a timer for a while after a refused connection.
  process.exit(verdict.healthy ? 0 : 1);
}
