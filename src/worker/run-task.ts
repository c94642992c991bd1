import { UnrecoverableError, type Job } from 'bullmq';
import type { AnalysisResult } from '../contracts/analysis-result.ts';
import type { ErrorCode } from '../contracts/error-codes.ts';
import {
  taskPayloadSchema,
  type FailureClass,
  type JobKind,
  type TaskPayload,
} from '../contracts/queues.ts';
import type { Config } from '../config/config.ts';
import type { EnginePorts } from '../engine/types.ts';
import type { BlobStore } from '../jobs/blob-store.ts';
import { classifyFailure } from '../jobs/failures.ts';
import { recordJobCompletion } from '../jobs/job-completion.ts';
import { readJobRecord, recordJobError, type RecordDeps } from '../jobs/job-record.ts';
import { clearStaleParent } from './flow-rerun.ts';
import { shouldRetry } from '../jobs/retry-policy.ts';
import { taskTimeLimitMs } from '../jobs/task-table.ts';
import { AppError, coerceError, isAppError } from '../lib/errors.ts';
import type { IndicatorCache } from './adapters/indicators.ts';
import type { TaskProcessor } from './processors/types.ts';

export interface RunTaskDeps extends RecordDeps {
  blobs: BlobStore;
  config: Config;
  ports: EnginePorts;
  /** The threat-feed indicators, cached per process and refreshed when the feeds change. */
  indicators?: IndicatorCache;
  processors: Record<JobKind, TaskProcessor>;
}

/** An error on its way back to BullMQ, carrying its class for the backoff strategy. */
export class ClassifiedError extends Error {
  override readonly name = 'ClassifiedError';
  readonly failureClass: FailureClass;

  constructor(error: Error, failureClass: FailureClass) {
    super(error.message, { cause: error });
    this.failureClass = failureClass;
    if (error.stack) this.stack = error.stack;
  }
}

/**
 * How a running task is stopped: the signal BullMQ gives the job's processor, and what aborts
 * it (BullMQ's `Worker.cancelJob`, which a cancellation also goes through), so each job has one
 * AbortController, BullMQ's own.
 */
export interface TaskControl {
  readonly signal: AbortSignal;
  abort(reason: string): void;
}

/** The reason a task's signal is aborted with when it reaches its time limit. */
export const TIME_LIMIT_REASON = 'phishnet:time-limit';

/** A control of its own, for a job run without BullMQ's signal. */
function ownControl(): TaskControl {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    abort: (reason) => {
      controller.abort(reason);
    },
  };
}

/**
 * Runs one analysis job: validates its payload, loads its email, runs its
 * task's processor under the time limit and the cancel signal, and on failure
 * records the code and class, then lets the class's policy decide: retry with
 * its backoff, or stop (BullMQ's UnrecoverableError).
 */
export async function runTask(
  deps: RunTaskDeps,
  job: Job<unknown>,
  control: TaskControl = ownControl(),
): Promise<AnalysisResult> {
  try {
    const parsed = taskPayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new AppError('TASK_PAYLOAD_INVALID', `invalid task payload: ${parsed.error.message}`);
    }
    const payload = parsed.data;
    const result = await runProcessor(deps, job, payload, control);
    // Only a top-level job has a record; a flow's children count through their parent.
    if (payload.job_id === job.id) {
      await recordJobCompletion(deps, {
        jobId: payload.job_id,
        batchId: payload.batch_id,
        result,
        ttlMs: deps.config.retention.resultTtlMs,
      });
    }
    return result;
  } catch (err) {
    const error = coerceError(err);
    const failureClass = classifyFailure(error);
    const code: ErrorCode = isAppError(error) ? error.code : 'TASK_FAILED';
    if (job.id) {
      await recordJobError(
        deps,
        job.id,
        { code, message: error.message, class: failureClass },
        deps.config.retention.resultTtlMs,
      );
    }
    if (!shouldRetry(deps.config.retry[failureClass], job.attemptsMade + 1)) {
      throw new UnrecoverableError(error.message);
    }
    throw new ClassifiedError(error, failureClass);
  }
}

async function runProcessor(
  deps: RunTaskDeps,
  job: Job<unknown>,
  payload: TaskPayload,
  control: TaskControl,
): Promise<AnalysisResult> {
  const email = await deps.blobs.get(payload.email_ref);
  if (!email) {
    throw new AppError('TASK_EMAIL_EXPIRED', `email ${payload.email_ref} is no longer stored`);
  }
  const limitMs = taskTimeLimitMs(payload.task, deps.config.taskTimeLimitMs);
  // Cleared when the task ends (AbortSignal.timeout's timer would outlive every job by its
  // whole time limit).
  const timer = setTimeout(() => {
    control.abort(TIME_LIMIT_REASON);
  }, limitMs);
  const { signal } = control;
  try {
    return await deps.processors[payload.task]({
      payload,
      email,
      config: deps.config,
      ports: deps.indicators
        ? { ...deps.ports, indicators: await deps.indicators.get() }
        : deps.ports,
      signal,
      reportProgress: (percent) => job.updateProgress(percent),
      children: async () => {
        // Cleared before the parts are read: a part completing from now on marks it again.
        await clearStaleParent(deps, payload.job_id);
        return {
          results: Object.values(await job.getChildrenValues<AnalysisResult>()),
          failed: byTask(await job.getIgnoredChildrenFailures(), payload.job_id),
        };
      },
    });
  } catch (err) {
    if (!signal.aborted) throw err;
    // A cancellation that came after the time limit finds the signal already aborted: the
    // record says whether the job was cancelled too, and a cancellation wins.
    if (signal.reason !== TIME_LIMIT_REASON || (await wasCancelled(deps, payload.job_id))) {
      throw new AppError('TASK_CANCELLED', `${payload.task} was cancelled`, { cause: err });
    }
    throw new AppError(
      'TASK_TIME_LIMIT_EXCEEDED',
      `${payload.task} exceeded its time limit of ${limitMs} ms`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** BullMQ names a failed child by its key (`{prefix}:{lane}:{job_id}-{task}`); people know its task. */
function byTask(failures: Record<string, string>, jobId: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(failures).map(([key, reason]) => {
      const id = key.slice(key.lastIndexOf(':') + 1);
      return [id.startsWith(`${jobId}-`) ? id.slice(jobId.length + 1) : id, reason];
    }),
  );
}

async function wasCancelled(deps: RecordDeps, jobId: string): Promise<boolean> {
  return (await readJobRecord(deps, jobId))?.cancelled_at !== undefined;
}
