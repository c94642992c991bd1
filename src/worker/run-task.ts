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
import { recordBatchOutcome } from '../jobs/batches.ts';
import { classifyFailure } from '../jobs/failures.ts';
import { recordJobError, recordJobVerdict, type RecordDeps } from '../jobs/job-record.ts';
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
 * Runs one analysis job: validates its payload, loads its email, runs its
 * task's processor under the time limit and the cancel signal, and on failure
 * records the code and class, then lets the class's policy decide: retry with
 * its backoff, or stop (BullMQ's UnrecoverableError).
 */
export async function runTask(
  deps: RunTaskDeps,
  job: Job<unknown>,
  cancelSignal?: AbortSignal,
): Promise<AnalysisResult> {
  try {
    const parsed = taskPayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new AppError('TASK_PAYLOAD_INVALID', `invalid task payload: ${parsed.error.message}`);
    }
    const payload = parsed.data;
    const result = await runProcessor(deps, job, payload, cancelSignal);
    // Only a top-level job has a record and counts in its batch; a flow's children count
    // through their parent. Both writes are in flight together: one round trip.
    if (payload.job_id === job.id) {
      await Promise.all([
        recordJobVerdict(deps, payload.job_id, result, deps.config.retention.resultTtlMs),
        payload.batch_id ? recordBatchOutcome(deps, payload.batch_id, result.verdict) : undefined,
      ]);
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

/** The API's own job, not a flow's child (whose job id is its parent's plus the task). */
/** The batch a top-level job belongs to; a flow's children are counted through their parent. */
export function topLevelBatch(job: Job<unknown>): string | undefined {
  const payload = taskPayloadSchema.safeParse(job.data);
  return payload.success && payload.data.job_id === job.id ? payload.data.batch_id : undefined;
}

async function runProcessor(
  deps: RunTaskDeps,
  job: Job<unknown>,
  payload: TaskPayload,
  cancelSignal: AbortSignal | undefined,
): Promise<AnalysisResult> {
  const email = await deps.blobs.get(payload.email_ref);
  if (!email) {
    throw new AppError('TASK_EMAIL_EXPIRED', `email ${payload.email_ref} is no longer stored`);
  }
  const limitMs = taskTimeLimitMs(payload.task, deps.config.taskTimeLimitMs);
  // One controller and one timer, cleared when the task ends (AbortSignal.timeout's timer
  // would outlive every job by its whole time limit).
  const controller = new AbortController();
  const limit = { reached: false };
  const timer = setTimeout(() => {
    limit.reached = true;
    controller.abort(new DOMException('the task exceeded its time limit', 'TimeoutError'));
  }, limitMs);
  const onCancel = (): void => {
    controller.abort(cancelSignal?.reason);
  };
  if (cancelSignal?.aborted) onCancel();
  else cancelSignal?.addEventListener('abort', onCancel, { once: true });
  const signal = controller.signal;
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
      children: async () => ({
        results: Object.values(await job.getChildrenValues<AnalysisResult>()),
        failed: await job.getIgnoredChildrenFailures(),
      }),
    });
  } catch (err) {
    if (cancelSignal?.aborted) {
      throw new AppError('TASK_CANCELLED', `${payload.task} was cancelled`, { cause: err });
    }
    if (limit.reached) {
      throw new AppError(
        'TASK_TIME_LIMIT_EXCEEDED',
        `${payload.task} exceeded its time limit of ${limitMs} ms`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    clearTimeout(timer);
    cancelSignal?.removeEventListener('abort', onCancel);
  }
}
