import { randomUUID } from 'node:crypto';
import { FlowProducer, type FlowJob, type Job, type JobState } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AnalysisResult } from '../contracts/analysis-result.ts';
import type { JobStatus, JobStatusValue, SubmitResponse } from '../contracts/api.ts';
import type { ErrorCode } from '../contracts/error-codes.ts';
import {
  FLOW_PARENT,
  type AnalysisType,
  type Priority,
  type TaskPayload,
} from '../contracts/queues.ts';
import { AppError, coerceError, isAppError } from '../lib/errors.ts';
import { readHeaderSection } from '../lib/rfc822.ts';
import { BlobStore } from './blob-store.ts';
import { readJobError, readJobRecord, writeJobRecord, type JobRecord } from './job-record.ts';
import type { Config } from '../config/config.ts';
import { DeadLetterQueue } from './dead-letters.ts';
import { closeQueues, createQueues, type Queues, type RetentionOptions } from './queues.ts';
import { maxAttempts } from './retry-policy.ts';
import { connectRedis, createRedis, isRedisOutOfMemory } from './redis.ts';
import { readEmailFacts } from './email-facts.ts';
import { createLoadProbe, readRealtimeLoad, type LoadProbe } from './load.ts';
import { routeSubmission, type RoutingThresholds } from './routing.ts';
import { COMPREHENSIVE_CHILDREN, TASKS } from './task-table.ts';

export interface JobsDeps {
  redis: Redis;
  queues: Queues;
  flows: FlowProducer;
  blobs: BlobStore;
  deadLetters: DeadLetterQueue;
  prefix: string;
  retention: RetentionOptions;
  /** BullMQ attempts per job; each failure class stops sooner (see retry-policy.ts). */
  attempts: number;
  /** Routing thresholds; the configuration's defaults when absent. */
  routing?: RoutingThresholds;
  /** Realtime's load, for routing; without it nothing spills to `background`. */
  load?: LoadProbe;
}

/** Every analysis job retries through the worker's classified backoff strategy. */
export const CLASSIFIED_BACKOFF = 'classified';

export interface Submission {
  email: Uint8Array;
  subject: string;
  sender: string;
  analysisType: AnalysisType;
  priority: Priority;
  /** The `sub` of the submitter: only they (and admins) see the job. */
  owner: string;
}

export interface PreparedJob {
  payload: TaskPayload;
  options: JobOptions;
}

interface JobOptions {
  jobId: string;
  priority: number;
  attempts: number;
  backoff: { type: string };
}

/** A bulk submission being prepared: its jobs routed to realtime wait there too. */
export interface BatchContext {
  id: string;
  realtimeQueued: number;
}

/** Routes, stores the email and records the job: everything but enqueueing it. */
export async function prepareJob(
  deps: JobsDeps,
  submission: Submission,
  batch?: BatchContext,
): Promise<PreparedJob> {
  const jobId = randomUUID();
  const load = (await deps.load?.read()) ?? undefined;
  const routing = routeSubmission({
    analysisType: submission.analysisType,
    priority: submission.priority,
    bulk: batch !== undefined,
    email: readEmailFacts(submission.email),
    ...(load
      ? {
          load: {
            ...load,
            realtimeBacklog: load.realtimeBacklog + (batch?.realtimeQueued ?? 0),
          },
        }
      : {}),
    ...(deps.routing ? { thresholds: deps.routing } : {}),
  });
  if (batch && routing.lane === 'realtime') batch.realtimeQueued += 1;
  const batchId = batch?.id;
  const payload: TaskPayload = {
    job_id: jobId,
    task: routing.task,
    analysis_type: submission.analysisType,
    email_ref: await deps.blobs.put(submission.email),
    email_bytes: submission.email.byteLength,
    input: { subject: submission.subject, sender: submission.sender },
    routing,
    submitted_at: new Date().toISOString(),
    ...(batchId === undefined ? {} : { batch_id: batchId }),
  };
  await writeJobRecord(deps, payload, deps.retention.resultTtlMs, submission.owner);
  return {
    payload,
    options: {
      jobId,
      priority: routing.bullmq_priority,
      attempts: deps.attempts,
      backoff: { type: CLASSIFIED_BACKOFF },
    },
  };
}

/** A comprehensive analysis is a BullMQ flow; everything else one job on its lane. */
export function isFlow(job: PreparedJob): boolean {
  return job.payload.task === FLOW_PARENT;
}

/** Stores the email, records the job, and enqueues it; answers only once it is safely queued. */
export async function submitAnalysis(
  deps: JobsDeps,
  submission: Submission,
): Promise<SubmitResponse> {
  return withRedis(async () => {
    const job = await prepareJob(deps, submission);
    const { payload, options } = job;
    if (isFlow(job)) await deps.flows.add(comprehensiveFlow(payload, options));
    else await deps.queues[payload.routing.lane].add(payload.task, payload, options);
    return {
      job_id: payload.job_id,
      status: 'submitted',
      estimated_completion: TASKS[payload.task].estimatedCompletion,
      polling_url: `/api/v1/analysis/status/${payload.job_id}`,
      websocket_url: `/ws/jobs/${payload.job_id}`,
      routing: payload.routing,
    };
  });
}

/**
 * A comprehensive analysis is a BullMQ flow: each child task runs on its own lane,
 * and the parent, on `heavy`, aggregates what they found once they are all done.
 * A failed child does not fail the parent: its verdict is built from the rest.
 */
export function comprehensiveFlow(payload: TaskPayload, options: JobOptions): FlowJob {
  return {
    name: FLOW_PARENT,
    queueName: TASKS.comprehensive_analysis.lane,
    data: payload,
    opts: options,
    children: COMPREHENSIVE_CHILDREN.map((task) => ({
      name: task,
      queueName: TASKS[task].lane,
      data: { ...payload, task },
      opts: { ...options, jobId: `${options.jobId}-${task}`, ignoreDependencyOnFailure: true },
    })),
  };
}

const STATUS_OF_STATE: Record<JobState | 'unknown', JobStatusValue | null> = {
  waiting: 'pending',
  prioritized: 'pending',
  delayed: 'pending',
  'waiting-children': 'pending',
  active: 'processing',
  completed: 'completed',
  failed: 'failed',
  unknown: null,
};

export async function findJob(
  deps: JobsDeps,
  jobId: string,
): Promise<Job<TaskPayload, AnalysisResult> | null> {
  return withRedis(async () => {
    const record = await readJobRecord(deps, jobId);
    if (!record) return null;
    const job = (await deps.queues[record.lane].getJob(jobId)) as
      Job<TaskPayload, AnalysisResult> | undefined;
    return job ?? null;
  });
}

/** A job's status from its record and its BullMQ job, without scanning a queue. */
export async function getJobStatus(deps: JobsDeps, jobId: string): Promise<JobStatus | null> {
  return withRedis(async () => {
    const record = await readJobRecord(deps, jobId);
    if (!record) return null;
    // State first, then the job: a job read after its state is at least that far along,
    // so a completed state always comes with its result.
    const state = await deps.queues[record.lane].getJobState(jobId);
    const job = (await deps.queues[record.lane].getJob(jobId)) as
      Job<TaskPayload, AnalysisResult> | undefined;
    const base = {
      job_id: jobId,
      analysis_type: record.analysis_type,
      lane: record.lane,
      routing: record.routing,
      submitted_at: record.submitted_at,
      replays: record.replays,
      error: recordedError(record),
    };
    if (record.cancelled_at && state !== 'completed') {
      return {
        ...base,
        status: 'cancelled',
        progress: job ? progressOf(job) : 0,
        result: null,
        processing_time: null,
        attempts: job?.attemptsMade ?? 0,
        error: base.error ?? { code: 'TASK_CANCELLED', message: 'cancelled', class: 'permanent' },
        finished_at: record.cancelled_at,
      };
    }
    const status = STATUS_OF_STATE[state];
    if (!status || !job) return null;
    const finished = status === 'completed' || status === 'failed';
    // The worker records a failure before BullMQ marks the job failed, but maybe after the
    // record above was read: a failed job without a recorded error reads it again.
    const recorded =
      status === 'failed' && !base.error ? await readJobError(deps, jobId) : base.error;
    return {
      ...base,
      status,
      progress: status === 'completed' ? 100 : progressOf(job),
      result: status === 'completed' ? job.returnvalue : null,
      processing_time:
        finished && job.processedOn && job.finishedOn
          ? (job.finishedOn - job.processedOn) / 1_000
          : null,
      attempts: job.attemptsMade,
      error:
        status === 'completed'
          ? null
          : (recorded ??
            (job.failedReason ? { code: 'TASK_FAILED', message: job.failedReason } : null)),
      finished_at: finished && job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    };
  });
}

function recordedError(record: JobRecord): JobStatus['error'] {
  if (!record.error_code) return null;
  return {
    code: record.error_code,
    message: record.error_message ?? '',
    ...(record.error_class ? { class: record.error_class } : {}),
  };
}

function progressOf(job: Job): number {
  return typeof job.progress === 'number' ? Math.max(0, Math.min(100, job.progress)) : 0;
}

/** Header sections longer than this are cut: a view for people, not an export. */
const MAX_HEADER_BYTES = 256 * 1024;

/**
 * A job's raw header section, from the stored email. Null when the job is
 * unknown; `expired` when its email has left the blob store.
 */
export async function getJobHeaders(
  deps: JobsDeps,
  jobId: string,
): Promise<{ headers: string; truncated: boolean } | 'expired' | null> {
  return withRedis(async () => {
    const record = await readJobRecord(deps, jobId);
    if (!record) return null;
    let ref = record.email_ref;
    if (ref === undefined) {
      const job = (await deps.queues[record.lane].getJob(jobId)) as Job<TaskPayload> | undefined;
      ref = job?.data.email_ref;
    }
    const email = ref === undefined ? null : await deps.blobs.get(ref);
    return email ? readHeaderSection(email, MAX_HEADER_BYTES) : 'expired';
  });
}

/** Any failure to reach Redis becomes a clear 503 rather than a 500. */
export async function withRedis<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (isAppError(err)) throw err;
    const error = coerceError(err);
    if (isRedisOutOfMemory(error)) {
      throw new AppError(
        'QUEUE_STORAGE_FULL',
        'the queue store (Redis) is full: it is at its maxmemory limit and refuses new work',
        { cause: error },
      );
    }
    const code: ErrorCode = 'QUEUE_UNAVAILABLE';
    throw new AppError(code, `the queue store (Redis) is unavailable: ${error.message}`, {
      cause: error,
    });
  }
}

export interface OpenJobs extends JobsDeps {
  close(): Promise<void>;
}

/**
 * Connects a producer to Redis and opens the lanes; what an API instance needs to enqueue
 * and read. BullMQ gets a connection of its own: it registers its Lua scripts on it, and
 * ioredis copies them all into every MULTI made there (see worker-runtime.ts).
 */
export async function openJobs(config: Config, redisUrl: string): Promise<OpenJobs> {
  const redis = createRedis(redisUrl, 'producer', 'phishnet-api');
  const bullRedis = createRedis(redisUrl, 'producer', 'phishnet-api-bullmq');
  try {
    await Promise.all([connectRedis(redis), connectRedis(bullRedis)]);
  } catch (err) {
    redis.disconnect();
    bullRedis.disconnect();
    throw err;
  }
  const queues = createQueues(bullRedis, config.prefix, config.retention);
  const flows = new FlowProducer({ connection: bullRedis, prefix: config.prefix });
  return {
    redis,
    queues,
    flows,
    blobs: new BlobStore(redis, config.prefix, config.retention.resultTtlMs),
    deadLetters: new DeadLetterQueue(redis, queues, config.prefix, config.dlq),
    prefix: config.prefix,
    retention: config.retention,
    attempts: maxAttempts(config.retry),
    routing: config.routing,
    load: createLoadProbe(() => readRealtimeLoad(redis, queues), config.routing.loadCacheMs),
    async close() {
      await flows.close();
      await closeQueues(queues);
      redis.disconnect();
      bullRedis.disconnect();
    },
  };
}
