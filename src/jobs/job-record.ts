/**
 * The record PhishNet keeps beside each BullMQ job (HASH `{prefix}:job:{job_id}`):
 * where the job runs, how it was routed, and what BullMQ does not keep — the
 * code and class of its last failure, its replays, its cancellation.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import {
  analysisTypeSchema,
  failureClassSchema,
  jobKindSchema,
  routingSchema,
  workLaneSchema,
  type FailureClass,
  type Routing,
  type TaskPayload,
} from '../contracts/queues.ts';
import { verdictSchema } from '../contracts/analysis-result.ts';
import { keys } from './keys.ts';

const jobRecordSchema = z.object({
  lane: workLaneSchema,
  task: jobKindSchema,
  analysis_type: analysisTypeSchema,
  routing: z.string().transform((text, ctx) => {
    const parsed = routingSchema.safeParse(JSON.parse(text));
    if (!parsed.success) ctx.addIssue({ code: 'custom', message: 'bad routing' });
    return parsed.data ?? z.NEVER;
  }),
  submitted_at: z.string(),
  /** The `sub` of whoever submitted it; records from before owners were kept have none. */
  owner: z.string().optional(),
  error_code: z.string().optional(),
  error_message: z.string().optional(),
  error_class: failureClassSchema.optional(),
  replays: z.coerce.number().int().default(0),
  cancelled_at: z.string().optional(),
  /** Kept for search (records written before search existed have none). */
  subject: z.string().optional(),
  sender: z.string().optional(),
  batch_id: z.string().optional(),
  /** The raw email in the blob store, for the header view once BullMQ has dropped the job. */
  email_ref: z.string().optional(),
  /** Set when a top-level job completes, so search can filter on it without reading the job. */
  verdict: verdictSchema.optional(),
  score: z.coerce.number().optional(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

export interface RecordDeps {
  redis: Redis;
  prefix: string;
}

export async function writeJobRecord(
  deps: RecordDeps,
  payload: TaskPayload,
  ttlMs: number,
  owner: string,
): Promise<void> {
  const k = keys(deps.prefix);
  const key = k.job(payload.job_id);
  const submittedMs = Date.parse(payload.submitted_at);
  await deps.redis
    .multi()
    .hset(key, {
      lane: payload.routing.lane,
      task: payload.task,
      analysis_type: payload.analysis_type,
      routing: JSON.stringify(payload.routing),
      submitted_at: payload.submitted_at,
      owner,
      // Left out when empty, so the verdict can fill them in from the parsed message.
      ...(payload.input.subject ? { subject: payload.input.subject } : {}),
      ...(payload.input.sender ? { sender: payload.input.sender } : {}),
      email_ref: payload.email_ref,
      ...(payload.batch_id === undefined ? {} : { batch_id: payload.batch_id }),
    })
    .pexpire(key, ttlMs)
    // The search index lives as long as the records it points to.
    .zadd(k.jobIndex(), submittedMs, payload.job_id)
    .zremrangebyscore(k.jobIndex(), '-inf', `(${Date.now() - ttlMs}`)
    .exec();
}

export async function readJobRecord(deps: RecordDeps, jobId: string): Promise<JobRecord | null> {
  const fields = await deps.redis.hgetall(keys(deps.prefix).job(jobId));
  const parsed = jobRecordSchema.safeParse(fields);
  return parsed.success ? parsed.data : null;
}

/** Who submitted a job; null when there is no such job (or it has expired). */
export async function readJobOwner(deps: RecordDeps, jobId: string): Promise<string | null> {
  const [lane, owner] = await deps.redis.hmget(keys(deps.prefix).job(jobId), 'lane', 'owner');
  // A record without an owner predates ownership: only admins see it.
  return lane === null ? null : (owner ?? '');
}

/**
 * A flow child has no record of its own until it fails; NX gives such a record the
 * retention period without moving a top-level record's expiry.
 */
export async function recordJobError(
  deps: RecordDeps,
  jobId: string,
  error: { code: string; message: string; class: FailureClass },
  ttlMs: number,
): Promise<void> {
  const key = keys(deps.prefix).job(jobId);
  await deps.redis
    .multi()
    .hset(key, { error_code: error.code, error_message: error.message, error_class: error.class })
    .call('PEXPIRE', key, ttlMs, 'NX')
    .exec();
}

/**
 * Whoever sets `buried` first moves a failed job to the dead-letter queue: the
 * worker that saw it fail, or the periodic reconciliation that finds a job failed
 * where no worker saw it (one that stalled too often). A replay clears it.
 */
export async function claimBurial(deps: RecordDeps, jobId: string): Promise<boolean> {
  return (await deps.redis.hsetnx(keys(deps.prefix).job(jobId), 'buried', '1')) === 1;
}

/** The last failure recorded for a job: a top-level job's or a flow child's. */
export async function readJobError(
  deps: RecordDeps,
  jobId: string,
): Promise<{ code: string; message: string; class: FailureClass } | null> {
  const [code, message, errorClass] = await deps.redis.hmget(
    keys(deps.prefix).job(jobId),
    'error_code',
    'error_message',
    'error_class',
  );
  const parsedClass = failureClassSchema.safeParse(errorClass);
  if (!code || !parsedClass.success) return null;
  return { code, message: message ?? '', class: parsedClass.data };
}

/**
 * Replaces a job's routing (aging lifted it). PEXPIRE NX: a record that expired meanwhile
 * comes back with the retention period rather than forever.
 */
export async function recordRouting(
  deps: RecordDeps,
  jobId: string,
  routing: Routing,
  ttlMs: number,
): Promise<void> {
  const key = keys(deps.prefix).job(jobId);
  await deps.redis
    .multi()
    .hset(key, { routing: JSON.stringify(routing) })
    .call('PEXPIRE', key, ttlMs, 'NX')
    .exec();
}

export async function markCancelled(deps: RecordDeps, jobId: string): Promise<void> {
  await deps.redis.hset(keys(deps.prefix).job(jobId), { cancelled_at: new Date().toISOString() });
}

/**
 * A replayed task starts clean: its old error is in the dead letter it came from, and its
 * burial is lifted so that failing again buries it again. The API job counts the replay;
 * for a flow's child (its task id is not the job_id) that is its parent.
 */
export async function markReplayed(deps: RecordDeps, entry: ReplayedTask): Promise<void> {
  const k = keys(deps.prefix);
  await deps.redis
    .multi()
    .hincrby(k.job(entry.job_id), 'replays', 1)
    .hdel(k.job(entry.task_id), 'error_code', 'error_message', 'error_class', 'buried')
    .exec();
}

/** Undoes `markReplayed` for a replay that could not queue its task. */
export async function unmarkReplayed(
  deps: RecordDeps,
  entry: ReplayedTask & { error: { code: string; message: string; class: FailureClass } },
): Promise<void> {
  const k = keys(deps.prefix);
  const { code, message, class: errorClass } = entry.error;
  await deps.redis
    .multi()
    .hincrby(k.job(entry.job_id), 'replays', -1)
    .hset(k.job(entry.task_id), {
      error_code: code,
      error_message: message,
      error_class: errorClass,
      buried: '1',
    })
    .exec();
}

interface ReplayedTask {
  task_id: string;
  job_id: string;
}
