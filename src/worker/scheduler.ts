import type { Config } from '../config/config.ts';
import { createQueues, closeQueues } from '../jobs/queues.ts';
import { connectRedis, createRedis } from '../jobs/redis.ts';
import type { Logger } from '../lib/logger.ts';
import { MINUTE_MS } from '../lib/time.ts';
import { MONITORING_JOBS } from './monitoring.ts';

/** How soon a failure no worker saw reaches the dead-letter queue. */
const DLQ_RECONCILE_MS = MINUTE_MS;

/**
 * Registers the periodic tasks as BullMQ job schedulers on the monitoring lane.
 * Upserting is idempotent: a scheduler is keyed by its id, and each run's job id is made
 * of that id and the run's time, so two schedulers never run a task twice.
 */
export async function startScheduler(options: {
  config: Config;
  redisUrl: string;
  logger: Logger;
}): Promise<{ close(): Promise<void> }> {
  const { config } = options;
  const redis = createRedis(options.redisUrl, 'worker', 'phishnet-scheduler');
  await connectRedis(redis);
  const queues = createQueues(redis, config.prefix, config.retention);
  const every: [name: string, everyMs: number][] = [
    [MONITORING_JOBS.metricsSnapshot, config.metricsSnapshotMs],
    [MONITORING_JOBS.dlqReconcile, DLQ_RECONCILE_MS],
    [MONITORING_JOBS.dlqRetention, config.retentionIntervalMs],
    [MONITORING_JOBS.resultRetention, config.retentionIntervalMs],
    [MONITORING_JOBS.priorityAging, config.aging.intervalMs],
  ];
  for (const [name, everyMs] of every) {
    // The scheduler id is the task's name: a second scheduler upserts the same one.
    await queues.monitoring.upsertJobScheduler(
      name,
      { every: everyMs },
      { name, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }
  if (config.feeds.sources.length > 0) {
    await queues.monitoring.upsertJobScheduler(
      MONITORING_JOBS.feedRefresh,
      { every: config.feeds.refreshMs },
      { name: MONITORING_JOBS.feedRefresh, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  } else {
    await queues.monitoring.removeJobScheduler(MONITORING_JOBS.feedRefresh);
  }
  options.logger.info(
    { metricsEveryMs: config.metricsSnapshotMs, feeds: config.feeds.sources.length },
    'scheduler:started',
  );
  return {
    async close() {
      await closeQueues(queues);
      redis.disconnect();
    },
  };
}
