import { Worker, type Job } from 'bullmq';
import { FLOW_PARENT, type JobKind, type Lane } from '../contracts/queues.ts';
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
import { onPartFinished, rerunIfStale } from './flow-rerun.ts';
import { startHeartbeat } from './heartbeat.ts';
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

/**
 * One BullMQ Worker per lane in this process. BullMQ's queues and workers share one
 * connection; PhishNet's own keys (emails, job records, statistics) use another: BullMQ
 * registers its Lua scripts on the connection it is given, and ioredis copies every one of
 * them into each MULTI or pipeline made on that connection, which made each job's few writes
 * cost more than BullMQ's own work.
 */
export async function startWorkers(options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const { config, logger } = options;
  // The model is read and validated once, at start and before any connection, so a bad
  // model file stops the process instead of leaving it connected and idle.
  const ports: EnginePorts = options.ports ?? {
    resolveTxt: resolveTxtRecords,
    model: loadModel(),
  };
  const redis = createRedis(options.redisUrl, 'worker', 'phishnet-worker');
  const bullRedis = createRedis(options.redisUrl, 'worker', 'phishnet-worker-bullmq');
  await Promise.all([connectRedis(redis), connectRedis(bullRedis)]);
  const blobs = new BlobStore(redis, config.prefix, config.retention.resultTtlMs);
  const queues = createQueues(bullRedis, config.prefix, config.retention);
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
    ttlMs: config.retention.resultTtlMs,
  };
  const flowDeps = { redis, queues, prefix: config.prefix, ttlMs: config.retention.resultTtlMs };
  const onFinished = (job: Job | undefined): void => {
    if (!job?.parent) return;
    advanceParentProgress(flowDeps, job).catch((err: unknown) => {
      logger.warn({ err: coerceError(err), jobId: job.id }, 'flow:progress:failed');
    });
  };

  // A part replayed after its flow's verdict was given runs the flow's parent again.
  const rerunFlow = (job: Job): void => {
    const rerun = job.parent
      ? onPartFinished(flowDeps, job)
      : job.name === FLOW_PARENT
        ? rerunIfStale(flowDeps, job)
        : null;
    rerun?.catch((err: unknown) => {
      logger.warn({ err: coerceError(err), jobId: job.id }, 'flow:rerun:failed');
    });
  };

  const heartbeat = await startHeartbeat({
    redis,
    config,
    lanes: options.lanes,
    concurrency: options.concurrency,
    logger,
  });
  // The jobs this process holds, with their lock tokens, so a shutdown can hand them back.
  const held = new Map<Job, string>();
  const workers = options.lanes
    .filter((lane) => lane !== 'dlq')
    .map((lane) => {
      // BullMQ aborts the signal it gives each job on `cancelJob`: the time limit goes through
      // it as a cancellation does, so a job has one AbortController, BullMQ's.
      const run = (job: Job, signal?: AbortSignal): Promise<unknown> => {
        if (lane === 'monitoring') {
          return runMonitoringJob({ redis, queues, config, bury: buryDeps }, job);
        }
        const jobId = job.id;
        return signal && jobId
          ? runTask(deps, job, {
              signal,
              abort: (reason) => worker.cancelJob(jobId, reason),
            })
          : runTask(deps, job);
      };
      const processor = async (job: Job, token?: string, signal?: AbortSignal) => {
        if (token) held.set(job, token);
        try {
          return await run(job, signal);
        } finally {
          held.delete(job);
        }
      };
      const worker = new Worker(lane, processor, {
        connection: bullRedis,
        prefix: config.prefix,
        concurrency: lane === 'monitoring' ? 1 : options.concurrency,
        settings: { backoffStrategy: classifiedBackoff(config.retry) },
        // A dead worker's jobs go back to their queue once its lock lapses, found by
        // the stalled-job check that runs at the same pace.
        lockDuration: config.workers.lockMs,
        stalledInterval: config.workers.lockMs,
      });
      heartbeat.watch(worker);
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
            if (job.parent) rerunFlow(job);
          },
          (buryErr: unknown) => {
            logger.error({ err: coerceError(buryErr), jobId: job.id }, 'dlq:add:failed');
          },
        );
      });
      worker.on('completed', (job) => {
        onFinished(job);
        rerunFlow(job);
      });
      return worker;
    });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  // Cancellations arrive over pub/sub; the worker that holds the job aborts its signal.
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined); // reconnects by itself, like its parent
  await subscriber.subscribe(keys(config.prefix).cancelChannel());
  subscriber.on('message', (_channel: string, jobId: string) => {
    for (const worker of workers) worker.cancelJob(jobId, 'cancelled');
  });
  logger.info({ lanes: options.lanes, concurrency: options.concurrency }, 'worker:started');

  return {
    async close() {
      subscriber.disconnect();
      // Closing stops taking jobs at once and waits for the running ones; they get the
      // grace period to finish. What is still running then goes back to its queue
      // now, rather than when its lock lapses; this process's copy is abandoned.
      const finished = Promise.all(workers.map((worker) => worker.close()));
      if (!(await settlesWithin(finished, config.workers.shutdownGraceMs))) {
        const jobIds = await handBack(held);
        logger.warn({ jobIds }, 'worker:shutdown:handed_back');
      }
      await heartbeat.stop();
      await closeQueues(queues);
      redis.disconnect();
      bullRedis.disconnect();
    },
  };
}

async function settlesWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Moves held jobs from active back to waiting, releasing their locks, without
 * spending an attempt. A job that finished meanwhile has no lock to release,
 * and is left as it is.
 */
async function handBack(held: Map<Job, string>): Promise<string[]> {
  const moved = await Promise.all(
    [...held].map(async ([job, token]) => {
      try {
        await job.moveToWait(token);
        return job.id ?? null;
      } catch {
        return null;
      }
    }),
  );
  return moved.filter((id): id is string => id !== null);
}
