import type { Job } from 'bullmq';
import { taskPayloadSchema, workLaneSchema } from '../contracts/queues.ts';
import type { DeadLetterQueue } from '../jobs/dead-letters.ts';
import { topLevelBatch } from './run-task.ts';
import { recordBatchOutcome } from '../jobs/batches.ts';
import { classifyFailure } from '../jobs/failures.ts';
import {
  readJobError,
  readJobRecord,
  recordJobError,
  type RecordDeps,
} from '../jobs/job-record.ts';

/**
 * Moves a job that failed for good into the dead-letter queue, with what is
 * needed to understand and replay it. Cancelled jobs are not dead: they were
 * stopped on purpose. Runs on BullMQ's `failed` event, so failures that never
 * reached the processor (a job stalled too often) are caught too.
 */
export async function buryJob(
  deps: RecordDeps & { deadLetters: DeadLetterQueue },
  job: Job,
  err: Error,
): Promise<void> {
  const payload = taskPayloadSchema.safeParse(job.data);
  const lane = workLaneSchema.safeParse(job.queueName);
  if (!job.id || !payload.success || !lane.success || (await job.getState()) !== 'failed') return;
  const apiRecord = await readJobRecord(deps, payload.data.job_id);
  if (apiRecord?.cancelled_at) return;
  const recorded = await readJobError(deps, job.id);
  // No recorded error: the processor never saw it fail (a job that stalled too often).
  const error = recorded ?? {
    code: 'TASK_FAILED',
    message: err.message,
    class: classifyFailure(err),
  };
  if (!recorded) await recordJobError(deps, job.id, error);
  const batchId = topLevelBatch(job);
  if (batchId) await recordBatchOutcome(deps, batchId, 'failed');
  await deps.deadLetters.add({
    task_id: job.id,
    job_id: payload.data.job_id,
    lane: lane.data,
    task: payload.data.task,
    email_ref: payload.data.email_ref,
    error: { ...error, stack: job.stacktrace?.at(-1) ?? err.stack ?? null },
    attempts: job.attemptsMade,
    submitted_at: payload.data.submitted_at,
    failed_at: new Date(job.finishedOn ?? Date.now()).toISOString(),
    replays: apiRecord?.replays ?? 0,
    payload: payload.data,
  });
}
