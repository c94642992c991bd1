/**
 * A PhishNet stack for one test file: its own key prefix on the shared test
 * Redis, the API built but not listening (use `stack.inject`, or `listen()` for
 * WebSockets), and optionally in-process workers. `close()` removes every key.
 *
 * The API authenticates every request: `stack.inject` sends an admin token
 * unless the request has its own `authorization`; `stack.token(sub, role)` makes
 * others. Rate limits are lifted unless a test sets them.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { mintToken } from '../../src/api/auth/tokens.ts';
import { WS_BEARER_PROTOCOL, type Role } from '../../src/contracts/auth.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { openJobs, type OpenJobs } from '../../src/jobs/jobs.ts';
import { closeQueueEvents, createQueueEvents } from '../../src/jobs/queues.ts';
import { createLogger, type Logger } from '../../src/lib/logger.ts';
import { startWorkers, type WorkerRuntime } from '../../src/worker/worker-runtime.ts';
import { DEFAULT_WORKER_LANES } from '../../src/cli/commands/worker.ts';
import type { JobKind } from '../../src/contracts/queues.ts';
import type { TaskProcessor } from '../../src/worker/processors/types.ts';

/** The HS256 secret of every test stack (and of CLI processes tests start). */
export const TEST_JWT_SECRET = 'phishnet-test-secret-0123456789abcdef';

/** The environment tests give `phishnet start` / `phishnet api` processes so they accept `testToken`s. */
export const TEST_AUTH_ENV = { PHISHNET_JWT_SECRET: TEST_JWT_SECRET } as const;

/** Overrides of a test token's claims (`exp`, `aud`, `iss`, …) or its secret. */
export interface TokenOverrides {
  claims?: Record<string, unknown>;
  secret?: string;
  ttlSeconds?: number;
}

/** A token the test stacks accept (default issuer and audience, TEST_JWT_SECRET). */
export function testToken(
  sub: string,
  role: Role,
  overrides: TokenOverrides = {},
): Promise<string> {
  return mintToken({
    secret: overrides.secret ?? TEST_JWT_SECRET,
    issuer: 'phishnet',
    audience: 'phishnet',
    sub,
    role,
    ttlSeconds: overrides.ttlSeconds ?? 3_600,
    ...(overrides.claims ? { claims: overrides.claims } : {}),
  });
}

/** The subprotocols a browser offers to open a WebSocket with a token. */
export function bearerProtocols(token: string): string[] {
  return [WS_BEARER_PROTOCOL, token];
}

export interface TestStack {
  config: Config;
  redisUrl: string;
  app: FastifyInstance;
  jobs: OpenJobs;
  workers: WorkerRuntime | null;
  /** The admin token `inject` sends (sub `test-admin`). */
  adminToken: string;
  /** `app.inject`, with the admin token unless `opts.headers.authorization` is given. */
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
  /** A token for `sub` with `role` that this stack accepts. */
  token(sub: string, role: Role, overrides?: TokenOverrides): Promise<string>;
  /** Listens on a free loopback port and returns the base URL (http://127.0.0.1:port). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function startTestStack(
  options: {
    workers?: boolean;
    env?: Record<string, string>;
    redisUrl?: string;
    processors?: Partial<Record<JobKind, TaskProcessor>>;
    /** The API's logger; default silent. */
    logger?: Logger;
  } = {},
): Promise<TestStack> {
  const redisUrl = options.redisUrl ?? inject('redisUrl');
  const config = loadConfig({
    PHISHNET_PREFIX: `test-${randomUUID()}`,
    PHISHNET_LOG_LEVEL: 'silent',
    PHISHNET_SYSTEM_STATUS_INTERVAL_MS: '200',
    ...TEST_AUTH_ENV,
    PHISHNET_RATE_LIMIT_SUBMIT_EMAILS: '100000000',
    PHISHNET_RATE_LIMIT_REQUESTS: '100000000',
    ...options.env,
  });
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const adminToken = await testToken('test-admin', 'admin');
  const jobs = await openJobs(config, redisUrl);
  const events = createQueueEvents({ url: redisUrl }, config.prefix);
  await Promise.all(Object.values(events).map((queueEvents) => queueEvents.waitUntilReady()));
  const app = await buildApp(config, { jobs, events, logger });
  const workers = options.workers
    ? await startWorkers({
        config,
        redisUrl,
        lanes: DEFAULT_WORKER_LANES,
        concurrency: 2,
        logger,
        ...(options.processors ? { processors: options.processors } : {}),
      })
    : null;
  return {
    config,
    redisUrl,
    app,
    jobs,
    workers,
    adminToken,
    inject(opts) {
      const headers = opts.headers ?? {};
      const hasOwn = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
      const authorization = hasOwn ? {} : { authorization: `Bearer ${adminToken}` };
      return app.inject({ ...opts, headers: { ...headers, ...authorization } });
    },
    token: testToken,
    async listen() {
      return app.listen({ port: 0, host: '127.0.0.1' });
    },
    async close() {
      await app.close();
      await workers?.close();
      await closeQueueEvents(events);
      await deleteKeys(jobs, `${config.prefix}:*`);
      await jobs.close();
    },
  };
}

async function deleteKeys(jobs: OpenJobs, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await jobs.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    if (found.length > 0) await jobs.redis.del(...found);
  } while (cursor !== '0');
}

/** Polls a job's status (as the stack's admin) until it is finished. */
export async function waitForJob(
  // The stack, not its app: the app's own inject would send no token.
  stack: Pick<TestStack, 'inject' | 'adminToken'>,
  jobId: string,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await stack.inject({ method: 'GET', url: `/api/v1/analysis/status/${jobId}` });
    const body = response.json<Record<string, unknown>>();
    if (body.status === 'completed' || body.status === 'failed') return body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${String(body.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A fixture email from test/fixtures/emails. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/emails/${name}`, import.meta.url));
}

/** Submits `count` quick scans of the phishing fixture and returns their job ids. */
export async function submitQuickScans(stack: TestStack, count: number): Promise<string[]> {
  const raw = fixture('phish-paypal-ip-link.eml').toString('utf8');
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { raw, analysis_type: 'quick' },
    });
    if (response.statusCode !== 202)
      throw new Error(`submit: ${response.statusCode} ${response.body}`);
    ids.push(response.json<{ job_id: string }>().job_id);
  }
  return ids;
}
