import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { keys } from '../jobs/keys.ts';
import { laneDepths, type Queues } from '../jobs/queues.ts';

/** 24 hours of one-minute snapshots. */
export const METRICS_HISTORY_LENGTH = 1_440;

export const MONITORING_JOBS = { metricsSnapshot: 'metrics_snapshot' } as const;

export interface MonitoringDeps {
  redis: Redis;
  queues: Queues;
  prefix: string;
}

/** Periodic jobs of the monitoring lane, put there by the scheduler. */
export async function runMonitoringJob(deps: MonitoringDeps, job: Job): Promise<unknown> {
  if (job.name === MONITORING_JOBS.metricsSnapshot) return recordMetricsSnapshot(deps);
  throw new Error(`unknown monitoring job ${job.name}`);
}

async function recordMetricsSnapshot(deps: MonitoringDeps): Promise<{ timestamp: string }> {
  const timestamp = new Date().toISOString();
  const lanes = await laneDepths(deps.queues);
  const key = keys(deps.prefix).metricsHistory();
  await deps.redis
    .multi()
    .lpush(key, JSON.stringify({ timestamp, lanes }))
    .ltrim(key, 0, METRICS_HISTORY_LENGTH - 1)
    .exec();
  return { timestamp };
}
