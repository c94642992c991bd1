import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.ts';
import { countWorkerStates, listWorkers } from '../jobs/heartbeats.ts';
import { IntelStore } from '../jobs/intel-store.ts';
import { keys } from '../jobs/keys.ts';
import { laneDepths, type Queues } from '../jobs/queues.ts';
import { DAY_MS } from '../lib/time.ts';
import { reconcileDeadLetters, type BuryDeps } from './dead-letter.ts';
import { agePriorities } from './aging.ts';
import { refreshFeeds, type FeedRefreshResult } from './feed-refresh.ts';
import { removeExpiredResults, trimDeadLetters } from './retention.ts';

/** 24 hours of one-minute snapshots. */
export const METRICS_HISTORY_LENGTH = 1_440;

/** Enough snapshots for 24 hours at the configured interval, and never fewer than a day of minutes. */
export function metricsHistoryLength(snapshotMs: number): number {
  return Math.max(METRICS_HISTORY_LENGTH, Math.ceil(DAY_MS / snapshotMs));
}
const FEED_TIMEOUT_MS = 120_000;

export const MONITORING_JOBS = {
  metricsSnapshot: 'metrics_snapshot',
  feedRefresh: 'feed_refresh',
  dlqReconcile: 'dlq_reconcile',
  dlqRetention: 'dlq_retention',
  resultRetention: 'result_retention',
  priorityAging: 'priority_aging',
} as const;

export interface MonitoringDeps {
  redis: Redis;
  queues: Queues;
  config: Config;
  bury: BuryDeps;
}

/** Periodic jobs of the monitoring lane, put there by the scheduler. */
export async function runMonitoringJob(deps: MonitoringDeps, job: Job): Promise<unknown> {
  switch (job.name) {
    case MONITORING_JOBS.metricsSnapshot:
      return recordMetricsSnapshot(deps);
    case MONITORING_JOBS.feedRefresh:
      return refreshConfiguredFeeds(deps);
    case MONITORING_JOBS.dlqReconcile:
      return { buried: await reconcileDeadLetters(deps.bury, deps.queues) };
    case MONITORING_JOBS.dlqRetention:
      return trimDeadLetters(deps.bury.deadLetters);
    case MONITORING_JOBS.resultRetention:
      return removeExpiredResults({
        redis: deps.redis,
        queues: deps.queues,
        prefix: deps.config.prefix,
        ttlMs: deps.config.retention.resultTtlMs,
      });
    case MONITORING_JOBS.priorityAging:
      return agePriorities({
        redis: deps.redis,
        queues: deps.queues,
        prefix: deps.config.prefix,
        afterMs: deps.config.aging.afterMs,
        ttlMs: deps.config.retention.resultTtlMs,
      });
    default:
      throw new Error(`unknown monitoring job ${job.name}`);
  }
}

async function recordMetricsSnapshot(deps: MonitoringDeps): Promise<{ timestamp: string }> {
  const timestamp = new Date().toISOString();
  const [lanes, workers] = await Promise.all([
    laneDepths(deps.queues),
    listWorkers(deps.redis, deps.config.prefix),
  ]);
  const key = keys(deps.config.prefix).metricsHistory();
  await deps.redis
    .multi()
    .lpush(key, JSON.stringify({ timestamp, lanes, workers: countWorkerStates(workers) }))
    .ltrim(key, 0, metricsHistoryLength(deps.config.metricsSnapshotMs) - 1)
    .exec();
  return { timestamp };
}

function refreshConfiguredFeeds(deps: MonitoringDeps): Promise<FeedRefreshResult[]> {
  return refreshFeeds(
    new IntelStore(deps.redis, deps.config.prefix),
    [...deps.config.feeds.sources],
    {
      timeoutMs: FEED_TIMEOUT_MS,
      maxBytes: deps.config.feeds.maxBytes,
    },
  );
}
