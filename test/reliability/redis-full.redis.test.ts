/**
 * A Redis at its memory limit under noeviction refuses writes. Submissions then
 * answer 503 QUEUE_STORAGE_FULL at once, and the jobs accepted before are
 * neither dropped nor stuck: they complete once Redis has room again.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { startWorkers, type WorkerRuntime } from '../../src/worker/worker-runtime.ts';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { readBooks, until } from '../helpers/worker-process.ts';

const CHUNK = 'x'.repeat(256 * 1024);

/** Appends to one key until Redis refuses with OOM; bounded, whatever the limit. */
async function fillUp(client: Redis): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await client.append('filler', CHUNK);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('OOM')) return;
      throw err;
    }
  }
  throw new Error('Redis never reported OOM');
}

describe('when Redis is full (maxmemory, noeviction)', () => {
  let redis: RedisServerHandle;
  let stack: TestStack;
  let filler: Redis;
  let workers: WorkerRuntime | null = null;
  const accepted: string[] = [];
  beforeAll(async () => {
    redis = await startRedisServer({ maxMemory: '5mb' });
    stack = await startTestStack({
      redisUrl: redis.url,
      env: { PHISHNET_PREFIX: `test-${randomUUID()}`, PHISHNET_WORKER_LOCK_MS: '1000' },
    });
    filler = new Redis(redis.url);
  });
  afterAll(async () => {
    await workers?.close();
    await filler.del('filler');
    filler.disconnect();
    await stack.close();
    await redis.stop();
  });

  const submit = (content: string) =>
    stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: {
        subject: 'Invoice',
        sender: 'billing@example.com',
        content,
        analysis_type: 'quick',
      },
    });

  it('answers 503 QUEUE_STORAGE_FULL within bounded time, for new and known emails', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await submit(`accepted before Redis filled up ${String(i)}`);
      expect(response.statusCode).toBe(202);
      accepted.push(response.json<{ job_id: string }>().job_id);
    }
    await fillUp(filler);
    // A new email fails storing its blob; a known one gets further, to the job record.
    for (const content of ['a new email', 'accepted before Redis filled up 0']) {
      const started = Date.now();
      const response = await submit(content);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(response.statusCode).toBe(503);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('QUEUE_STORAGE_FULL');
    }
    // Reads still work, and what was accepted is still there.
    const status = await stack.inject({ url: `/api/v1/analysis/status/${accepted[0]!}` });
    expect(status.json()).toMatchObject({ status: 'pending' });
  });

  it('keeps every accepted job, and runs them all once Redis has room again', async () => {
    // Workers that start while Redis is full wait; they do not lose or fail jobs.
    workers = await startWorkers({
      config: stack.config,
      redisUrl: redis.url,
      lanes: ['realtime'],
      concurrency: 2,
      logger: createLogger({ level: 'silent' }),
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await filler.del('filler');
    const lane = stack.jobs.queues.realtime;
    const books = await until(
      () => readBooks(stack.jobs.redis, stack.config.prefix, lane, stack.jobs.queues.dlq, accepted),
      (b) => b.byState.completed?.length === accepted.length,
      20_000,
      100,
    );
    expect(books.completions.size).toBe(accepted.length);
    expect((await submit('after Redis has room')).statusCode).toBe(202);
  });
});
