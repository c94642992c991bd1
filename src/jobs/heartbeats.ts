/**
 * Worker heartbeats in Redis (see docs/redis-keys.md):
 *   {prefix}:worker:{id}  HASH, the fields of `Heartbeat` (lanes comma-separated);
 *                         TTL = 3 intervals (when it turns dead) + the dead retention
 *   {prefix}:workers      ZSET id → last heartbeat (ms); a member whose hash has
 *                         expired is dropped by the next reader
 * State is decided when read, from the worker's own interval, so API instances
 * and workers with different settings agree.
 */
import type { Redis } from 'ioredis';
import {
  heartbeatSchema,
  WORKER_STATES,
  type Heartbeat,
  type WorkerState,
  type WorkerStatus,
} from '../contracts/workers.ts';
import { keys } from './keys.ts';

/** A worker is dead when it has missed this many heartbeats. */
export const DEAD_AFTER_INTERVALS = 3;

export async function publishHeartbeat(
  redis: Redis,
  prefix: string,
  heartbeat: Heartbeat,
  deadRetentionMs: number,
): Promise<void> {
  const k = keys(prefix);
  const ttlMs = DEAD_AFTER_INTERVALS * heartbeat.heartbeat_interval_ms + deadRetentionMs;
  const fields: Record<string, string> = {};
  for (const [field, value] of Object.entries(heartbeat)) {
    fields[field] = Array.isArray(value) ? value.join(',') : String(value);
  }
  await redis
    .multi()
    .hset(k.worker(heartbeat.id), fields)
    .pexpire(k.worker(heartbeat.id), ttlMs)
    .zadd(k.workers(), Date.parse(heartbeat.last_seen), heartbeat.id)
    .exec();
}

/** A worker that stops cleanly leaves the list: it is not dead, it is gone. */
export async function removeHeartbeat(redis: Redis, prefix: string, id: string): Promise<void> {
  const k = keys(prefix);
  await redis.multi().del(k.worker(id)).zrem(k.workers(), id).exec();
}

export function workerState(heartbeat: Heartbeat, now: number): WorkerState {
  const ageMs = now - Date.parse(heartbeat.last_seen);
  if (ageMs > DEAD_AFTER_INTERVALS * heartbeat.heartbeat_interval_ms) return 'dead';
  return heartbeat.active_jobs > 0 ? 'busy' : 'alive';
}

function parseHeartbeat(fields: Record<string, string>): Heartbeat | null {
  const numeric = [
    'pid',
    'concurrency',
    'capacity',
    'active_jobs',
    'processed',
    'failed',
    'memory_rss_bytes',
    'uptime_seconds',
    'heartbeat_interval_ms',
  ];
  const candidate: Record<string, unknown> = { ...fields };
  for (const field of numeric) candidate[field] = Number(fields[field]);
  candidate.lanes = fields.lanes ? fields.lanes.split(',') : [];
  const parsed = heartbeatSchema.safeParse(candidate);
  return parsed.success ? parsed.data : null;
}

/** Every listed worker with its state, newest heartbeat first. */
export async function listWorkers(
  redis: Redis,
  prefix: string,
  now = Date.now(),
): Promise<WorkerStatus[]> {
  const k = keys(prefix);
  const ids = await redis.zrevrange(k.workers(), 0, -1);
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hgetall(k.worker(id));
  const replies = (await pipeline.exec()) ?? [];
  const workers: WorkerStatus[] = [];
  const gone: string[] = [];
  ids.forEach((id, i) => {
    const [err, fields] = replies[i] ?? [null, {}];
    if (err) throw err;
    const heartbeat = parseHeartbeat(fields as Record<string, string>);
    if (!heartbeat) {
      gone.push(id);
      return;
    }
    workers.push({
      ...heartbeat,
      state: workerState(heartbeat, now),
      last_seen_seconds_ago: Math.max(0, (now - Date.parse(heartbeat.last_seen)) / 1_000),
    });
  });
  // The hash expired: the worker has been dead for longer than the retention.
  if (gone.length > 0) await redis.zrem(k.workers(), ...gone);
  return workers;
}

export function countWorkerStates(workers: readonly WorkerStatus[]): Record<WorkerState, number> {
  const counts = Object.fromEntries(WORKER_STATES.map((state) => [state, 0])) as Record<
    WorkerState,
    number
  >;
  for (const worker of workers) counts[worker.state] += 1;
  return counts;
}
