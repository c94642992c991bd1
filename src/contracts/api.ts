/** Bodies of the HTTP API, as the seed names them. Shared with the browser. */
import { z } from 'zod';
import { analysisResultSchema, verdictSchema } from './analysis-result.ts';
import { ERROR_CODES, type ErrorCode } from './error-codes.ts';
import {
  analysisTypeSchema,
  failureClassSchema,
  laneSchema,
  prioritySchema,
  routingSchema,
} from './queues.ts';

/** One email, as the seed's fields or as the whole message. */
const emailFields = {
  subject: z.string().max(2_000).optional(),
  sender: z.string().max(1_000).optional(),
  content: z.string().optional(),
  /** The whole RFC 822 message, as text or base64. */
  raw: z.string().optional(),
};
function hasEmail(body: { raw?: string | undefined; content?: string | undefined }): boolean {
  return body.raw !== undefined || body.content !== undefined;
}
const NO_EMAIL = {
  error:
    'give the email as `raw` (the RFC 822 message) or as `content` (with `subject` and `sender`)',
  path: ['content'],
};

export const emailInputSchema = z.object(emailFields).refine(hasEmail, NO_EMAIL);
export type EmailInputBody = z.infer<typeof emailInputSchema>;

export const submitRequestSchema = z
  .object({
    ...emailFields,
    analysis_type: analysisTypeSchema,
    priority: prioritySchema.default('normal'),
  })
  .refine(hasEmail, NO_EMAIL);
export type SubmitRequest = z.input<typeof submitRequestSchema>;

/** A mailbox sweep: all-or-nothing; one bad email rejects the request, naming its index. */
export const bulkSubmitRequestSchema = z.object({
  emails: z.array(emailInputSchema).min(1),
  analysis_type: analysisTypeSchema,
  /** Bulk work yields to single submissions unless told otherwise. */
  priority: prioritySchema.default('low'),
});

export const bulkSubmitResponseSchema = z.object({
  batch_id: z.uuid(),
  job_ids: z.array(z.uuid()),
  total_jobs: z.number().int(),
  status_url: z.string(),
  websocket_url: z.string(),
});
export type BulkSubmitResponse = z.infer<typeof bulkSubmitResponseSchema>;

export const batchParamsSchema = z.object({ batch_id: z.uuid() });
export const batchQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(500).default(100),
});

export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export const jobStatusValueSchema = z.enum(JOB_STATUSES);
export type JobStatusValue = z.infer<typeof jobStatusValueSchema>;

/** A batch's jobs by where they stand; `pending` includes the ones running. */
export const batchCountsSchema = z.object({
  pending: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
});

export const batchStatusSchema = z.object({
  batch_id: z.uuid(),
  analysis_type: analysisTypeSchema,
  total_jobs: z.number().int(),
  /** Finished jobs over all jobs, 0–100. */
  progress: z.number(),
  counts: batchCountsSchema,
  verdicts: z.record(verdictSchema, z.number().int()),
  created_at: z.string(),
  page: z.number().int(),
  page_size: z.number().int(),
  jobs: z.array(
    z.object({
      job_id: z.uuid(),
      status: jobStatusValueSchema,
      verdict: verdictSchema.nullable(),
      score: z.number().nullable(),
    }),
  ),
});
export type BatchStatus = z.infer<typeof batchStatusSchema>;

export const submitResponseSchema = z.object({
  job_id: z.uuid(),
  status: z.literal('submitted'),
  estimated_completion: z.string(),
  polling_url: z.string(),
  websocket_url: z.string(),
  routing: routingSchema,
});
export type SubmitResponse = z.infer<typeof submitResponseSchema>;

export const jobErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  /** How the failure was classified, which decides its retries. */
  class: failureClassSchema.optional(),
});

export const jobStatusSchema = z.object({
  job_id: z.uuid(),
  status: jobStatusValueSchema,
  progress: z.number().min(0).max(100),
  result: analysisResultSchema.nullable(),
  /** Seconds from start of processing to the end, once finished. */
  processing_time: z.number().nonnegative().nullable(),
  analysis_type: analysisTypeSchema,
  lane: laneSchema,
  routing: routingSchema,
  /** Attempts made so far; a retrying job shows its last error and its class. */
  attempts: z.number().int().nonnegative(),
  error: jobErrorSchema.nullable(),
  /** Times this job was replayed from the dead-letter queue. */
  replays: z.number().int().nonnegative(),
  submitted_at: z.string(),
  finished_at: z.string().nullable(),
});
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const jobIdParamsSchema = z.object({ job_id: z.uuid() });

export const cancelResponseSchema = z.object({
  job_id: z.uuid(),
  status: z.literal('cancelled'),
  /** `removed`: it had not started; `aborted`: it was running and was told to stop. */
  how: z.enum(['removed', 'aborted']),
});

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.unknown().optional(),
  }),
  requestId: z.string(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const healthSchema = z.object({ status: z.literal('ok') });
export const readySchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  redis: z.enum(['up', 'down']),
});

/**
 * `GET /analysis/jobs` and `GET /analysis/batches`: newest first, in pages. A page
 * may hold fewer than `limit` items while `next_cursor` is set: each request
 * examines a bounded stretch of the index, and the cursor continues from there.
 */
const searchText = z.string().trim().min(1).max(200);
const searchTime = z.iso.datetime({ offset: true });
/** `{time}:{id}` of the last entry a page examined. */
const searchCursor = z
  .string()
  .regex(/^\d+:[\w-]{1,100}$/, 'a cursor is what the previous page returned as next_cursor');

export const jobListQuerySchema = z.object({
  /** Case-insensitive substring of the sender (display name or address). */
  sender: searchText.optional(),
  /** Case-insensitive substring of the subject. */
  subject: searchText.optional(),
  verdict: verdictSchema.optional(),
  batch_id: z.uuid().optional(),
  /** Submitted at or after this time (ISO 8601). */
  from: searchTime.optional(),
  /** Submitted at or before this time (ISO 8601). */
  to: searchTime.optional(),
  cursor: searchCursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
/** What a client may send: every field optional (`limit` has a default). */
export type JobListQuery = Partial<z.output<typeof jobListQuerySchema>>;

export const jobSummarySchema = z.object({
  job_id: z.uuid(),
  status: jobStatusValueSchema,
  progress: z.number().min(0).max(100),
  analysis_type: analysisTypeSchema,
  lane: laneSchema,
  routing: routingSchema,
  subject: z.string(),
  sender: z.string(),
  verdict: verdictSchema.nullable(),
  score: z.number().nullable(),
  batch_id: z.uuid().nullable(),
  error: jobErrorSchema.nullable(),
  submitted_at: z.string(),
  finished_at: z.string().nullable(),
});
export type JobSummary = z.infer<typeof jobSummarySchema>;

export const jobListSchema = z.object({
  jobs: z.array(jobSummarySchema),
  /** Pass as `cursor` for the next page; null when the index is exhausted. */
  next_cursor: z.string().nullable(),
  /** Submission time of the last job examined: how far back this page searched. */
  searched_until: z.string().nullable(),
});
export type JobList = z.infer<typeof jobListSchema>;

export const batchListQuerySchema = z.object({
  from: searchTime.optional(),
  to: searchTime.optional(),
  cursor: searchCursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type BatchListQuery = Partial<z.output<typeof batchListQuerySchema>>;

export const batchSummarySchema = batchStatusSchema.omit({
  page: true,
  page_size: true,
  jobs: true,
});
export type BatchSummary = z.infer<typeof batchSummarySchema>;

export const batchListSchema = z.object({
  batches: z.array(batchSummarySchema),
  next_cursor: z.string().nullable(),
});
export type BatchList = z.infer<typeof batchListSchema>;

/** `GET /analysis/headers/{job_id}`: the email's header section as it arrived. */
export const jobHeadersSchema = z.object({
  job_id: z.uuid(),
  headers: z.string(),
  /** True when the section was longer than the answer's limit and was cut. */
  truncated: z.boolean(),
});
export type JobHeaders = z.infer<typeof jobHeadersSchema>;
