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
import { withRedis, type JobsDeps } from '../../../jobs/jobs.ts';
import { replayAllDeadLetters, replayDeadLetter } from '../../../jobs/replay.ts';
import { AppError } from '../../../lib/errors.ts';

export function workersRoutes(app: FastifyInstance, options: { jobs: JobsDeps }): void {
  const { jobs } = options;
  const typed = app.withTypeProvider<ZodTypeProvider>();

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
