import { Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { LANES, WORK_LANES, type Lane, type WorkLane } from '../contracts/queues.ts';
import type { LaneDepth } from '../contracts/ws.ts';

export interface RetentionOptions {
  resultTtlMs: number;
  keepCompleted: number;
  keepFailed: number;
}

export type Queues = Record<Lane, Queue>;

/** One BullMQ queue per lane, under one prefix, with bounded retention of finished jobs. */
export function createQueues(
  connection: Redis,
  prefix: string,
  retention: RetentionOptions,
): Queues {
  const ageSeconds = Math.ceil(retention.resultTtlMs / 1_000);
  const entries = LANES.map((lane) => [
    lane,
    new Queue(lane, {
      connection,
      prefix,
      defaultJobOptions: {
        removeOnComplete: { age: ageSeconds, count: retention.keepCompleted },
        removeOnFail: { age: ageSeconds, count: retention.keepFailed },
      },
      streams: { events: { maxLen: 10_000 } },
    }),
  ]);
  return Object.fromEntries(entries) as Queues;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue) => queue.close()));
}

/** QueueEvents read Redis streams with blocking calls, so each gets its own connection. */
export function createQueueEvents(
  connection: ConnectionOptions,
  prefix: string,
  lanes: readonly WorkLane[] = WORK_LANES,
): Record<WorkLane, QueueEvents> {
  return Object.fromEntries(
    lanes.map((lane) => {
      const events = new QueueEvents(lane, { connection, prefix });
      // They reconnect by themselves; /readyz reports Redis being away.
      events.on('error', () => undefined);
      return [lane, events];
    }),
  ) as Record<WorkLane, QueueEvents>;
}

const EVENTS_CLOSE_TIMEOUT_MS = 2_000;

/**
 * Closes QueueEvents, giving up after a bound: BullMQ's close can wait for a
 * connection that is still reconnecting to a Redis that went away.
 */
export async function closeQueueEvents(events: Record<string, QueueEvents>): Promise<void> {
  await Promise.all(
    Object.values(events).map((queueEvents) =>
      Promise.race([
        queueEvents.close(),
        new Promise<void>((resolve) => setTimeout(resolve, EVENTS_CLOSE_TIMEOUT_MS).unref()),
      ]),
    ),
  );
}

/** Waiting work counts prioritized and delayed jobs too: BullMQ keeps them outside the wait list. */
export async function laneDepths(queues: Queues): Promise<Record<WorkLane, LaneDepth>> {
  const depths = await Promise.all(
    WORK_LANES.map(async (lane) => {
      const counts = await queues[lane].getJobCounts(
        'waiting',
        'prioritized',
        'delayed',
        'active',
        'completed',
        'failed',
      );
      const depth: LaneDepth = {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        completed: counts.completed ?? 0,
        failed: counts.failed ?? 0,
      };
      return [lane, depth] as const;
    }),
  );
  return Object.fromEntries(depths) as Record<WorkLane, LaneDepth>;
}
