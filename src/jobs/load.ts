/**
 * The realtime lane's load, as routing needs it: how many jobs wait there and how long the
 * oldest has waited. Two pipelined round trips, and cached, so a burst of submissions (or
 * a bulk of thousands) reads it once per cache period.
 */
import type { Redis } from 'ioredis';
import type { Queues } from './queues.ts';
import { BULLMQ_PRIORITY, type LoadSnapshot } from './routing.ts';

/** BullMQ scores a prioritized job `priority × 2^32 + counter`: FIFO within a priority. */
const PRIORITY_SCORE_STEP = 0x100000000;

export interface LoadProbe {
  /** The cached snapshot, or a fresh one once it is older than the cache period; null if Redis could not be read. */
  read(): Promise<LoadSnapshot | null>;
}

/**
 * Reads realtime's waiting jobs and the oldest one's age. Prioritized jobs are ordered by
 * priority, then age, so the oldest is among the first of each priority value: one ZRANGE
 * per value (urgent … low, which aging can lift one by one), and one timestamp per head.
 */
export async function readRealtimeLoad(
  redis: Redis,
  queues: Queues,
  now = Date.now(),
): Promise<LoadSnapshot> {
  const queue = queues.realtime;
  const prioritized = queue.toKey('prioritized');
  const pipeline = redis.pipeline().llen(queue.toKey('wait')).zcard(prioritized);
  // The wait list is LPUSHed, so its oldest job is the last.
  pipeline.lindex(queue.toKey('wait'), -1);
  for (let priority: number = BULLMQ_PRIORITY.urgent; priority <= BULLMQ_PRIORITY.low; priority++) {
    const from = priority * PRIORITY_SCORE_STEP;
    pipeline.zrangebyscore(prioritized, from, `(${from + PRIORITY_SCORE_STEP}`, 'LIMIT', 0, 1);
  }
  const replies = (await pipeline.exec()) ?? [];
  const values = replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
  const [waiting, prioritizedCount, oldestWaiting, ...heads] = values as [
    number,
    number,
    string | null,
    ...string[][],
  ];
  const ids = [...(oldestWaiting ? [oldestWaiting] : []), ...heads.flat()];
  let oldestMs: number | null = null;
  if (ids.length > 0) {
    const stamps = redis.pipeline();
    for (const id of ids) stamps.hget(queue.toKey(id), 'timestamp');
    for (const [err, value] of (await stamps.exec()) ?? []) {
      const timestamp = err ? NaN : Number(value);
      if (Number.isFinite(timestamp) && timestamp > 0) {
        oldestMs = oldestMs === null ? timestamp : Math.min(oldestMs, timestamp);
      }
    }
  }
  return {
    realtimeBacklog: waiting + prioritizedCount,
    realtimeOldestWaitSeconds: oldestMs === null ? null : Math.max(0, (now - oldestMs) / 1_000),
  };
}

/** Shares one read among concurrent callers and reuses it for `cacheMs`. */
export function createLoadProbe(
  read: () => Promise<LoadSnapshot>,
  cacheMs: number,
  now: () => number = Date.now,
): LoadProbe {
  let cached: { snapshot: LoadSnapshot | null; at: number } | undefined;
  let reading: Promise<LoadSnapshot | null> | undefined;
  return {
    read() {
      if (cached && now() - cached.at < cacheMs) return Promise.resolve(cached.snapshot);
      reading ??= read()
        // Routing without the load is still routing: a failed read spills nothing.
        .catch(() => null)
        .then((snapshot) => {
          cached = { snapshot, at: now() };
          return snapshot;
        })
        .finally(() => {
          reading = undefined;
        });
      return reading;
    },
  };
}
