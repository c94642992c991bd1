/**
 * Job statistics kept in Redis, so every API instance gives the same answer
 * and nothing is lost when one restarts.
 *
 * Workers add each finished job's outcome to an `OutcomeTally` and write it every
 * few hundred milliseconds: HINCRBYs on three hashes in one MULTI (see docs/redis-keys.md):
 *   {prefix}:stats:minute:{epochMinute}  25 h TTL: the 24 h window and per-minute charts
 *   {prefix}:stats:hour:{epochHour}      26 h TTL: so a 24 h sum reads ~25 hashes, not 1,440
 *   {prefix}:stats:totals                no TTL, bounded by tasks × classes × buckets: Prometheus counters
 * Fields of the minute and hour hashes:
 *   completed, failed, retried, finished_ms   analysis jobs (work lanes) only
 *   lane:{lane}:completed, lane:{lane}:failed every lane, monitoring included
 *   task:{task}:completed, task:{task}:failed, task:{task}:ms
 * Fields of the totals hash:
 *   task:{task}:completed, task:{task}:failed:{class}, task:{task}:ms, task:{task}:count,
 *   task:{task}:le:{bound}  (the smallest bucket bound the duration fits, or +Inf; not cumulative)
 * "Finished" means completed or failed for good; a failed attempt that will be
 * retried counts only in `retried`.
 */
import type { Redis } from 'ioredis';
import {
  FAILURE_CLASSES,
  LANES,
  WORK_LANES,
  type FailureClass,
  type Lane,
  type WorkLane,
} from '../contracts/queues.ts';
import {
  historySnapshotSchema,
  QUEUE_STATES,
  type History,
  type HistorySnapshot,
  type LaneState,
  type WorkerStats,
} from '../contracts/workers.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../lib/time.ts';
import { listWorkers } from './heartbeats.ts';
import { keys } from './keys.ts';
import type { Queues } from './queues.ts';

/** Upper bounds (seconds) of the job-duration histogram. */
export const DURATION_BUCKETS_SECONDS = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
] as const;

const MINUTE_TTL_MS = DAY_MS + HOUR_MS;
const HOUR_TTL_MS = DAY_MS + 2 * HOUR_MS;

export type JobOutcomeKind = 'completed' | 'failed' | 'retried';

export interface JobOutcome {
  lane: Lane;
  /** The task (or flow parent) the job ran; null for monitoring jobs. */
  task: string | null;
  outcome: JobOutcomeKind;
  durationMs: number;
  /** For failures: the class that decided its retries. */
  failureClass?: FailureClass;
  /** When it finished (ms since the epoch); now by default. */
  at?: number;
}

export function bucketBound(durationMs: number): string {
  const seconds = durationMs / 1_000;
  const bound = DURATION_BUCKETS_SECONDS.find((le) => seconds <= le);
  return bound === undefined ? '+Inf' : String(bound);
}

/** Outcomes alike in everything the counters tell apart: counted once, expanded when written. */
interface OutcomeGroup {
  epochMinute: number;
  lane: Lane;
  task: string | null;
  outcome: JobOutcomeKind;
  failureClass: FailureClass | undefined;
  /** The duration bucket, for finished analysis jobs; '' otherwise. */
  bound: string;
  count: number;
  durationMs: number;
}

/**
 * Outcomes added up in memory and written in one MULTI: a busy worker writes its
 * counters a few times a second instead of a dozen HINCRBYs per job. Adding one costs a
 * map lookup by a short key; the dozen counters it touches are worked out when written.
 */
export class OutcomeTally {
  private readonly keys: ReturnType<typeof keys>;
  private groups = new Map<string, OutcomeGroup>();

  constructor(prefix: string) {
    this.keys = keys(prefix);
  }

  get isEmpty(): boolean {
    return this.groups.size === 0;
  }

  add(outcome: JobOutcome): void {
    const epochMinute = Math.floor((outcome.at ?? Date.now()) / MINUTE_MS);
    const durationMs = Math.max(0, Math.round(outcome.durationMs));
    const isAnalysis = outcome.task !== null && outcome.lane !== 'monitoring';
    const bound = isAnalysis && outcome.outcome !== 'retried' ? bucketBound(durationMs) : '';
    const failureClass = outcome.outcome === 'failed' ? outcome.failureClass : undefined;
    const id = `${epochMinute}|${outcome.lane}|${outcome.task ?? ''}|${outcome.outcome}|${failureClass ?? ''}|${bound}`;
    const group = this.groups.get(id);
    if (group) {
      group.count += 1;
      group.durationMs += durationMs;
      return;
    }
    this.groups.set(id, {
      epochMinute,
      lane: outcome.lane,
      task: outcome.task,
      outcome: outcome.outcome,
      failureClass,
      bound,
      count: 1,
      durationMs,
    });
  }

  /** Writes what was added since the last write, and starts again from nothing. */
  async write(redis: Redis): Promise<void> {
    if (this.isEmpty) return;
    const groups = this.groups;
    this.groups = new Map();
    /** Hash key → field → increment. */
    const increments = new Map<string, Map<string, number>>();
    /** Windowed hash key → its TTL. */
    const expiries = new Map<string, number>();
    const increment = (key: string, field: string, by: number): void => {
      let fields = increments.get(key);
      if (!fields) {
        fields = new Map();
        increments.set(key, fields);
      }
      fields.set(field, (fields.get(field) ?? 0) + by);
    };
    const totalsKey = this.keys.statsTotals();
    for (const group of groups.values()) {
      const minuteKey = this.keys.statsMinute(group.epochMinute);
      const hourKey = this.keys.statsHour(Math.floor((group.epochMinute * MINUTE_MS) / HOUR_MS));
      const { count, durationMs } = group;
      const windowed = (field: string, by: number): void => {
        increment(minuteKey, field, by);
        increment(hourKey, field, by);
      };
      const finished = group.outcome !== 'retried';
      if (finished) windowed(`lane:${group.lane}:${group.outcome}`, count);
      if (group.task !== null && group.lane !== 'monitoring') {
        const task = group.task;
        windowed(group.outcome, count);
        if (finished) {
          windowed('finished_ms', durationMs);
          windowed(`task:${task}:${group.outcome}`, count);
          windowed(`task:${task}:ms`, durationMs);
          increment(totalsKey, `task:${task}:ms`, durationMs);
          increment(totalsKey, `task:${task}:count`, count);
          increment(totalsKey, `task:${task}:le:${group.bound}`, count);
          if (group.outcome === 'completed') increment(totalsKey, `task:${task}:completed`, count);
          else {
            increment(totalsKey, `task:${task}:failed:${group.failureClass ?? 'temporary'}`, count);
          }
        }
      }
      expiries.set(minuteKey, MINUTE_TTL_MS);
      expiries.set(hourKey, HOUR_TTL_MS);
    }
    const multi = redis.multi();
    for (const [key, fields] of increments) {
      for (const [field, by] of fields) multi.hincrby(key, field, by);
    }
    for (const [key, ttlMs] of expiries) multi.pexpire(key, ttlMs);
    await multi.exec();
  }
}

/** Records one finished (or retried) job in the minute, hour and totals hashes. */
export async function recordJobOutcome(
  redis: Redis,
  prefix: string,
  outcome: JobOutcome,
): Promise<void> {
  const tally = new OutcomeTally(prefix);
  tally.add(outcome);
  await tally.write(redis);
}

const toNumber = (value: string | null | undefined): number => {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
};

/**
 * Sums fields over the minutes [endMinute - minutes + 1, endMinute]: whole
 * hours from the hour hashes, the ragged ends from the minute hashes.
 */
export async function sumWindow(
  redis: Redis,
  prefix: string,
  fields: readonly string[],
  minutes: number,
  now = Date.now(),
): Promise<Record<string, number>> {
  const k = keys(prefix);
  const endMinute = Math.floor(now / MINUTE_MS);
  const startMinute = endMinute - minutes + 1;
  const hashKeys: string[] = [];
  for (let minute = startMinute; minute <= endMinute;) {
    const hourStart = Math.ceil(minute / 60) * 60;
    if (minute === hourStart && hourStart + 59 <= endMinute) {
      hashKeys.push(k.statsHour(hourStart / 60));
      minute += 60;
    } else {
      hashKeys.push(k.statsMinute(minute));
      minute += 1;
    }
  }
  const pipeline = redis.pipeline();
  for (const key of hashKeys) pipeline.hmget(key, ...fields);
  const replies = (await pipeline.exec()) ?? [];
  const sums = Object.fromEntries(fields.map((field) => [field, 0]));
  for (const [err, values] of replies) {
    if (err) throw err;
    (values as (string | null)[]).forEach((value, i) => {
      const field = fields[i];
      if (field !== undefined) sums[field] = (sums[field] ?? 0) + toNumber(value);
    });
  }
  return sums;
}

export interface WindowTotals {
  completed: number;
  failed: number;
  /** Mean seconds of finished jobs; null when none finished. */
  avgProcessingSeconds: number | null;
  /** Completed over finished, in percent; null when none finished. */
  successRate: number | null;
}

export async function readWindowTotals(
  redis: Redis,
  prefix: string,
  minutes = 24 * 60,
  now = Date.now(),
): Promise<WindowTotals> {
  const sums = await sumWindow(redis, prefix, ['completed', 'failed', 'finished_ms'], minutes, now);
  const completed = sums.completed ?? 0;
  const failed = sums.failed ?? 0;
  const finished = completed + failed;
  return {
    completed,
    failed,
    avgProcessingSeconds: finished > 0 ? round((sums.finished_ms ?? 0) / finished / 1_000) : null,
    successRate: finished > 0 ? round((completed / finished) * 100) : null,
  };
}

export interface MinutePoint {
  minuteStartMs: number;
  completed: number;
  failed: number;
  avgProcessingSeconds: number | null;
}

/** One point per minute of the last `minutes`, oldest first. */
export async function readThroughput(
  redis: Redis,
  prefix: string,
  minutes: number,
  now = Date.now(),
): Promise<MinutePoint[]> {
  const k = keys(prefix);
  const endMinute = Math.floor(now / MINUTE_MS);
  const pipeline = redis.pipeline();
  const minuteList: number[] = [];
  for (let minute = endMinute - minutes + 1; minute <= endMinute; minute++) {
    minuteList.push(minute);
    pipeline.hmget(k.statsMinute(minute), 'completed', 'failed', 'finished_ms');
  }
  const replies = (await pipeline.exec()) ?? [];
  return minuteList.map((minute, i) => {
    const [err, values] = replies[i] ?? [null, []];
    if (err) throw err;
    const [completed, failed, ms] = (values as (string | null)[]).map(toNumber);
    const finished = (completed ?? 0) + (failed ?? 0);
    return {
      minuteStartMs: minute * MINUTE_MS,
      completed: completed ?? 0,
      failed: failed ?? 0,
      avgProcessingSeconds: finished > 0 ? round((ms ?? 0) / finished / 1_000) : null,
    };
  });
}

export interface LaneRate {
  completedLastMinute: number;
  completedLast5Minutes: number;
}

/**
 * Jobs completed per lane in the last 1 and 5 minutes. The window's oldest
 * minute is only partly inside it, so its count is prorated.
 */
export async function readLaneRates(
  redis: Redis,
  prefix: string,
  now = Date.now(),
): Promise<Record<Lane, LaneRate>> {
  const k = keys(prefix);
  const endMinute = Math.floor(now / MINUTE_MS);
  const fields = LANES.map((lane) => `lane:${lane}:completed`);
  const pipeline = redis.pipeline();
  // Index 0 is the current minute, 5 the one five minutes back.
  for (let back = 0; back <= 5; back++) pipeline.hmget(k.statsMinute(endMinute - back), ...fields);
  const replies = (await pipeline.exec()) ?? [];
  const perMinute = replies.map(([err, values]) => {
    if (err) throw err;
    return (values as (string | null)[]).map(toNumber);
  });
  const insideFraction = 1 - (now - endMinute * MINUTE_MS) / MINUTE_MS;
  const windowCount = (laneIndex: number, width: number): number => {
    let sum = 0;
    for (let back = 0; back < width; back++) sum += perMinute[back]?.[laneIndex] ?? 0;
    sum += insideFraction * (perMinute[width]?.[laneIndex] ?? 0);
    return Math.round(sum);
  };
  return Object.fromEntries(
    LANES.map((lane, i) => [
      lane,
      { completedLastMinute: windowCount(i, 1), completedLast5Minutes: windowCount(i, 5) },
    ]),
  ) as Record<Lane, LaneRate>;
}

export interface TaskTotals {
  completed: number;
  failed: Record<FailureClass, number>;
  /** Sum of finished jobs' durations, seconds. */
  durationSeconds: number;
  count: number;
  /** Cumulative counts per bucket bound (as text, `+Inf` last), Prometheus-style. */
  buckets: { le: string; count: number }[];
}

/** All-time counters per task, for /metrics. */
export async function readTaskTotals(
  redis: Redis,
  prefix: string,
): Promise<Record<string, TaskTotals>> {
  const fields = await redis.hgetall(keys(prefix).statsTotals());
  const raw = new Map<
    string,
    {
      completed: number;
      failed: Map<string, number>;
      ms: number;
      count: number;
      le: Map<string, number>;
    }
  >();
  for (const [field, value] of Object.entries(fields)) {
    const match = /^task:([^:]+):(completed|ms|count|failed|le):?(.*)$/.exec(field);
    if (!match) continue;
    const [, task = '', kind, rest = ''] = match;
    let entry = raw.get(task);
    if (!entry) {
      entry = { completed: 0, failed: new Map(), ms: 0, count: 0, le: new Map() };
      raw.set(task, entry);
    }
    const n = toNumber(value);
    if (kind === 'completed') entry.completed = n;
    else if (kind === 'ms') entry.ms = n;
    else if (kind === 'count') entry.count = n;
    else if (kind === 'failed') entry.failed.set(rest, n);
    else entry.le.set(rest, n);
  }
  const result: Record<string, TaskTotals> = {};
  for (const [task, entry] of raw) {
    let cumulative = 0;
    const buckets = [...DURATION_BUCKETS_SECONDS.map(String), '+Inf'].map((le) => {
      cumulative += entry.le.get(le) ?? 0;
      return { le, count: cumulative };
    });
    result[task] = {
      completed: entry.completed,
      failed: Object.fromEntries(
        FAILURE_CLASSES.map((c) => [c, entry.failed.get(c) ?? 0]),
      ) as Record<FailureClass, number>,
      durationSeconds: entry.ms / 1_000,
      count: entry.count,
      buckets,
    };
  }
  return result;
}

function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

// ---- What the API answers: lanes, the 24 h statistics, the history. ----

/** Waiting + prioritized + delayed per work lane: what is still to do. */
export async function readQueueDepths(queues: Queues): Promise<Record<WorkLane, number>> {
  const depths = await Promise.all(
    WORK_LANES.map(async (lane) => {
      const counts = await queues[lane].getJobCounts('waiting', 'prioritized', 'delayed');
      return [
        lane,
        (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
      ] as const;
    }),
  );
  return Object.fromEntries(depths) as Record<WorkLane, number>;
}

/** The seed's statistics: the same answer from every API instance, and after restarts. */
export async function readWorkerStats(
  redis: Redis,
  queues: Queues,
  prefix: string,
  now = Date.now(),
): Promise<WorkerStats> {
  const [workers, depths, totals] = await Promise.all([
    listWorkers(redis, prefix, now),
    readQueueDepths(queues),
    readWindowTotals(redis, prefix, 24 * 60, now),
  ]);
  return {
    timestamp: new Date(now).toISOString(),
    active_workers: workers.filter((worker) => worker.state !== 'dead').length,
    total_pending: Object.values(depths).reduce((sum, depth) => sum + depth, 0),
    jobs_processed_24h: totals.completed,
    jobs_failed_24h: totals.failed,
    avg_processing_time: totals.avgProcessingSeconds,
    success_rate: totals.successRate,
    queue_depths: depths,
  };
}

/** Prioritized jobs looked at for the oldest waiting one; they are ordered by priority, not age. */
const OLDEST_SCAN_LIMIT = 1_000;

/**
 * Seconds the oldest job waiting (wait list or prioritized) on `queue` has been
 * queued; null when none waits. Delayed jobs are not waiting yet.
 */
export async function oldestWaitingAgeSeconds(
  redis: Redis,
  queue: Queues[Lane],
  now: number,
): Promise<number | null> {
  const [oldestWaiting, prioritized] = await Promise.all([
    // BullMQ LPUSHes onto the wait list, so its oldest job is the last.
    redis.lindex(queue.toKey('wait'), -1),
    redis.zrange(queue.toKey('prioritized'), 0, OLDEST_SCAN_LIMIT - 1),
  ]);
  const ids = [...(oldestWaiting ? [oldestWaiting] : []), ...prioritized];
  if (ids.length === 0) return null;
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hget(queue.toKey(id), 'timestamp');
  const replies = (await pipeline.exec()) ?? [];
  const timestamps = replies
    .map(([err, value]) => (err ? NaN : Number(value)))
    .filter((ts) => Number.isFinite(ts) && ts > 0);
  if (timestamps.length === 0) return null;
  return Math.max(0, round((now - Math.min(...timestamps)) / 1_000));
}

export async function readLaneState(
  redis: Redis,
  queues: Queues,
  prefix: string,
  lane: Lane,
  now = Date.now(),
  rates?: Record<Lane, LaneRate>,
): Promise<LaneState> {
  const queue = queues[lane];
  const [counts, paused, oldest, laneRates] = await Promise.all([
    queue.getJobCounts(...QUEUE_STATES),
    queue.isPaused(),
    oldestWaitingAgeSeconds(redis, queue, now),
    rates ?? readLaneRates(redis, prefix, now),
  ]);
  const rate = laneRates[lane];
  return {
    lane,
    paused,
    counts: Object.fromEntries(QUEUE_STATES.map((state) => [state, counts[state] ?? 0])) as Record<
      (typeof QUEUE_STATES)[number],
      number
    >,
    processing_rate: {
      completed_last_minute: rate.completedLastMinute,
      completed_last_5_minutes: rate.completedLast5Minutes,
      per_minute_5m: round(rate.completedLast5Minutes / 5, 2),
    },
    oldest_waiting_age_seconds: oldest,
  };
}

export async function readLaneStates(
  redis: Redis,
  queues: Queues,
  prefix: string,
  now = Date.now(),
): Promise<LaneState[]> {
  const rates = await readLaneRates(redis, prefix, now);
  return Promise.all(LANES.map((lane) => readLaneState(redis, queues, prefix, lane, now, rates)));
}

/**
 * The dashboard's charts: the monitoring lane's snapshots of the last
 * `minutes` (at most one per minute, the latest of each) and one throughput
 * point per minute from the counters.
 */
export async function readHistory(
  redis: Redis,
  prefix: string,
  minutes: number,
  snapshotMs: number,
  now = Date.now(),
): Promise<History> {
  const perMinute = Math.max(1, Math.ceil(MINUTE_MS / snapshotMs));
  const [raw, throughput] = await Promise.all([
    redis.lrange(keys(prefix).metricsHistory(), 0, minutes * perMinute + perMinute),
    readThroughput(redis, prefix, minutes, now),
  ]);
  const since = now - minutes * MINUTE_MS;
  const byMinute = new Map<number, HistorySnapshot>();
  // Newest first: the first snapshot seen in a minute is its latest.
  for (const entry of raw) {
    const parsed = historySnapshotSchema.safeParse(safeJson(entry));
    if (!parsed.success) continue;
    const at = Date.parse(parsed.data.timestamp);
    if (!(at > since)) continue;
    const minute = Math.floor(at / MINUTE_MS);
    if (!byMinute.has(minute)) byMinute.set(minute, parsed.data);
  }
  return {
    minutes,
    snapshots: [...byMinute.entries()].sort(([a], [b]) => a - b).map(([, snapshot]) => snapshot),
    throughput: throughput.map((point) => ({
      minute: new Date(point.minuteStartMs).toISOString(),
      completed: point.completed,
      failed: point.failed,
      avg_processing_time: point.avgProcessingSeconds,
    })),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
