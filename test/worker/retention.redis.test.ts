import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../src/jobs/keys.ts';
import { DAY_MS, HOUR_MS } from '../../src/lib/time.ts';
import { runMonitoringJob, type MonitoringDeps } from '../../src/worker/monitoring.ts';
import { removeExpiredResults } from '../../src/worker/retention.ts';
import { startTestStack, submitQuickScans, waitForJob, type TestStack } from '../helpers/stack.ts';

const monitoringDeps = (stack: TestStack): MonitoringDeps => ({
  redis: stack.jobs.redis,
  queues: stack.jobs.queues,
  config: stack.config,
  bury: { ...stack.jobs, ttlMs: stack.config.retention.resultTtlMs },
});
const run = (stack: TestStack, name: string) =>
  runMonitoringJob(monitoringDeps(stack), { name } as unknown as Job);

describe('dead-letter retention', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      env: { PHISHNET_DLQ_MAX_ENTRIES: '3', PHISHNET_DLQ_MAX_AGE_DAYS: '1' },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  // Straight onto the lane, as entries that were within the caps when they arrived.
  const deadLetter = (ageMs: number) =>
    stack.jobs.queues.dlq.add(
      'dead_letter',
      { task_id: randomUUID() },
      { jobId: randomUUID(), timestamp: Date.now() - ageMs },
    );

  it('drops entries past the age limit and the oldest beyond the count, with nothing new arriving', async () => {
    await deadLetter(3 * DAY_MS);
    await deadLetter(2 * DAY_MS);
    const kept = [];
    for (const hoursAgo of [5, 4, 3, 2, 1]) kept.push(await deadLetter(hoursAgo * HOUR_MS));
    expect(await stack.jobs.queues.dlq.count()).toBe(7);

    expect(await run(stack, 'dlq_retention')).toEqual({ byAge: 2, byCount: 2 });
    const left = await stack.jobs.queues.dlq.getJobs(['wait']);
    expect(left.map((job) => job.id).sort()).toEqual(
      kept
        .slice(2)
        .map((job) => job.id)
        .sort(),
    );
    expect(await run(stack, 'dlq_retention')).toEqual({ byAge: 0, byCount: 0 });
  });
});

describe('result retention', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ workers: true });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('removes finished jobs past the retention from a lane where nothing finishes any more', async () => {
    const [jobId] = await submitQuickScans(stack, 1);
    await waitForJob(stack, jobId!);
    const deps = {
      redis: stack.jobs.redis,
      queues: stack.jobs.queues,
      prefix: stack.config.prefix,
      ttlMs: 60_000,
    };
    // Within the retention: kept.
    expect((await removeExpiredResults(deps)).jobs).toBe(0);
    expect(await stack.jobs.queues.realtime.getCompletedCount()).toBe(1);
    await sleep(50);
    // Past it (a retention of 10 ms here): gone, though no other job finished on the lane.
    expect((await removeExpiredResults({ ...deps, ttlMs: 10 })).jobs).toBe(1);
    expect(await stack.jobs.queues.realtime.getCompletedCount()).toBe(0);
  });

  it('gives keys that lost their TTL the rest of their retention, or deletes them', async () => {
    const { redis } = stack.jobs;
    const k = keys(stack.config.prefix);
    const ttlMs = DAY_MS;
    const now = Date.now();
    const old = randomUUID();
    const recent = randomUUID();
    await redis.hset(k.job(old), { submitted_at: new Date(now - 2 * DAY_MS).toISOString() });
    await redis.hset(k.job(recent), { submitted_at: new Date(now - 6 * HOUR_MS).toISOString() });
    // A batch hash of counters only, as one written before counting checked that the batch exists.
    const lateBatch = randomUUID();
    await redis.hset(k.batch(lateBatch), { 'verdict:clean': 1 });
    await redis.set(k.blob('a'.repeat(64)), 'gzip');
    await redis.sadd(k.flowDone(recent), 'child');
    const withTtl = randomUUID();
    await redis.set(k.job(withTtl), 'x', 'PX', 5_000);

    const result = await removeExpiredResults(
      { redis, queues: stack.jobs.queues, prefix: stack.config.prefix, ttlMs },
      now,
    );
    expect(result).toMatchObject({ deleted: 2, expiring: 3 });
    expect(await redis.exists(k.job(old), k.batch(lateBatch))).toBe(0);
    const recentTtl = await redis.pttl(k.job(recent));
    expect(recentTtl).toBeGreaterThan(17 * HOUR_MS);
    expect(recentTtl).toBeLessThanOrEqual(18 * HOUR_MS);
    expect(await redis.pttl(k.blob('a'.repeat(64)))).toBeGreaterThan(23 * HOUR_MS);
    expect(await redis.pttl(k.flowDone(recent))).toBeGreaterThan(23 * HOUR_MS);
    // A key that has its TTL keeps it.
    expect(await redis.pttl(k.job(withTtl))).toBeLessThanOrEqual(5_000);
  });

  it('runs as the result_retention monitoring job', async () => {
    expect(await run(stack, 'result_retention')).toEqual({
      jobs: expect.any(Number) as number,
      expiring: expect.any(Number) as number,
      deleted: expect.any(Number) as number,
    });
  });
});
