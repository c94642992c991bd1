import { Worker, type Job } from 'bullmq';
import type { Lane } from '../contracts/queues.ts';
import type { Config } from '../config/config.ts';
import type { EnginePorts } from '../engine/types.ts';
import { BlobStore } from '../jobs/blob-store.ts';
import { createQueues, closeQueues } from '../jobs/queues.ts';
import { connectRedis, createRedis } from '../jobs/redis.ts';
import type { Logger } from '../lib/logger.ts';
import { coerceError } from '../lib/errors.ts';
import { runMonitoringJob } from './monitoring.ts';
import { runTask } from './run-task.ts';

export interface WorkerRuntimeOptions {
  config: Config;
  redisUrl: string;
  lanes: readonly Lane[];
  concurrency: number;
  logger: Logger;
  ports?: EnginePorts;
}

export interface WorkerRuntime {
  /** Stops taking jobs, lets active ones finish, then closes connections. */
  close(): Promise<void>;
}

/** One BullMQ Worker per lane in this process, sharing one Redis connection for its own reads. */
export async function startWorkers(options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const { config, logger } = options;
  const redis = createRedis(options.redisUrl, 'worker', 'phishnet-worker');
  await connectRedis(redis);
  const blobs = new BlobStore(redis, config.prefix, config.retention.resultTtlMs);
  const queues = createQueues(redis, config.prefix, config.retention);
  const deps = { redis, prefix: config.prefix, blobs, config, ports: options.ports ?? {} };

  const workers = options.lanes
    .filter((lane) => lane !== 'dlq')
    .map((lane) => {
      const processor = (job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> =>
        lane === 'monitoring'
          ? runMonitoringJob({ redis, queues, prefix: config.prefix }, job)
          : runTask(deps, job, signal);
      const worker = new Worker(lane, processor, {
        connection: redis,
        prefix: config.prefix,
        concurrency: lane === 'monitoring' ? 1 : options.concurrency,
      });
      worker.on('error', (err) => {
        logger.error({ err: coerceError(err), lane }, 'worker:connection:error');
      });
      worker.on('failed', (job, err) => {
        logger.warn({ jobId: job?.id, lane, err: err.message }, 'job:failed');
      });
      return worker;
    });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  logger.info({ lanes: options.lanes, concurrency: options.concurrency }, 'worker:started');

  return {
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await closeQueues(queues);
      redis.disconnect();
    },
  };
}
