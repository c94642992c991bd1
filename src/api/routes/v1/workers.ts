import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '../../../contracts/api.ts';
import {
  dlqBulkResultSchema,
  dlqFilterSchema,
  dlqListQuerySchema,
  dlqListSchema,
  dlqReplaySchema,
} from '../../../contracts/dlq.ts';
import {
  historyQuerySchema,
  historySchema,
  KNOWN_LANES,
  laneParamsSchema,
  laneStateSchema,
  queuesStatusSchema,
  scaleAcceptedSchema,
  scaleRequestSchema,
  scaleStatusSchema,
  workersStatusSchema,
  workerStatsSchema,
} from '../../../contracts/workers.ts';
import type { Lane } from '../../../contracts/queues.ts';
import { countWorkerStates, listWorkers } from '../../../jobs/heartbeats.ts';
import { withRedis, type JobsDeps } from '../../../jobs/jobs.ts';
import { replayAllDeadLetters, replayDeadLetter } from '../../../jobs/replay.ts';
import {
  applyScaleRequest,
  readScaleStatus,
  type ScaleDefaults,
} from '../../../jobs/scale-control.ts';
import {
  readHistory,
  readLaneState,
  readLaneStates,
  readWorkerStats,
} from '../../../jobs/stats.ts';
import type { Orchestrator } from '../../../config/config.ts';
import { AppError } from '../../../lib/errors.ts';
import { MINUTE_MS } from '../../../lib/time.ts';

export interface WorkersRoutesOptions {
  jobs: JobsDeps;
  /** How often the monitoring lane records a snapshot (PHISHNET_METRICS_SNAPSHOT_SECONDS). */
  metricsSnapshotMs?: number;
  /** Who scales workers, and the bounds that apply while operators have set none. */
  scale?: ScaleDefaults & { orchestrator: Orchestrator };
}

const DEFAULT_SCALE = { orchestrator: 'local', minWorkers: 2, maxWorkers: 20 } as const;

function knownLane(lane: string): Lane {
  if (!KNOWN_LANES.includes(lane)) {
    throw new AppError('API_LANE_NOT_FOUND', `no lane ${lane}`, {
      details: { lanes: KNOWN_LANES },
    });
  }
  return lane as Lane;
}

export function workersRoutes(app: FastifyInstance, options: WorkersRoutesOptions): void {
  const { jobs } = options;
  const snapshotMs = options.metricsSnapshotMs ?? MINUTE_MS;
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get('/workers/status', {
    schema: {
      summary: 'Every worker process, from its heartbeats',
      description:
        '`alive`: heartbeating, no job active; `busy`: heartbeating with at least one job active (`active_jobs` against `capacity` shows saturation); `dead`: three heartbeat intervals without one. A dead worker stays listed for PHISHNET_WORKER_DEAD_RETENTION_SECONDS; a worker that stops cleanly leaves at once.',
      tags: ['workers'],
      response: { 200: workersStatusSchema, 503: errorBodySchema },
    },
    handler: async () => {
      const now = Date.now();
      const workers = await withRedis(() => listWorkers(jobs.redis, jobs.prefix, now));
      return {
        timestamp: new Date(now).toISOString(),
        counts: countWorkerStates(workers),
        workers,
      };
    },
  });

  typed.get('/workers/stats', {
    schema: {
      summary: 'Statistics of the last 24 hours, the same from every API instance',
      description:
        'From per-minute counters the workers keep in Redis. A job counts as failed once it failed for good; a retried attempt does not. `avg_processing_time` is in seconds over finished jobs, `success_rate` in percent; both are null when nothing finished.',
      tags: ['workers'],
      response: { 200: workerStatsSchema, 503: errorBodySchema },
    },
    handler: () => withRedis(() => readWorkerStats(jobs.redis, jobs.queues, jobs.prefix)),
  });

  typed.get('/workers/queues', {
    schema: {
      summary: 'Every lane: job counts by state, processing rate, oldest waiting job, paused',
      tags: ['workers'],
      response: { 200: queuesStatusSchema, 503: errorBodySchema },
    },
    handler: async () => {
      const now = Date.now();
      const lanes = await withRedis(() =>
        readLaneStates(jobs.redis, jobs.queues, jobs.prefix, now),
      );
      return { timestamp: new Date(now).toISOString(), lanes };
    },
  });

  for (const action of ['pause', 'resume'] as const) {
    typed.post(`/workers/queues/:lane/${action}`, {
      schema: {
        summary:
          action === 'pause'
            ? 'Pause a lane: workers finish active jobs and take no new ones'
            : 'Resume a paused lane',
        description:
          'Applies to every worker on every host (BullMQ keeps the flag in Redis). Answers with the lane as it now is.',
        tags: ['workers'],
        params: laneParamsSchema,
        response: { 200: laneStateSchema, 404: errorBodySchema, 503: errorBodySchema },
      },
      handler: async (request) => {
        const lane = knownLane(request.params.lane);
        return withRedis(async () => {
          if (action === 'pause') await jobs.queues[lane].pause();
          else await jobs.queues[lane].resume();
          request.log.info({ lane }, `queue:lane:${action}d`);
          return readLaneState(jobs.redis, jobs.queues, jobs.prefix, lane);
        });
      },
    });
  }

  const scale = options.scale ?? DEFAULT_SCALE;
  const scaleDefaults = { minWorkers: scale.minWorkers, maxWorkers: scale.maxWorkers };

  typed.get('/workers/scale', {
    schema: {
      summary: "The supervisors' scaling: mode, bounds, workers now and wanted, last decision",
      description:
        'Each supervisor (`phishnet start` or `phishnet supervisor`, one per host) writes its state to Redis after every check, so any API instance answers for all of them. `current_workers` and `desired_workers` are summed over the supervisors alive (`supervisors`); `instances` has each one. `last_decision` is the newest decision of any of them, with its reason in plain words; `cooldown_remaining_seconds` is how long automatic changes still wait.',
      tags: ['workers'],
      response: { 200: scaleStatusSchema, 503: errorBodySchema },
    },
    handler: () =>
      withRedis(() =>
        readScaleStatus(jobs.redis, jobs.prefix, {
          ...scaleDefaults,
          orchestrator: scale.orchestrator,
        }),
      ),
  });

  typed.post('/workers/scale', {
    schema: {
      summary: 'Fix the number of worker processes, or return to autoscaling',
      description: [
        '`{"mode":"fixed","workers":4}`: every supervisor keeps 4 general worker processes on its host (0 stops them all; it may be below `min_workers`, not above `max_workers`).',
        '`{"mode":"fixed","workers":2,"lane":"realtime"}`: besides those, 2 processes that take only realtime jobs (`phishnet worker --queues realtime`); they count against `max_workers`.',
        '`{"mode":"auto"}`: everything back to automatic (fixed counts of lanes too); `{"mode":"auto","lane":"realtime"}` undoes only that lane.',
        'Either mode takes new `min_workers` / `max_workers`, which then replace PHISHNET_MIN_WORKERS / PHISHNET_MAX_WORKERS for every supervisor.',
        'The setting is stored in Redis and published to the supervisors, which act on it at once (new worker processes take a few seconds to start); the answer says what will happen. Stopping uses SIGTERM, idle workers first, so running jobs finish or go back to their queue.',
        'With PHISHNET_ORCHESTRATOR=kubernetes, KEDA scales the workers: 409 `API_SCALING_EXTERNAL`, and nothing changes.',
      ].join('\n\n'),
      tags: ['workers'],
      body: scaleRequestSchema,
      response: {
        202: scaleAcceptedSchema,
        400: errorBodySchema,
        409: errorBodySchema,
        503: errorBodySchema,
      },
    },
    handler: async (request, reply) => {
      if (scale.orchestrator === 'kubernetes') {
        throw new AppError(
          'API_SCALING_EXTERNAL',
          'workers are scaled by KEDA in Kubernetes mode (PHISHNET_ORCHESTRATOR=kubernetes); nothing was changed',
        );
      }
      const accepted = await withRedis(() =>
        applyScaleRequest(jobs.redis, jobs.prefix, request.body, scaleDefaults),
      );
      request.log.info(
        { request: request.body, supervisors: accepted.supervisors },
        'worker:scale:set',
      );
      return reply.code(202).send(accepted);
    },
  });

  typed.get('/workers/history', {
    schema: {
      summary: "Time series for the dashboard's charts",
      description:
        'Queue-depth snapshots recorded by the monitoring lane (at most one per minute) and completed/failed jobs per minute, over the last `minutes` (1–1440).',
      tags: ['workers'],
      querystring: historyQuerySchema,
      response: { 200: historySchema, 400: errorBodySchema, 503: errorBodySchema },
    },
    handler: (request) =>
      withRedis(() => readHistory(jobs.redis, jobs.prefix, request.query.minutes, snapshotMs)),
  });

  typed.get('/workers/dlq', {
    schema: {
      summary: 'The dead-letter queue: jobs that failed for good',
      description:
        'Newest first, paginated; filter by failure class, lane and task. `counts_by_class` covers the whole queue.',
      tags: ['workers'],
      querystring: dlqListQuerySchema,
      response: { 200: dlqListSchema, 400: errorBodySchema },
    },
    handler: async (request) => {
      const { page, page_size: pageSize, ...filter } = request.query;
      return withRedis(() => jobs.deadLetters.list(filter, page, pageSize));
    },
  });

  typed.post('/workers/dlq/:task_id/replay', {
    schema: {
      summary: 'Replay one dead letter',
      description:
        'Its job returns to its lane with fresh attempts, under the same job id. Two replays racing for one entry enqueue it once; the loser gets 404.',
      tags: ['workers'],
      params: z.object({ task_id: z.string().min(1).max(200) }),
      response: { 202: dlqReplaySchema, 404: errorBodySchema },
    },
    handler: async (request, reply) => {
      const entry = await replayDeadLetter(jobs, request.params.task_id);
      if (!entry) {
        throw new AppError('API_DLQ_ENTRY_NOT_FOUND', `no dead letter ${request.params.task_id}`);
      }
      return reply.code(202).send({
        task_id: entry.task_id,
        job_id: entry.job_id,
        status: 'replayed',
        status_url: `/api/v1/analysis/status/${entry.job_id}`,
      });
    },
  });

  typed.post('/workers/dlq/replay-all', {
    schema: {
      summary: 'Replay every dead letter that matches the filter (all when none is given)',
      tags: ['workers'],
      body: dlqFilterSchema.optional(),
      response: { 202: dlqBulkResultSchema },
    },
    handler: async (request, reply) =>
      reply.code(202).send({ count: await replayAllDeadLetters(jobs, request.body ?? {}) }),
  });

  typed.delete('/workers/dlq/clear', {
    schema: {
      summary: 'Delete every dead letter that matches the filter (all when none is given)',
      tags: ['workers'],
      querystring: dlqFilterSchema,
      response: { 200: dlqBulkResultSchema },
    },
    handler: async (request) => ({
      count: (await withRedis(() => jobs.deadLetters.clear(request.query))).length,
    }),
  });
}
