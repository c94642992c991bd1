import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AnalysisResult } from '../contracts/analysis-result.ts';
import { taskPayloadSchema } from '../contracts/queues.ts';
import { recordBatchOutcome, topLevelBatch } from '../jobs/batches.ts';
import type { Queues } from '../jobs/queues.ts';
import { TASKS } from '../jobs/task-table.ts';

/**
 * A child of a comprehensive flow that completes after its parent did (a dead letter replayed
 * once its cause was fixed) runs the parent again, so the job's verdict takes in what the child
 * found instead of saying the part failed. BullMQ has already put the child's result among the
 * parent's and taken its failure away. The parent's batch takes back the verdict it counted:
 * the new run counts its own. Of two children finishing at once, one reruns the parent; the
 * other's retry is refused, the parent being no longer completed, and the rerun reads both.
 * Finishing times come from the workers' clocks: hosts must agree on the time to well within
 * the time between a failure and its replay.
 */
export async function rerunCompletedParent(
  deps: { redis: Redis; queues: Queues; prefix: string },
  child: Job,
): Promise<void> {
  const parentId = child.parent?.id;
  if (parentId === undefined) return;
  const parent = await Job.fromId<unknown, AnalysisResult | null>(
    deps.queues[TASKS.comprehensive_analysis.lane],
    parentId,
  );
  // The last child of a first run also finds its parent completed when the parent ran fast:
  // only a parent that finished before this child did has not seen it.
  if (!parent?.finishedOn || !child.finishedOn || parent.finishedOn >= child.finishedOn) return;
  if ((await parent.getState()) !== 'completed') return;
  const counted = parent.returnvalue?.verdict;
  try {
    await parent.retry('completed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  } catch {
    return; // another child's completion reran it first
  }
  const payload = taskPayloadSchema.safeParse(parent.data);
  const batchId = payload.success ? topLevelBatch(parentId, payload.data) : undefined;
  if (batchId && counted) await recordBatchOutcome(deps, batchId, counted, -1);
}
