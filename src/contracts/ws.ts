/**
 * WebSocket messages, as the seed names them.
 * Server → client on `/ws/jobs/{job_id}`: progress_update, job_completed, job_failed, pong, error.
 * Server → client on `/ws/system`: system_status every few seconds, pong.
 * Client → server: `{ type: "ping" }`.
 */
import { z } from 'zod';
import { analysisResultSchema } from './analysis-result.ts';
import { batchCountsSchema, jobErrorSchema } from './api.ts';
import { WORK_LANES } from './queues.ts';

export const progressUpdateSchema = z.object({
  type: z.literal('progress_update'),
  job_id: z.string(),
  progress: z.number(),
});
export const jobCompletedSchema = z.object({
  type: z.literal('job_completed'),
  job_id: z.string(),
  result: analysisResultSchema,
});
export const jobFailedSchema = z.object({
  type: z.literal('job_failed'),
  job_id: z.string(),
  error: jobErrorSchema,
});
export const jobCancelledSchema = z.object({
  type: z.literal('job_cancelled'),
  job_id: z.string(),
});
export const pongSchema = z.object({ type: z.literal('pong') });
export const wsErrorSchema = z.object({ type: z.literal('error'), error: jobErrorSchema });

export const laneDepthSchema = z.object({
  waiting: z.number().int(),
  active: z.number().int(),
  delayed: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
});
export const systemStatusSchema = z.object({
  type: z.literal('system_status'),
  data: z.object({
    timestamp: z.string(),
    queue_depths: z.record(z.enum(WORK_LANES), z.number().int()),
    lanes: z.record(z.enum(WORK_LANES), laneDepthSchema),
  }),
});

/** `/ws/batches/{batch_id}`: sent whenever the counts move, and once more when all are done. */
export const batchProgressSchema = z.object({
  type: z.enum(['batch_progress', 'batch_completed']),
  batch_id: z.string(),
  total_jobs: z.number().int(),
  progress: z.number(),
  counts: batchCountsSchema,
});
export type BatchProgressMessage = z.infer<typeof batchProgressSchema>;

export const jobMessageSchema = z.discriminatedUnion('type', [
  progressUpdateSchema,
  jobCompletedSchema,
  jobFailedSchema,
  jobCancelledSchema,
  pongSchema,
  wsErrorSchema,
]);
export type JobMessage = z.infer<typeof jobMessageSchema>;
export type SystemStatusMessage = z.infer<typeof systemStatusSchema>;
export type LaneDepth = z.infer<typeof laneDepthSchema>;

export const clientMessageSchema = z.object({ type: z.literal('ping') });
