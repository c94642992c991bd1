import type { DlqFilter } from '../contracts/dlq.ts';
import { recordBatchOutcome, topLevelBatch } from './batches.ts';
import type { StoredDeadLetter } from './dead-letters.ts';
import { markReplayed } from './job-record.ts';
import { CLASSIFIED_BACKOFF, withRedis, type JobsDeps } from './jobs.ts';

/**
 * Returns a dead letter's job to its lane with fresh attempts, under its own
 * id, so the API's job_id keeps working and its status follows the new run.
 * `take` hands an entry to one caller only, so racing replays enqueue it once.
 * Its batch takes back the failure its burial counted: the new run counts again.
 */
export async function replayDeadLetter(
  deps: JobsDeps,
  taskId: string,
): Promise<StoredDeadLetter | null> {
  return withRedis(async () => {
    const entry = await deps.deadLetters.take(taskId);
    if (!entry) return null;
    await markReplayed(deps, entry.payload.job_id);
    const batchId = topLevelBatch(entry.task_id, entry.payload);
    if (batchId) await recordBatchOutcome(deps, batchId, 'failed', -1);
    const queue = deps.queues[entry.lane];
    const failed = await queue.getJob(taskId);
    if (failed && (await failed.getState()) === 'failed') {
      await failed.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    } else {
      // Its failed run has passed retention: it runs again from the stored payload.
      await failed?.remove().catch(() => undefined);
      await queue.add(entry.task, entry.payload, {
        jobId: taskId,
        priority: entry.payload.routing.bullmq_priority,
        attempts: deps.attempts,
        backoff: { type: CLASSIFIED_BACKOFF },
      });
    }
    return entry;
  });
}

export async function replayAllDeadLetters(deps: JobsDeps, filter: DlqFilter): Promise<number> {
  const entries = await withRedis(() => deps.deadLetters.matching(filter));
  let replayed = 0;
  for (const entry of entries) if (await replayDeadLetter(deps, entry.task_id)) replayed += 1;
  return replayed;
}
