/**
 * A part of a comprehensive flow replayed from the dead-letter queue finishes after its parent
 * has given the job's verdict without it. The parent then runs again, so the verdict takes in
 * what the part found; BullMQ has already put the part's result among the parent's and taken
 * its failure away.
 *
 * A part that finishes after the parent's last run began marks the parent stale; a run clears
 * the mark just before it reads its parts (`clearStaleParent`). A stale parent that is completed
 * runs again once no part is still running: now if the part finds it completed, or when the
 * run under way completes (`rerunIfStale` on the parent's own completion). A replayed part that
 * fails again counts too, so the parts that did complete are not left out. So parts replayed
 * together are all taken in, however their completions fall around the parent's runs. The batch
 * takes back the verdict the parent had counted: the new run counts its own. Start and finish
 * times come from the workers' clocks, which must agree to well within the time between a
 * failure and its replay.
 */
import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AnalysisResult } from '../contracts/analysis-result.ts';
import { taskPayloadSchema } from '../contracts/queues.ts';
import { recordBatchOutcome, topLevelBatch } from '../jobs/batches.ts';
import { keys } from '../jobs/keys.ts';
import type { Queues } from '../jobs/queues.ts';
import { TASKS } from '../jobs/task-table.ts';

export interface FlowRerunDeps {
  redis: Redis;
  queues: Queues;
  prefix: string;
  ttlMs: number;
}

/**
 * Marks the parent stale when this part finished (completed, or failed for good) after the
 * parent's last run began.
 */
export async function onPartFinished(deps: FlowRerunDeps, part: Job): Promise<void> {
  const parentId = part.parent?.id;
  if (parentId === undefined || !part.finishedOn) return;
  const parent = await Job.fromId(deps.queues[TASKS.comprehensive_analysis.lane], parentId);
  // A first run starts after its last part finished; a parent not started yet reads every part.
  // This ends the common case, a part of a first run, at one read.
  if (!parent?.processedOn || parent.processedOn >= part.finishedOn) return;
  // A failed attempt that will be retried has not finished.
  const state = await part.getState();
  if (state !== 'completed' && state !== 'failed') return;
  await deps.redis.set(keys(deps.prefix).flowStale(parentId), '1', 'PX', deps.ttlMs);
  await rerunIfStale(deps, parent);
}

/** Runs a completed parent again when a part completed after its last run began. */
export async function rerunIfStale(deps: FlowRerunDeps, parent: Job): Promise<void> {
  if (parent.id === undefined) return;
  if ((await deps.redis.exists(keys(deps.prefix).flowStale(parent.id))) === 0) return;
  if ((await parent.getState()) !== 'completed') return; // its run under way comes back here
  // A part replayed with this one and still running finishes later and comes back here.
  const { unprocessed = 0 } = await parent.getDependenciesCount({ unprocessed: true });
  if (unprocessed > 0) return;
  // A completed parent's return value is its AnalysisResult.
  const counted = (parent.returnvalue as AnalysisResult | null)?.verdict;
  try {
    await parent.retry('completed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  } catch {
    return; // rerun already, by the part or by the parent's completion
  }
  const payload = taskPayloadSchema.safeParse(parent.data);
  const batchId = payload.success ? topLevelBatch(parent.id, payload.data) : undefined;
  if (batchId && counted) await recordBatchOutcome(deps, batchId, counted, -1);
}

/** A parent about to read its parts is no longer stale. */
export async function clearStaleParent(
  deps: { redis: Redis; prefix: string },
  parentId: string,
): Promise<void> {
  await deps.redis.del(keys(deps.prefix).flowStale(parentId));
}
