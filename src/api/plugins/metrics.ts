import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, type Metric, type MetricValue } from 'prom-client';
import { FAILURE_CLASSES, LANES, WORK_LANES } from '../../contracts/queues.ts';
import { QUEUE_STATES } from '../../contracts/workers.ts';
import { countWorkerStates, listWorkers } from '../../jobs/heartbeats.ts';
import type { JobsDeps } from '../../jobs/jobs.ts';
import { readRedisMemory } from '../../jobs/redis.ts';
import {
  oldestWaitingAgeSeconds,
  readQueueDepths,
  readTaskTotals,
  type TaskTotals,
} from '../../jobs/stats.ts';
import { AppError } from '../../lib/errors.ts';

export interface MetricsOptions {
  jobs: JobsDeps;
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  token: string | undefined;
}

const HTTP_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A metric whose values are read from Redis at scrape time. prom-client's own
 * Counter and Histogram only count what this process observed, but job counts
 * and durations are written by every worker, so they are read whole from the
 * totals hash (src/jobs/stats.ts) and every API instance exposes the same values.
 */
function redisMetric(
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  read: () => Promise<MetricValue<string>[]>,
): Metric {
  const metric = {
    name,
    help,
    type,
    aggregator: 'first',
    collect: () => undefined,
    async get() {
      return { name, help, type, aggregator: 'first', values: await read() };
    },
    reset: () => undefined,
  };
  // The registry only calls `get()`; prom-client's types name its own classes.
  return metric as unknown as Metric;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * `/metrics` for Prometheus, from its own Registry: queue depths, job counts and
 * durations, the dead-letter queue and workers (all read from Redis when
 * scraped), and this instance's HTTP requests. Call before the routes are
 * registered, so the request hook sees them all.
 */
export function registerMetrics(app: FastifyInstance, options: MetricsOptions): Registry {
  const { jobs, token } = options;
  const registry = new Registry();

  const requests = new Counter({
    name: 'phishnet_http_requests_total',
    help: 'HTTP requests this API instance answered, by method, route and status.',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'phishnet_http_request_duration_seconds',
    help: 'Time this API instance took to answer, by method, route and status.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS_SECONDS,
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL, keeps the label set bounded.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    requestSeconds.observe(labels, reply.elapsedTime / 1_000);
    done();
  });

  new Gauge({
    name: 'phishnet_queue_jobs',
    help: 'Jobs per lane and state, read from BullMQ when scraped.',
    labelNames: ['lane', 'state'],
    registers: [registry],
    async collect() {
      const counts = await Promise.all(
        LANES.map(
          async (lane) => [lane, await jobs.queues[lane].getJobCounts(...QUEUE_STATES)] as const,
        ),
      );
      this.reset();
      for (const [lane, byState] of counts) {
        for (const state of QUEUE_STATES) this.set({ lane, state }, byState[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'phishnet_queue_backlog',
    help: 'Jobs still to do per work lane: waiting + prioritized + delayed. What KEDA scales workers on.',
    labelNames: ['lane'],
    registers: [registry],
    async collect() {
      // One number per lane, so a scaler's query needs no sum over states (and no
      // Redis-list scaler, which sees neither prioritized nor delayed jobs).
      const depths = await readQueueDepths(jobs.queues);
      for (const lane of WORK_LANES) this.set({ lane }, depths[lane]);
    },
  });
  new Gauge({
    name: 'phishnet_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting per work lane (wait list or prioritized); 0 when none waits.',
    labelNames: ['lane'],
    registers: [registry],
    async collect() {
      const now = Date.now();
      const ages = await Promise.all(
        WORK_LANES.map((lane) => oldestWaitingAgeSeconds(jobs.redis, jobs.queues[lane], now)),
      );
      WORK_LANES.forEach((lane, i) => {
        this.set({ lane }, ages[i] ?? 0);
      });
    },
  });
  new Gauge({
    name: 'phishnet_queue_paused',
    help: '1 when the lane is paused.',
    labelNames: ['lane'],
    registers: [registry],
    async collect() {
      const paused = await Promise.all(LANES.map((lane) => jobs.queues[lane].isPaused()));
      LANES.forEach((lane, i) => {
        this.set({ lane }, paused[i] ? 1 : 0);
      });
    },
  });
  new Gauge({
    name: 'phishnet_dlq_size',
    help: 'Entries in the dead-letter queue.',
    registers: [registry],
    async collect() {
      this.set(await jobs.queues.dlq.count());
    },
  });
  new Gauge({
    name: 'phishnet_workers',
    help: 'Worker processes by state (alive, busy, dead), from their heartbeats.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = countWorkerStates(await listWorkers(jobs.redis, jobs.prefix));
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'phishnet_workers_alive',
    help: 'Worker processes heartbeating (alive or busy).',
    registers: [registry],
    async collect() {
      const workers = await listWorkers(jobs.redis, jobs.prefix);
      this.set(workers.filter((worker) => worker.state !== 'dead').length);
    },
  });
  new Gauge({
    name: 'phishnet_redis_used_memory_bytes',
    help: 'Memory Redis uses (INFO used_memory). With noeviction, writes fail once it reaches maxmemory.',
    registers: [registry],
    async collect() {
      this.set((await readRedisMemory(jobs.redis)).usedBytes);
    },
  });
  new Gauge({
    name: 'phishnet_redis_maxmemory_bytes',
    help: 'The maxmemory limit of Redis; 0 means none is set.',
    registers: [registry],
    async collect() {
      this.set((await readRedisMemory(jobs.redis)).maxBytes);
    },
  });

  // One read of the totals hash serves the three job metrics of a scrape.
  let totalsRead: { at: number; value: Promise<Record<string, TaskTotals>> } | null = null;
  const totals = (): Promise<Record<string, TaskTotals>> => {
    if (!totalsRead || Date.now() - totalsRead.at > 1_000) {
      totalsRead = { at: Date.now(), value: readTaskTotals(jobs.redis, jobs.prefix) };
    }
    return totalsRead.value;
  };
  registry.registerMetric(
    redisMetric(
      'phishnet_jobs_completed_total',
      'Analysis jobs completed, by task (all workers, since the counters began).',
      'counter',
      async () =>
        Object.entries(await totals()).map(([task, t]) => ({
          labels: { task },
          value: t.completed,
        })),
    ),
  );
  registry.registerMetric(
    redisMetric(
      'phishnet_jobs_failed_total',
      'Analysis jobs that failed for good, by task and failure class.',
      'counter',
      async () =>
        Object.entries(await totals()).flatMap(([task, t]) =>
          FAILURE_CLASSES.map((failureClass) => ({
            labels: { task, failure_class: failureClass },
            value: t.failed[failureClass],
          })),
        ),
    ),
  );
  registry.registerMetric(
    redisMetric(
      'phishnet_job_duration_seconds',
      'Processing time of finished analysis jobs (completed or failed for good), by task.',
      'histogram',
      async () =>
        Object.entries(await totals()).flatMap(([task, t]) => [
          ...t.buckets.map((bucket) => ({
            metricName: 'phishnet_job_duration_seconds_bucket',
            labels: { task, le: bucket.le },
            value: bucket.count,
          })),
          {
            metricName: 'phishnet_job_duration_seconds_sum',
            labels: { task },
            value: t.durationSeconds,
          },
          { metricName: 'phishnet_job_duration_seconds_count', labels: { task }, value: t.count },
        ]),
    ),
  );

  const authorize = (request: FastifyRequest, reply: FastifyReply): void => {
    if (token === undefined || tokenMatches(request.headers.authorization, token)) return;
    reply.header('www-authenticate', 'Bearer');
    throw new AppError('API_METRICS_UNAUTHORIZED', 'a valid bearer token is required for /metrics');
  };
  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics (text format)',
      description:
        'Queue depths, job counts and durations, the dead-letter queue and workers, read from Redis when scraped, plus this instance’s HTTP requests. Needs `Authorization: Bearer <PHISHNET_METRICS_TOKEN>` when that is set.',
      tags: ['health'],
    },
    onRequest: (request, reply, done) => {
      authorize(request, reply);
      done();
    },
    handler: async (_request, reply) => {
      totalsRead = null;
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  });
  return registry;
}
