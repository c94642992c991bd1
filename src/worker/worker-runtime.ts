import { Worker, type Job } from 'bullmq';
import type { JobKind, Lane } from '../contracts/queues.ts';
import type { Config } from '../config/config.ts';
import type { EnginePorts } from '../engine/types.ts';
import { BlobStore } from '../jobs/blob-store.ts';
import { createQueues, closeQueues } from '../jobs/queues.ts';
import { connectRedis, createRedis } from '../jobs/redis.ts';
import type { Logger } from '../lib/logger.ts';
import { coerceError } from '../lib/errors.ts';
import { loadModel } from './adapters/model.ts';
import { resolveTxtRecords } from './adapters/dns.ts';
import { DeadLetterQueue } from '../jobs/dead-letters.ts';
import { keys } from '../jobs/keys.ts';
import { IntelStore } from '../jobs/intel-store.ts';
import { createIndicatorCache } from './adapters/indicators.ts';
import { classifiedBackoff } from './backoff.ts';
import { buryJob } from './dead-letter.ts';
import { advanceParentProgress } from './flow-progress.ts';
import { runMonitoringJob } from './monitoring.ts';
import { PROCESSORS } from './processors/index.ts';
import type { TaskProcessor } from './processors/types.ts';
import { runTask } from './run-task.ts';

/** How stale a worker's copy of the threat-feed indicators may get. */
const INDICATOR_REFRESH_MS = 30_000;

export interface WorkerRuntimeOptions {
  config: Config;
  redisUrl: string;
  lanes: readonly Lane[];
  concurrency: number;
  logger: Logger;
  ports?: EnginePorts;
  /** Replaces some processors: tests use it to stand in for an external provider that fails. */
  processors?: Partial<Record<JobKind, TaskProcessor>>;
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
  // The model is read and validated once, at start, not per job.
  const ports: EnginePorts = options.ports ?? {
    resolveTxt: resolveTxtRecords,
    model: loadModel(),
  };
  const processors = { ...PROCESSORS, ...options.processors };
  const indicators = createIndicatorCache(
    new IntelStore(redis, config.prefix),
    INDICATOR_REFRESH_MS,
  );
  const deps = { redis, prefix: config.prefix, blobs, config, ports, indicators, processors };
  const buryDeps = {
    redis,
    prefix: config.prefix,
    deadLetters: new DeadLetterQueue(redis, queues, config.prefix, config.dlq),
  };
  const flowDeps = { redis, queues, prefix: config.prefix, ttlMs: config.retention.resultTtlMs };
  const onFinished = (job: Job | undefined): void => {
    if (!job?.parent) return;
    advanceParentProgress(flowDeps, job).catch((err: unknown) => {
      logger.warn({ err: coerceError(err), jobId: job.id }, 'flow:progress:failed');
    });
  };

  const workers = options.lanes
    .filter((lane) => lane !== 'dlq')
    .map((lane) => {
      const processor = (job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> =>
        lane === 'monitoring'
          ? runMonitoringJob({ redis, queues, config }, job)
          : runTask(deps, job, signal);
      const worker = new Worker(lane, processor, {
        connection: redis,
        prefix: config.prefix,
        concurrency: lane === 'monitoring' ? 1 : options.concurrency,
        settings: { backoffStrategy: classifiedBackoff(config.retry) },
      });
      worker.on('error', (err) => {
        logger.error({ err: coerceError(err), lane }, 'worker:connection:error');
      });
      worker.on('failed', (job, err) => {
        if (!job || lane === 'monitoring') return;
        logger.warn(
          { jobId: job.id, lane, attempts: job.attemptsMade, err: err.message },
          'job:failed',
        );
        buryJob(buryDeps, job, err).then(
          () => {
            onFinished(job);
          },
          (buryErr: unknown) => {
            logger.error({ err: coerceError(buryErr), jobId: job.id }, 'dlq:add:failed');
          },
        );
      });
      worker.on('completed', onFinished);
      return worker;
    });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  // Cancellations arrive over pub/sub; the worker that holds the job aborts its signal.
  const subscriber = redis.duplicate();
  await subscriber.subscribe(keys(config.prefix).cancelChannel());
  subscriber.on('message', (_channel: string, jobId: string) => {
    for (const worker of workers) worker.cancelJob(jobId, 'cancelled');
  });
  logger.info({ lanes: options.lanes, concurrency: options.concurrency }, 'worker:started');

  return {
    async close() {
      subscriber.disconnect();
      await Promise.all(workers.map((worker) => worker.close()));
      await closeQueues(queues);
      redis.disconnect();
    },
  };
}
