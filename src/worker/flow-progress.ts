import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { taskPayloadSchema } from '../contracts/queues.ts';
import { keys } from '../jobs/keys.ts';
import type { Queues } from '../jobs/queues.ts';
import { COMPREHENSIVE_CHILDREN, TASKS } from '../jobs/task-table.ts';

/** Share of a comprehensive analysis's progress its children account for; aggregation is the rest. */
const CHILDREN_SHARE = 90;

/**
 * When a child of a comprehensive flow finishes, its parent's progress moves.
 * A set of finished children keeps a redelivered child from counting twice.
 */
export async function advanceParentProgress(
  deps: { redis: Redis; queues: Queues; prefix: string; ttlMs: number },
  child: Job,
): Promise<void> {
  const parentId = child.parent?.id;
  if (parentId === undefined || child.id === undefined) return;
  const payload = taskPayloadSchema.safeParse(child.data);
  if (!payload.success) return;
  const doneKey = keys(deps.prefix).flowDone(payload.data.job_id);
  await deps.redis.multi().sadd(doneKey, child.id).pexpire(doneKey, deps.ttlMs).exec();
  const done = await deps.redis.scard(doneKey);
  const share = Math.round((done / COMPREHENSIVE_CHILDREN.length) * CHILDREN_SHARE);
  const parent = await Job.fromId(deps.queues[TASKS.comprehensive_analysis.lane], parentId);
  await parent?.updateProgress(Math.min(CHILDREN_SHARE, share));
}
