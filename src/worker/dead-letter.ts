import type { Job } from 'bullmq';
import { taskPayloadSchema, workLaneSchema } from '../contracts/queues.ts';
import type { DeadLetterQueue } from '../jobs/dead-letters.ts';
import { WORK_LANES } from '../contracts/queues.ts';
import type { Queues } from '../jobs/queues.ts';
import { recordBatchOutcome, topLevelBatch } from '../jobs/batches.ts';
import { classifyFailure } from '../jobs/failures.ts';
import {
  claimBurial,
  readJobError,
  readJobRecord,
  recordJobError,
  type RecordDeps,
} from '../jobs/job-record.ts';

export interface BuryDeps extends RecordDeps {
  deadLetters: DeadLetterQueue;
  ttlMs: number;
}

/**
 * Moves a job that failed for good into the dead-letter queue, with what is
 * needed to understand and replay it, once (see claimBurial). Cancelled jobs are
 * not dead: they were stopped on purpose. Runs on the worker's `failed` event,
 * and from the periodic reconciliation for failures no worker saw.
 */
export async function buryJob(deps: BuryDeps, job: Job, err: Error): Promise<void> {
  const payload = taskPayloadSchema.safeParse(job.data);
  const lane = workLaneSchema.safeParse(job.queueName);
  if (!job.id || !payload.success || !lane.success || (await job.getState()) !== 'failed') return;
  const apiRecord = await readJobRecord(deps, payload.data.job_id);
  if (apiRecord?.cancelled_at || !(await claimBurial(deps, job.id))) return;
  const recorded = await readJobError(deps, job.id);
  // No recorded error: the processor never saw it fail (a job that stalled too often).
  const error = recorded ?? {
    code: 'TASK_FAILED',
    message: err.message,
    class: classifyFailure(err),
  };
  if (!recorded) await recordJobError(deps, job.id, error, deps.ttlMs);
  const batchId = topLevelBatch(job.id, payload.data);
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

/** Failed jobs looked at per lane and pass; older ones were seen by earlier passes. */
const RECONCILE_BATCH = 500;

/**
 * The periodic pass (monitoring lane): buries failed jobs that no worker buried
 * (BullMQ fails a job that stalled too often without a worker event). Trimming the
 * dead-letter queue by age and count is `dlq_retention`'s (see retention.ts).
 */
export async function reconcileDeadLetters(deps: BuryDeps, queues: Queues): Promise<number> {
  let buried = 0;
  for (const lane of WORK_LANES) {
    for (const job of await queues[lane].getFailed(0, RECONCILE_BATCH - 1)) {
      const before = await deps.deadLetters.has(job.id ?? '');
      await buryJob(deps, job, new Error(job.failedReason));
      if (!before && (await deps.deadLetters.has(job.id ?? ''))) buried += 1;
    }
  }
  return buried;
}
