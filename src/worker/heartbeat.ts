import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { laneSchema, type FailureClass, type Lane } from '../contracts/queues.ts';
import type { Heartbeat } from '../contracts/workers.ts';
import type { Config } from '../config/config.ts';
import { classifyFailure } from '../jobs/failures.ts';
import { publishHeartbeat, removeHeartbeat } from '../jobs/heartbeats.ts';
import { readJobError } from '../jobs/job-record.ts';
import { OutcomeTally, type JobOutcomeKind } from '../jobs/stats.ts';
import { coerceError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';

const STOP_TIMEOUT_MS = 2_000;
/**
 * Finished jobs' statistics are written at most this long after the job finished (and at
 * every heartbeat): one MULTI for all of them, not one per job. A crash loses at most this
 * window of statistics, never a job.
 */
export const STATS_FLUSH_MS = 250;

async function settleWithin(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HeartbeatOptions {
  redis: Redis;
  config: Config;
  lanes: readonly Lane[];
  /** Jobs one lane runs at once (the monitoring lane runs one). */
  concurrency: number;
  logger: Logger;
  /** Default: `{host}-{pid}-{random}`. */
  id?: string;
}

export type JobEnd = { ok: true } | { ok: false; error: Error };

export interface WorkerHeartbeat {
  readonly id: string;
  /**
   * Follows a BullMQ worker's `active`, `completed` and `failed` events: the
   * heartbeat's counts, and the statistics in Redis. Call it right after
   * `new Worker(...)`, before the first job can start.
   */
  watch(worker: Worker): void;
  onJobStarted(): void;
  onJobFinished(lane: Lane, job: Job, end: JobEnd): void;
  /** Publishes a heartbeat now, and writes the statistics gathered so far. */
  beat(): Promise<void>;
  /**
   * Stops beating and waits for pending statistics writes. By default the worker
   * leaves the list (a clean stop is not a death); `deregister: false` leaves it
   * to turn dead, as a crash would.
   */
  stop(options?: { deregister?: boolean }): Promise<void>;
}

/**
 * Publishes this process's heartbeat every `config.heartbeat.intervalMs` and
 * records every finished job's outcome (see src/jobs/stats.ts). Resolves after
 * the first heartbeat is in Redis.
 */
export async function startHeartbeat(options: HeartbeatOptions): Promise<WorkerHeartbeat> {
  const { redis, config, logger } = options;
  const { prefix } = config;
  const intervalMs = config.heartbeat.intervalMs;
  const id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const startedAt = Date.now();
  const workLanes = options.lanes.filter((lane) => lane !== 'dlq' && lane !== 'monitoring');
  const capacity =
    workLanes.length * options.concurrency + (options.lanes.includes('monitoring') ? 1 : 0);
  let active = 0;
  let processed = 0;
  let failed = 0;
  let beating: Promise<void> | null = null;
  // Failed jobs whose class is still being looked up; their outcome joins the tally after.
  const pending = new Set<Promise<void>>();
  const tally = new OutcomeTally(prefix);
  let flushTimer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  /** Writes the tally; writes are chained, so a slow Redis never has two in flight. */
  const flushStats = (): Promise<void> => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    flushing = flushing.then(() =>
      tally.write(redis).catch((err: unknown) => {
        logger.warn({ err: coerceError(err), workerId: id }, 'worker:stats:failed');
      }),
    );
    return flushing;
  };
  const scheduleFlush = (): void => {
    flushTimer ??= setTimeout(() => void flushStats(), STATS_FLUSH_MS);
    flushTimer.unref();
  };
  /** Waits for the class lookups under way, then writes everything gathered. */
  const settleStats = async (): Promise<void> => {
    await Promise.all([...pending]);
    await flushStats();
  };

  const snapshot = (): Heartbeat => {
    const now = Date.now();
    return {
      id,
      host: hostname(),
      pid: process.pid,
      lanes: [...options.lanes],
      concurrency: options.concurrency,
      capacity,
      active_jobs: active,
      processed,
      failed,
      memory_rss_bytes: process.memoryUsage.rss(),
      uptime_seconds: Math.round((now - startedAt) / 1_000),
      started_at: new Date(startedAt).toISOString(),
      last_seen: new Date(now).toISOString(),
      heartbeat_interval_ms: intervalMs,
    };
  };

  const beat = async (): Promise<void> => {
    // A slow Redis must not pile up beats; the statistics are written beside, never in the way.
    beating ??= publishHeartbeat(redis, prefix, snapshot(), config.heartbeat.deadRetentionMs)
      .catch((err: unknown) => {
        logger.warn({ err: coerceError(err), workerId: id }, 'worker:heartbeat:failed');
      })
      .finally(() => {
        beating = null;
      });
    await Promise.all([beating, settleStats()]);
  };

  const track = (work: Promise<void>): void => {
    const tracked = work.catch((err: unknown) => {
      logger.warn({ err: coerceError(err), workerId: id }, 'worker:stats:failed');
    });
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
  };

  const failureClassOf = async (job: Job, error: Error): Promise<FailureClass> => {
    if ('failureClass' in error) {
      const parsed = (error as { failureClass: FailureClass }).failureClass;
      return parsed;
    }
    // UnrecoverableError carries no class; run-task recorded it on the job.
    const recorded = job.id ? await readJobError({ redis, prefix }, job.id) : null;
    return recorded?.class ?? classifyFailure(error);
  };

  const onJobFinished = (lane: Lane, job: Job, end: JobEnd): void => {
    active = Math.max(0, active - 1);
    // BullMQ sets finishedOn only when a job is done for good, not when it will be retried.
    const outcome: JobOutcomeKind = end.ok
      ? 'completed'
      : job.finishedOn === undefined
        ? 'retried'
        : 'failed';
    if (outcome === 'completed') processed += 1;
    if (outcome === 'failed') failed += 1;
    const finishedAt = job.finishedOn ?? Date.now();
    const durationMs = job.processedOn === undefined ? 0 : finishedAt - job.processedOn;
    const task = lane === 'monitoring' ? null : job.name;
    const add = (failureClass?: FailureClass): void => {
      tally.add({
        lane,
        task,
        outcome,
        durationMs,
        at: finishedAt,
        ...(failureClass ? { failureClass } : {}),
      });
      scheduleFlush();
    };
    if (end.ok) {
      add();
      return;
    }
    track(failureClassOf(job, end.error).then(add));
  };

  const timer = setInterval(() => {
    void beat();
  }, intervalMs);
  timer.unref();
  await beat();
  logger.info({ workerId: id, intervalMs }, 'worker:heartbeat:started');

  return {
    id,
    watch(worker) {
      const lane = laneSchema.parse(worker.name);
      worker.on('active', () => {
        active += 1;
      });
      worker.on('completed', (job) => {
        onJobFinished(lane, job, { ok: true });
      });
      worker.on('failed', (job, error) => {
        if (job) onJobFinished(lane, job, { ok: false, error });
      });
    },
    onJobStarted() {
      active += 1;
    },
    onJobFinished,
    beat,
    async stop(stopOptions = {}) {
      clearInterval(timer);
      // Bounded: a worker connection waits forever for a Redis that is gone, and a
      // shutdown must not. A heartbeat left behind just turns dead, then expires.
      await settleWithin(
        (async () => {
          await beating;
          await settleStats();
          if (stopOptions.deregister === false) return;
          await removeHeartbeat(redis, prefix, id).catch((err: unknown) => {
            logger.warn({ err: coerceError(err), workerId: id }, 'worker:heartbeat:remove:failed');
          });
        })(),
        STOP_TIMEOUT_MS,
      );
    },
  };
}
