/**
 * A PhishNet stack for one test file: its own key prefix on the shared test
 * Redis, the API built but not listening (use `inject`, or `listen()` for
 * WebSockets), and optionally in-process workers. `close()` removes every key.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { openJobs, type OpenJobs } from '../../src/jobs/jobs.ts';
import { closeQueueEvents, createQueueEvents } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { startWorkers, type WorkerRuntime } from '../../src/worker/worker-runtime.ts';
import { DEFAULT_WORKER_LANES } from '../../src/cli/commands/worker.ts';
import type { JobKind } from '../../src/contracts/queues.ts';
import type { TaskProcessor } from '../../src/worker/processors/types.ts';

export interface TestStack {
  config: Config;
  redisUrl: string;
  app: FastifyInstance;
  jobs: OpenJobs;
  workers: WorkerRuntime | null;
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
  } = {},
): Promise<TestStack> {
  const redisUrl = options.redisUrl ?? inject('redisUrl');
  const config = loadConfig({
    PHISHNET_PREFIX: `test-${randomUUID()}`,
    PHISHNET_LOG_LEVEL: 'silent',
    PHISHNET_SYSTEM_STATUS_INTERVAL_MS: '200',
    ...options.env,
  });
  const logger = createLogger({ level: 'silent' });
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

/** Polls a job's status until it is finished. */
export async function waitForJob(
  app: FastifyInstance,
  jobId: string,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await app.inject({ method: 'GET', url: `/api/v1/analysis/status/${jobId}` });
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
    const response = await stack.app.inject({
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
