/**
 * A worker process killed with SIGKILL in the middle of its work loses nothing:
 * its jobs come back through BullMQ's stalled-job check, another worker
 * finishes them, and each result is recorded once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli.ts';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.ts';
import { startTestStack, submitQuickScans, type TestStack } from '../helpers/stack.ts';
import {
  allSettled,
  readBooks,
  startWorkerProcess,
  until,
  type WorkerProcess,
} from '../helpers/worker-process.ts';

const JOBS = 200;

describe('when a worker process is killed with SIGKILL mid-job', () => {
  const prefix = `test-${randomUUID()}`;
  let redis: RedisServerHandle;
  let stack: TestStack;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    assertBuilt();
    redis = await startRedisServer();
    stack = await startTestStack({ redisUrl: redis.url, env: { PHISHNET_PREFIX: prefix } });
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await stack.close();
    await redis.stop();
  });

  it('another worker finishes its jobs, and each result is recorded once', async () => {
    const ids = await submitQuickScans(stack, JOBS);
    const lane = stack.jobs.queues.realtime;
    // Alone on a backlog, the first worker always holds jobs: killing it leaves some active.
    const first = await startWorkerProcess({ redisUrl: redis.url, prefix });
    workers.push(first);
    await until(
      () => lane.getJobCounts('completed', 'active'),
      (counts) => (counts.completed ?? 0) >= 10 && (counts.active ?? 0) > 0,
      20_000,
      10,
    );
    await first.stop('SIGKILL');
    const orphans = (await lane.getActive()).map((job) => job.id);
    expect(orphans.length).toBeGreaterThan(0);

    workers.push(await startWorkerProcess({ redisUrl: redis.url, prefix }));
    const books = await until(
      () => readBooks(stack.jobs.redis, prefix, lane, stack.jobs.queues.dlq, ids),
      allSettled,
      30_000,
      200,
    );
    expect(books.byState.completed).toHaveLength(JOBS);
    expect([...books.completions.values()].every((count) => count === 1)).toBe(true);
    expect(books.completions.size).toBe(JOBS);
    for (const id of orphans) {
      const job = await lane.getJob(id ?? '');
      expect(job?.returnvalue, `orphan ${String(id)}`).toHaveProperty('verdict');
    }
    // The orphans came back through the stalled-job check, not by luck.
    const stalled = await stack.jobs.redis.xrange(`${prefix}:realtime:events`, '-', '+');
    const stalledIds = stalled
      .filter(([, fields]) => fields[1] === 'stalled')
      .map(([, fields]) => fields[3]);
    expect(stalledIds).toEqual(expect.arrayContaining(orphans));
  });
});
