import { randomUUID } from 'node:crypto';
import type { Job, JobState } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AnalysisResult } from '../contracts/analysis-result.ts';
import type { JobStatus, JobStatusValue, SubmitResponse } from '../contracts/api.ts';
import type { ErrorCode } from '../contracts/error-codes.ts';
import {
  laneSchema,
  type AnalysisType,
  type Lane,
  type Priority,
  type TaskPayload,
} from '../contracts/queues.ts';
import { AppError, coerceError, isAppError } from '../lib/errors.ts';
import { BlobStore } from './blob-store.ts';
import { keys } from './keys.ts';
import { closeQueues, createQueues, type Queues, type RetentionOptions } from './queues.ts';
import { connectRedis, createRedis } from './redis.ts';
import { routeSubmission } from './routing.ts';
import { TASKS } from './task-table.ts';

export interface JobsDeps {
  redis: Redis;
  queues: Queues;
  blobs: BlobStore;
  prefix: string;
  retention: RetentionOptions;
}

export interface Submission {
  email: Uint8Array;
  subject: string;
  sender: string;
  analysisType: AnalysisType;
  priority: Priority;
}

/** Stores the email, records the job, and enqueues it; answers only once it is safely queued. */
export async function submitAnalysis(
  deps: JobsDeps,
  submission: Submission,
): Promise<SubmitResponse> {
  return withRedis(async () => {
    const jobId = randomUUID();
    const routing = routeSubmission(submission);
    const emailRef = await deps.blobs.put(submission.email);
    const submittedAt = new Date().toISOString();
    const payload: TaskPayload = {
      job_id: jobId,
      task: routing.task,
      analysis_type: submission.analysisType,
      email_ref: emailRef,
      email_bytes: submission.email.byteLength,
      input: { subject: submission.subject, sender: submission.sender },
      routing,
      submitted_at: submittedAt,
    };
    const record = keys(deps.prefix).job(jobId);
    await deps.redis
      .multi()
      .hset(record, { lane: routing.lane, task: routing.task, submitted_at: submittedAt })
      .pexpire(record, deps.retention.resultTtlMs)
      .exec();
    await deps.queues[routing.lane].add(routing.task, payload, {
      jobId,
      priority: routing.bullmq_priority,
    });
    return {
      job_id: jobId,
      status: 'submitted',
      estimated_completion: TASKS[routing.task].estimatedCompletion,
      polling_url: `/api/v1/analysis/status/${jobId}`,
      websocket_url: `/ws/jobs/${jobId}`,
      routing,
    };
  });
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

/** The lane a job runs on, from its record: no queue is scanned. */
async function laneOf(deps: JobsDeps, jobId: string): Promise<Lane | null> {
  const lane = laneSchema.safeParse(await deps.redis.hget(keys(deps.prefix).job(jobId), 'lane'));
  return lane.success ? lane.data : null;
}

export async function findJob(
  deps: JobsDeps,
  jobId: string,
): Promise<Job<TaskPayload, AnalysisResult> | null> {
  return withRedis(async () => {
    const lane = await laneOf(deps, jobId);
    if (!lane) return null;
    const job = (await deps.queues[lane].getJob(jobId)) as
      Job<TaskPayload, AnalysisResult> | undefined;
    return job ?? null;
  });
}

export async function getJobStatus(deps: JobsDeps, jobId: string): Promise<JobStatus | null> {
  return withRedis(async () => {
    const lane = await laneOf(deps, jobId);
    if (!lane) return null;
    // State first, then the job: a job read after its state is at least that far along,
    // so a completed state always comes with its result.
    const status = STATUS_OF_STATE[await deps.queues[lane].getJobState(jobId)];
    const job = status ? await findJob(deps, jobId) : null;
    if (!status || !job) return null;
    const payload = job.data;
    const finished = status === 'completed' || status === 'failed';
    return {
      job_id: jobId,
      status,
      progress: status === 'completed' ? 100 : progressOf(job),
      result: status === 'completed' ? job.returnvalue : null,
      processing_time:
        finished && job.processedOn && job.finishedOn
          ? (job.finishedOn - job.processedOn) / 1_000
          : null,
      analysis_type: payload.analysis_type,
      lane,
      routing: payload.routing,
      attempts: job.attemptsMade,
      error: status === 'failed' || job.failedReason ? await getJobError(deps, job) : null,
      submitted_at: payload.submitted_at,
      finished_at: finished && job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    };
  });
}

function progressOf(job: Job): number {
  return typeof job.progress === 'number' ? Math.max(0, Math.min(100, job.progress)) : 0;
}

/** The worker records the code of the last failure beside the job, where BullMQ keeps only text. */
export async function recordJobError(
  deps: Pick<JobsDeps, 'redis' | 'prefix'>,
  jobId: string,
  error: { code: string; message: string },
): Promise<void> {
  await deps.redis.hset(keys(deps.prefix).job(jobId), {
    error_code: error.code,
    error_message: error.message,
  });
}

export async function getJobError(
  deps: Pick<JobsDeps, 'redis' | 'prefix'>,
  job: Pick<Job, 'id' | 'failedReason'>,
): Promise<{ code: string; message: string }> {
  const [code, message] = await deps.redis.hmget(
    keys(deps.prefix).job(job.id ?? ''),
    'error_code',
    'error_message',
  );
  return { code: code ?? 'API_INTERNAL', message: message ?? job.failedReason };
}

/** Any failure to reach Redis becomes a clear 503 rather than a 500. */
export async function withRedis<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (isAppError(err)) throw err;
    const error = coerceError(err);
    const code: ErrorCode = 'QUEUE_UNAVAILABLE';
    throw new AppError(code, `the queue store (Redis) is unavailable: ${error.message}`, {
      cause: error,
    });
  }
}

export interface OpenJobs extends JobsDeps {
  close(): Promise<void>;
}

/** Connects a producer to Redis and opens the lanes; what an API instance needs to enqueue and read. */
export async function openJobs(options: {
  redisUrl: string;
  prefix: string;
  retention: RetentionOptions;
}): Promise<OpenJobs> {
  const redis = createRedis(options.redisUrl, 'producer', 'phishnet-api');
  await connectRedis(redis);
  const queues = createQueues(redis, options.prefix, options.retention);
  return {
    redis,
    queues,
    blobs: new BlobStore(redis, options.prefix, options.retention.resultTtlMs),
    prefix: options.prefix,
    retention: options.retention,
    async close() {
      await closeQueues(queues);
      redis.disconnect();
    },
  };
}
