import { UnrecoverableError, type Job } from 'bullmq';
import type { AnalysisResult } from '../contracts/analysis-result.ts';
import type { ErrorCode } from '../contracts/error-codes.ts';
import { taskPayloadSchema } from '../contracts/queues.ts';
import type { Config } from '../config/config.ts';
import type { EnginePorts } from '../engine/types.ts';
import { BlobStore } from '../jobs/blob-store.ts';
import { recordJobError, type JobsDeps } from '../jobs/jobs.ts';
import { taskTimeLimitMs } from '../jobs/task-table.ts';
import { AppError, coerceError, isAppError } from '../lib/errors.ts';
import { PROCESSORS } from './processors/index.ts';

export interface RunTaskDeps extends Pick<JobsDeps, 'redis' | 'prefix'> {
  blobs: BlobStore;
  config: Config;
  ports: EnginePorts;
}

/** Failures that no retry can mend: BullMQ is told not to try again. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set([
  'TASK_NOT_IMPLEMENTED',
  'TASK_PAYLOAD_INVALID',
  'TASK_EMAIL_EXPIRED',
]);

/**
 * Runs one analysis job: validates its payload, loads its email, runs its task's
 * processor under the time limit, and records the code of any failure.
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
    const email = await deps.blobs.get(payload.email_ref);
    if (!email) {
      throw new AppError('TASK_EMAIL_EXPIRED', `email ${payload.email_ref} is no longer stored`);
    }
    const limitMs = taskTimeLimitMs(payload.task, deps.config.taskTimeLimitMs);
    const timeLimit = AbortSignal.timeout(limitMs);
    const signal = cancelSignal ? AbortSignal.any([cancelSignal, timeLimit]) : timeLimit;
    try {
      return await PROCESSORS[payload.task]({
        payload,
        email,
        config: deps.config,
        ports: deps.ports,
        signal,
        reportProgress: (percent) => job.updateProgress(percent),
      });
    } catch (err) {
      if (timeLimit.aborted) {
        throw new AppError(
          'TASK_TIME_LIMIT_EXCEEDED',
          `${payload.task} exceeded its time limit of ${limitMs} ms`,
          { cause: err },
        );
      }
      throw err;
    }
  } catch (err) {
    const error = coerceError(err);
    const code: ErrorCode = isAppError(error) ? error.code : 'ENGINE_FAILED';
    if (job.id) await recordJobError(deps, job.id, { code, message: error.message });
    if (PERMANENT.has(code)) throw new UnrecoverableError(error.message);
    throw error;
  }
}
