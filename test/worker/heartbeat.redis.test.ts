import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { listWorkers } from '../../src/jobs/heartbeats.ts';
import { readTaskTotals, readWindowTotals, sumWindow } from '../../src/jobs/stats.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { startHeartbeat } from '../../src/worker/heartbeat.ts';
import { until } from '../helpers/wait.ts';

const logger = createLogger({ level: 'silent' });

/** Polls a yes/no check until it holds. */
const waitUntil = (check: () => Promise<boolean>, timeoutMs = 10_000) =>
  until(check, Boolean, timeoutMs, 25);

describe('a worker heartbeat', () => {
  let redis: Redis;
  let config: Config;
  beforeEach(() => {
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    config = loadConfig({
      PHISHNET_PREFIX: `test-${randomUUID()}`,
      PHISHNET_HEARTBEAT_INTERVAL_MS: '100',
      PHISHNET_WORKER_DEAD_RETENTION_SECONDS: '1',
    });
  });
  afterEach(async () => {
    const found = await redis.keys(`${config.prefix}:*`);
    if (found.length > 0) await redis.del(...found);
    await redis.quit();
  });

  it('is listed at once, and leaves the list on a clean stop', async () => {
    const heartbeat = await startHeartbeat({
      redis,
      config,
      lanes: ['realtime', 'standard', 'monitoring'],
      concurrency: 3,
      logger,
    });
    const [worker] = await listWorkers(redis, config.prefix);
    expect(worker).toMatchObject({
      id: heartbeat.id,
      pid: process.pid,
      lanes: ['realtime', 'standard', 'monitoring'],
      concurrency: 3,
      capacity: 7,
      active_jobs: 0,
      state: 'alive',
      heartbeat_interval_ms: 100,
    });
    expect(worker?.memory_rss_bytes).toBeGreaterThan(0);
    await heartbeat.stop();
    expect(await listWorkers(redis, config.prefix)).toEqual([]);
  });

  it('turns dead after three silent intervals, then is dropped after the retention', async () => {
    const heartbeat = await startHeartbeat({
      redis,
      config,
      lanes: ['heavy'],
      concurrency: 1,
      logger,
    });
    await heartbeat.stop({ deregister: false }); // as a crash would leave it
    await waitUntil(async () => (await listWorkers(redis, config.prefix))[0]?.state === 'dead');
    // 3 × 100 ms + 1 s of retention, then the hash expires and the reader drops it.
    await waitUntil(async () => (await listWorkers(redis, config.prefix)).length === 0, 5_000);
    expect(await redis.zcard(`${config.prefix}:workers`)).toBe(0);
  });

  it('counts what a watched BullMQ worker does, and records it in Redis', async () => {
    const heartbeat = await startHeartbeat({
      redis,
      config,
      lanes: ['realtime'],
      concurrency: 2,
      logger,
    });
    const queue = new Queue('realtime', { connection: redis, prefix: config.prefix });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const workerConnection = redis.duplicate();
    const worker = new Worker(
      'realtime',
      async (job: Job<{ fail?: 'once' | 'always' }>) => {
        await gate;
        if (job.data.fail === 'once' && job.attemptsMade === 0) throw new Error('try again');
        if (job.data.fail === 'always') throw new UnrecoverableError('no');
        return { ok: true };
      },
      { connection: workerConnection, prefix: config.prefix, concurrency: 2 },
    );
    heartbeat.watch(worker);
    await queue.add('quick_email_scan', { fail: 'once' }, { attempts: 2 });
    await queue.add('link_safety_check', { fail: 'always' }, { attempts: 3 });
    await waitUntil(async () => {
      await heartbeat.beat();
      return (await listWorkers(redis, config.prefix))[0]?.state === 'busy';
    });
    release();
    await waitUntil(async () => {
      await heartbeat.beat();
      const [status] = await listWorkers(redis, config.prefix);
      return status?.processed === 1 && status.failed === 1 && status.active_jobs === 0;
    });
    await worker.close();
    await heartbeat.stop();
    await queue.close();
    await workerConnection.quit();
    const totals = await readWindowTotals(redis, config.prefix);
    expect(totals).toMatchObject({ completed: 1, failed: 1, successRate: 50 });
    const byTask = await readTaskTotals(redis, config.prefix);
    expect(byTask.quick_email_scan?.completed).toBe(1);
    // No class on an UnrecoverableError and none recorded: classified from the error itself.
    expect(Object.values(byTask.link_safety_check?.failed ?? {}).reduce((a, b) => a + b, 0)).toBe(
      1,
    );
    // The failed first attempt was retried, so it is no failure.
    expect(await sumWindow(redis, config.prefix, ['retried'], 2)).toEqual({ retried: 1 });
  });
});
