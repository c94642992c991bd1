/**
 * The dead-letter queue: jobs that exhausted their retry policy or failed
 * permanently, with what is needed to understand and replay them.
 */
import { z } from 'zod';
import { failureClassSchema, jobKindSchema, workLaneSchema } from './queues.ts';

export const deadLetterSchema = z.object({
  /** The job's id, which is also the API's job_id for a top-level job. */
  task_id: z.string(),
  job_id: z.string(),
  lane: workLaneSchema,
  task: jobKindSchema,
  email_ref: z.string(),
  error: z.object({
    code: z.string(),
    message: z.string(),
    class: failureClassSchema,
    stack: z.string().nullable(),
  }),
  attempts: z.number().int().nonnegative(),
  submitted_at: z.string(),
  failed_at: z.string(),
  /** How often this entry was replayed before and failed again. */
  replays: z.number().int().nonnegative(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

export const dlqFilterSchema = z.object({
  class: failureClassSchema.optional(),
  lane: workLaneSchema.optional(),
  task: jobKindSchema.optional(),
});
export type DlqFilter = z.infer<typeof dlqFilterSchema>;

export const dlqListQuerySchema = dlqFilterSchema.extend({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(500).default(50),
});

export const dlqListSchema = z.object({
  entries: z.array(deadLetterSchema),
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
  counts_by_class: z.record(failureClassSchema, z.number().int()),
});
export type DlqList = z.infer<typeof dlqListSchema>;

export const dlqReplaySchema = z.object({
  task_id: z.string(),
  job_id: z.string(),
  status: z.literal('replayed'),
  status_url: z.string(),
});
export const dlqBulkResultSchema = z.object({ count: z.number().int() });
