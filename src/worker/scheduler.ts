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
 * Upserting is idempotent, so two schedulers never run a task twice.
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
  await queues.monitoring.upsertJobScheduler(
    MONITORING_JOBS.metricsSnapshot,
    { every: config.metricsSnapshotMs },
    { name: MONITORING_JOBS.metricsSnapshot, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  await queues.monitoring.upsertJobScheduler(
    MONITORING_JOBS.dlqReconcile,
    { every: DLQ_RECONCILE_MS },
    { name: MONITORING_JOBS.dlqReconcile, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
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
