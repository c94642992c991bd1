/**
 * Real worker processes (the built CLI) for reliability tests, and the books
 * those tests keep: what became of every job that was accepted.
 */
export { until } from './wait.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { assertBuilt, runCli, type RunningCli } from './cli.ts';
import {
  startRedisServer,
  type RedisServerHandle,
  type RedisServerOptions,
} from './redis-server.ts';
import { startTestStack, type TestStack } from './stack.ts';

export interface WorkerProcessOptions {
  redisUrl: string;
  prefix: string;
  queues?: string;
  concurrency?: number;
  env?: Record<string, string>;
  /** Runs it elsewhere, on a test host say (see `runCli`). */
  wrapper?: readonly string[];
}

export interface WorkerProcess extends RunningCli {
  /** Sends `signal` and resolves with the exit code once the process is gone. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** `phishnet worker` as its own process; resolves once it consumes its lanes. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const cli = runCli(
    [
      'worker',
      '--queues',
      options.queues ?? 'realtime',
      '--concurrency',
      String(options.concurrency ?? 2),
    ],
    {
      REDIS_URL: options.redisUrl,
      PHISHNET_PREFIX: options.prefix,
      PHISHNET_LOG_LEVEL: 'info',
      // Short locks, so a killed worker's jobs come back within a couple of seconds.
      PHISHNET_WORKER_LOCK_MS: '1000',
      ...options.env,
    },
    options.wrapper ? { wrapper: options.wrapper } : {},
  );
  // A worker that never got going is no one's to stop later: stop it here.
  await cli.waitFor('worker:started').catch((err: unknown) => {
    cli.child.kill('SIGKILL');
    throw err;
  });
  return {
    ...cli,
    async stop(signal) {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill(signal);
      return cli.exited;
    },
  };
}

/** Reads `read` until it answers: for the moments when Redis is down. */
export async function retrying<T>(read: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await read();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

export interface Books {
  /** Job ids by their BullMQ state. */
  byState: Record<string, string[]>;
  /** How many times each job was recorded completed, from the queue's event stream. */
  completions: Map<string, number>;
  /** Job ids with a dead-letter entry. */
  deadLettered: Set<string>;
}

/** What became of each job: its state, its completions, its dead letter. */
export async function readBooks(
  redis: Redis,
  prefix: string,
  lane: Queue,
  dlq: Queue,
  jobIds: readonly string[],
): Promise<Books> {
  const states = await Promise.all(jobIds.map((id) => lane.getJobState(id)));
  const byState: Record<string, string[]> = {};
  jobIds.forEach((id, index) => {
    const state = states[index] ?? 'unknown';
    (byState[state] ??= []).push(id);
  });
  const completions = new Map<string, number>();
  const events = await redis.xrange(`${prefix}:${lane.name}:events`, '-', '+');
  for (const [, fields] of events) {
    const event = fieldOf(fields, 'event');
    const jobId = fieldOf(fields, 'jobId');
    if (event === 'completed' && jobId) completions.set(jobId, (completions.get(jobId) ?? 0) + 1);
  }
  const dead = await Promise.all(jobIds.map(async (id) => ((await dlq.getJob(id)) ? id : null)));
  return {
    byState,
    completions,
    deadLettered: new Set(dead.filter((id): id is string => id !== null)),
  };
}

function fieldOf(fields: string[], name: string): string | undefined {
  const index = fields.indexOf(name);
  return index >= 0 && index % 2 === 0 ? fields[index + 1] : undefined;
}

/** Every job finished: none waiting, active or delayed. */
export function allSettled(books: Books): boolean {
  return Object.keys(books.byState).every((state) => state === 'completed' || state === 'failed');
}

/** What a reliability test works on: its own redis-server, an API on it, and worker processes. */
export interface ProcessRig {
  prefix: string;
  redis: RedisServerHandle;
  stack: TestStack;
  /** Worker processes the test started; all are killed after the file. */
  workers: WorkerProcess[];
}

/**
 * Registers the hooks of the calling `describe`: a private redis-server and an
 * API before its tests, and everything stopped after. The fields are set once
 * `beforeAll` has run.
 */
export function useProcessRig(redisOptions: RedisServerOptions = {}): ProcessRig {
  const rig = { prefix: `test-${randomUUID()}`, workers: [] as WorkerProcess[] } as ProcessRig;
  beforeAll(async () => {
    assertBuilt();
    rig.redis = await startRedisServer(redisOptions);
    rig.stack = await startTestStack({
      redisUrl: rig.redis.url,
      env: { PHISHNET_PREFIX: rig.prefix },
    });
  });
  afterAll(async () => {
    await Promise.all(rig.workers.map((worker) => worker.stop('SIGKILL')));
    await rig.stack.close();
    await rig.redis.stop();
  });
  return rig;
}
