import type { DlqFilter } from '../contracts/dlq.ts';
import { recordBatchOutcome, topLevelBatch } from './batches.ts';
import type { StoredDeadLetter } from './dead-letters.ts';
import { markReplayed, unmarkReplayed } from './job-record.ts';
import { CLASSIFIED_BACKOFF, withRedis, type JobsDeps } from './jobs.ts';

/**
 * Returns a dead letter's job to its lane with fresh attempts, under its own
 * id, so the API's job_id keeps working and its status follows the new run.
 * `take` hands an entry to one caller only, so racing replays enqueue it once.
 * Its batch takes back the failure its burial counted: the new run counts again.
 * A replay that cannot queue the job (Redis failing midway) puts everything back:
 * the entry, its burial and its batch's count, so a failed replay loses nothing.
 */
export async function replayDeadLetter(
  deps: JobsDeps,
  taskId: string,
): Promise<StoredDeadLetter | null> {
  return withRedis(async () => {
    const entry = await deps.deadLetters.take(taskId);
    if (!entry) return null;
    const batchId = topLevelBatch(entry.task_id, entry.payload);
    // Before the job runs again: a new failure must find it unburied, and counts anew.
    await markReplayed(deps, entry);
    if (batchId) await recordBatchOutcome(deps, batchId, 'failed', -1);
    try {
      await requeue(deps, entry);
    } catch (err) {
      await deps.deadLetters.add(entry);
      await unmarkReplayed(deps, entry);
      if (batchId) await recordBatchOutcome(deps, batchId, 'failed');
      throw err;
    }
    return entry;
  });
}

/** Retries the failed BullMQ job, or adds it afresh once its failed run has passed retention. */
async function requeue(deps: JobsDeps, entry: StoredDeadLetter): Promise<void> {
  const queue = deps.queues[entry.lane];
  const failed = await queue.getJob(entry.task_id);
  if (failed && (await failed.getState()) === 'failed') {
    await failed.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return;
  }
  await failed?.remove().catch(() => undefined);
  await queue.add(entry.task, entry.payload, {
    jobId: entry.task_id,
    priority: entry.payload.routing.bullmq_priority,
    attempts: deps.attempts,
    backoff: { type: CLASSIFIED_BACKOFF },
  });
}

export async function replayAllDeadLetters(deps: JobsDeps, filter: DlqFilter): Promise<number> {
  const entries = await withRedis(() => deps.deadLetters.matching(filter));
  let replayed = 0;
  for (const entry of entries) if (await replayDeadLetter(deps, entry.task_id)) replayed += 1;
  return replayed;
}
