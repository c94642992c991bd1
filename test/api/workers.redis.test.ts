/**
 * The worker dashboard's endpoints against real Redis: heartbeats, the 24 h
 * statistics, lanes with pause and resume, history, and /metrics.
 */
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { startHeartbeat, type WorkerHeartbeat } from '../../src/worker/heartbeat.ts';
import { runMonitoringJob } from '../../src/worker/monitoring.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { until } from '../helpers/wait.ts';

const logger = createLogger({ level: 'silent' });

describe('the workers API', () => {
  let stack: TestStack;
  let heartbeat: WorkerHeartbeat;
  let worker: Worker;
  let workerRedis: Redis;
  const get = async <T>(url: string) => {
    const response = await stack.inject({ url });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<T>();
  };

  beforeAll(async () => {
    stack = await startTestStack({ env: { PHISHNET_HEARTBEAT_INTERVAL_MS: '200' } });
    workerRedis = stack.jobs.redis.duplicate({ maxRetriesPerRequest: null });
    // A stand-in worker process on the realtime lane: 40 ms per job, fails what asks to.
    heartbeat = await startHeartbeat({
      redis: workerRedis,
      config: stack.config,
      lanes: ['realtime'],
      concurrency: 2,
      logger,
      id: 'worker-under-test',
    });
    worker = new Worker(
      'realtime',
      async (job: Job<{ fail?: boolean }>) => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        if (job.data.fail) throw new Error('broken');
        return { ok: true };
      },
      { connection: workerRedis, prefix: stack.config.prefix, concurrency: 2 },
    );
    heartbeat.watch(worker);
    const queue = stack.jobs.queues.realtime;
    await queue.addBulk([
      { name: 'quick_email_scan', data: {} },
      { name: 'quick_email_scan', data: {} },
      { name: 'quick_email_scan', data: {} },
      { name: 'link_safety_check', data: { fail: true } },
    ]);
    await until(
      () => queue.getJobCounts('completed', 'failed'),
      (counts) => counts.completed === 3 && counts.failed === 1,
    );
    await heartbeat.beat();
  });
  afterAll(async () => {
    await worker.close();
    await heartbeat.stop();
    workerRedis.disconnect();
    await stack.close();
  });

  describe('GET /workers/status', () => {
    it('lists each worker with its heartbeat and state', async () => {
      const body = await until(
        () =>
          get<{ workers: Record<string, unknown>[]; counts: Record<string, number> }>(
            '/api/v1/workers/status',
          ),
        // The failed job's event can reach the heartbeat after the queue counts it: wait for both.
        (b) => b.workers[0]?.processed === 3 && b.workers[0].active_jobs === 0,
      );
      expect(body.counts).toEqual({ alive: 1, busy: 0, dead: 0 });
      expect(body.workers[0]).toMatchObject({
        id: 'worker-under-test',
        pid: process.pid,
        lanes: ['realtime'],
        concurrency: 2,
        capacity: 2,
        active_jobs: 0,
        processed: 3,
        failed: 1,
        state: 'alive',
      });
      for (const field of [
        'host',
        'memory_rss_bytes',
        'uptime_seconds',
        'started_at',
        'last_seen',
      ]) {
        expect(body.workers[0]).toHaveProperty(field);
      }
    });

    it('shows a worker that stopped heartbeating as dead', async () => {
      const silent = await startHeartbeat({
        redis: stack.jobs.redis,
        config: stack.config,
        lanes: ['heavy'],
        concurrency: 1,
        logger,
        id: 'worker-that-crashed',
      });
      await silent.stop({ deregister: false });
      const body = await until(
        () => get<{ workers: { id: string; state: string }[] }>('/api/v1/workers/status'),
        (b) => b.workers.some((w) => w.id === 'worker-that-crashed' && w.state === 'dead'),
        5_000,
      );
      expect(body.workers.find((w) => w.id === 'worker-under-test')?.state).toBe('alive');
    });
  });

  describe('GET /workers/stats', () => {
    it("answers the seed's keys from the counters the workers wrote", async () => {
      await stack.jobs.queues.heavy.add('full_email_scan', {}, { delay: 60_000 });
      const stats = await get<Record<string, unknown>>('/api/v1/workers/stats');
      expect(stats).toMatchObject({
        active_workers: 1,
        total_pending: 1,
        jobs_processed_24h: 3,
        jobs_failed_24h: 1,
        success_rate: 75,
        queue_depths: { realtime: 0, standard: 0, heavy: 1, background: 0 },
      });
      expect(stats.avg_processing_time).toBeGreaterThanOrEqual(0.03);
      expect(stats.avg_processing_time).toBeLessThan(5);
    });
  });

  describe('GET /workers/queues', () => {
    it('lists all six lanes with counts, rates and their paused flag', async () => {
      const body = await get<{ lanes: Record<string, unknown>[] }>('/api/v1/workers/queues');
      expect(body.lanes.map((lane) => lane.lane)).toEqual([
        'realtime',
        'standard',
        'heavy',
        'background',
        'dlq',
        'monitoring',
      ]);
      expect(body.lanes[0]).toMatchObject({
        paused: false,
        counts: { completed: 3, failed: 1, waiting: 0, active: 0 },
        processing_rate: { completed_last_5_minutes: 3 },
        oldest_waiting_age_seconds: null,
      });
      expect(body.lanes[2]).toMatchObject({ counts: { delayed: 1 } });
    });

    it('answers 404 with a JSON error for an unknown lane', async () => {
      const response = await stack.inject({
        method: 'POST',
        url: '/api/v1/workers/queues/nosuchlane/pause',
      });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'API_LANE_NOT_FOUND' } });
    });
  });

  describe('GET /workers/history', () => {
    it('returns the snapshots and one throughput point per minute', async () => {
      await runMonitoringJob(
        {
          redis: stack.jobs.redis,
          queues: stack.jobs.queues,
          config: stack.config,
          bury: { ...stack.jobs, ttlMs: stack.config.retention.resultTtlMs },
        },
        // Only the name is read.
        { name: 'metrics_snapshot' } as unknown as Job,
      );
      const body = await get<{
        minutes: number;
        snapshots: { lanes: Record<string, unknown>; workers?: Record<string, number> }[];
        throughput: { completed: number; failed: number }[];
      }>('/api/v1/workers/history?minutes=30');
      expect(body.minutes).toBe(30);
      expect(body.snapshots).toHaveLength(1);
      expect(body.snapshots[0]?.lanes).toHaveProperty('heavy.delayed', 1);
      expect(body.snapshots[0]?.workers?.alive).toBeGreaterThanOrEqual(1);
      expect(body.throughput).toHaveLength(30);
      const sum = (key: 'completed' | 'failed') =>
        body.throughput.reduce((total, point) => total + point[key], 0);
      expect(sum('completed')).toBe(3);
      expect(sum('failed')).toBe(1);
      const tooMany = await stack.inject({ url: '/api/v1/workers/history?minutes=5000' });
      expect(tooMany.statusCode).toBe(400);
    });
  });

  describe('GET /metrics', () => {
    it('exposes queue, job, DLQ, worker and HTTP metrics for Prometheus', async () => {
      // Two minutes in a prioritized set that no worker reads: a backlog with an age.
      await stack.jobs.queues.background.add(
        'ml_threat_detection',
        {},
        { priority: 5, timestamp: Date.now() - 120_000 },
      );
      const response = await stack.inject({ url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/plain');
      const text = response.body;
      expect(text).toContain('phishnet_queue_jobs{lane="realtime",state="completed"} 3');
      expect(text).toContain('phishnet_queue_jobs{lane="heavy",state="delayed"} 1');
      // The backlog counts delayed and prioritized jobs, which a Redis list length misses.
      expect(text).toContain('phishnet_queue_backlog{lane="heavy"} 1');
      expect(text).toContain('phishnet_queue_backlog{lane="background"} 1');
      expect(text).toContain('phishnet_queue_backlog{lane="realtime"} 0');
      const oldest = (lane: string) =>
        Number(
          new RegExp(`phishnet_queue_oldest_waiting_seconds\\{lane="${lane}"\\} ([\\d.]+)`).exec(
            text,
          )?.[1],
        );
      expect(oldest('background')).toBeGreaterThanOrEqual(119);
      expect(oldest('background')).toBeLessThan(600);
      // Delayed is not waiting yet.
      expect(oldest('heavy')).toBe(0);
      const used = Number(/^phishnet_redis_used_memory_bytes (\d+)$/m.exec(text)?.[1]);
      expect(used).toBeGreaterThan(100_000);
      const max = Number(/^phishnet_redis_maxmemory_bytes (\d+)$/m.exec(text)?.[1]);
      const info = await stack.jobs.redis.config('GET', 'maxmemory');
      expect(max).toBe(Number((info as string[])[1]));
      expect(text).toContain('phishnet_jobs_completed_total{task="quick_email_scan"} 3');
      expect(text).toMatch(
        /phishnet_jobs_failed_total\{task="link_safety_check",failure_class="\w+"\} 1/,
      );
      expect(text).toContain(
        'phishnet_job_duration_seconds_bucket{task="quick_email_scan",le="+Inf"} 3',
      );
      expect(text).toContain('phishnet_job_duration_seconds_count{task="quick_email_scan"} 3');
      expect(text).toContain('phishnet_dlq_size 0');
      expect(text).toContain('phishnet_workers_alive 1');
      expect(text).toContain('phishnet_queue_paused{lane="realtime"} 0');
      expect(text).toMatch(
        /phishnet_http_requests_total\{method="GET",route="\/api\/v1\/workers\/stats",status_code="200"\} \d+/,
      );
      expect(text).toContain('phishnet_http_request_duration_seconds_bucket');
    });
  });
});

describe('pausing a lane', () => {
  let stack: TestStack;
  let worker: Worker;
  let workerRedis: Redis;
  beforeAll(async () => {
    stack = await startTestStack();
    workerRedis = stack.jobs.redis.duplicate({ maxRetriesPerRequest: null });
    // Already running and waiting for work when the lane is paused.
    worker = new Worker('realtime', () => Promise.resolve({ ok: true }), {
      connection: workerRedis,
      prefix: stack.config.prefix,
    });
    await worker.waitUntilReady();
  });
  afterAll(async () => {
    await worker.close();
    workerRedis.disconnect();
    await stack.close();
  });

  it('keeps a job waiting while paused and runs it after resume', async () => {
    const paused = await stack.inject({
      method: 'POST',
      url: '/api/v1/workers/queues/realtime/pause',
    });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ lane: 'realtime', paused: true });

    const job = await stack.jobs.queues.realtime.add('quick_email_scan', {}, { priority: 5 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await job.getState()).toBe('prioritized');
    const queues = await stack.inject({ url: '/api/v1/workers/queues' });
    const realtime = queues
      .json<{
        lanes: {
          lane: string;
          paused: boolean;
          counts: Record<string, number>;
          oldest_waiting_age_seconds: number | null;
        }[];
      }>()
      .lanes.find((lane) => lane.lane === 'realtime');
    expect(realtime?.paused).toBe(true);
    expect(realtime?.counts.prioritized).toBe(1);
    expect(realtime?.oldest_waiting_age_seconds).toBeGreaterThanOrEqual(0.9);

    const resumed = await stack.inject({
      method: 'POST',
      url: '/api/v1/workers/queues/realtime/resume',
    });
    expect(resumed.json()).toMatchObject({ lane: 'realtime', paused: false });
    await until(
      () => job.getState(),
      (state) => state === 'completed',
    );
  });
});

describe('/metrics with a token', () => {
  const token = 'a-long-enough-metrics-token';
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { PHISHNET_METRICS_TOKEN: token } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('answers 401 without the bearer token, and the metrics with it', async () => {
    const anonymous = await stack.inject({ url: '/metrics' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    expect(anonymous.json()).toMatchObject({ error: { code: 'API_METRICS_UNAUTHORIZED' } });
    const wrong = await stack.inject({
      url: '/metrics',
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.statusCode).toBe(401);
    const allowed = await stack.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain('phishnet_queue_jobs');
  });
});
