/**
 * SIGTERM is a clean stop: the worker takes no new jobs, lets running ones
 * finish within its grace period, hands back what is still running, closes its
 * connections and exits 0. Nothing is left locked for the stalled check to find.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.ts';
import { PROCESSORS } from '../../src/worker/processors/index.ts';
import type { TaskProcessor } from '../../src/worker/processors/types.ts';
import { startWorkers, type WorkerRuntime } from '../../src/worker/worker-runtime.ts';
import { startTestStack, submitQuickScans, type TestStack } from '../helpers/stack.ts';
import {
  allSettled,
  readBooks,
  startWorkerProcess,
  until,
  useProcessRig,
} from '../helpers/worker-process.ts';

const JOBS = 150;

async function stalledIds(stack: TestStack): Promise<string[]> {
  const events = await stack.jobs.redis.xrange(`${stack.config.prefix}:realtime:events`, '-', '+');
  return events.filter(([, fields]) => fields[1] === 'stalled').map(([, fields]) => fields[3]!);
}

describe('when a worker process gets SIGTERM with jobs in flight', () => {
  const rig = useProcessRig();
  const { prefix, workers } = rig;

  it('finishes what it runs, exits 0, and the rest runs elsewhere, each once', async () => {
    const ids = await submitQuickScans(rig.stack, JOBS);
    const lane = rig.stack.jobs.queues.realtime;
    const first = await startWorkerProcess({
      redisUrl: rig.redis.url,
      prefix,
      env: { PHISHNET_SHUTDOWN_GRACE_MS: '10000' },
    });
    workers.push(first);
    await until(
      () => lane.getJobCounts('completed', 'active'),
      (counts) => (counts.completed ?? 0) >= 10 && (counts.active ?? 0) > 0,
      20_000,
      10,
    );
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.stdout()).toContain('process:shutdown:done');
    // It stopped taking jobs, and left none behind locked.
    const counts = await lane.getJobCounts('completed', 'active');
    expect(counts.active).toBe(0);
    expect(counts.completed).toBeLessThan(JOBS);

    workers.push(await startWorkerProcess({ redisUrl: rig.redis.url, prefix }));
    const books = await until(
      () => readBooks(rig.stack.jobs.redis, prefix, lane, rig.stack.jobs.queues.dlq, ids),
      allSettled,
      30_000,
      200,
    );
    expect(books.byState.completed).toHaveLength(JOBS);
    expect(books.completions.size).toBe(JOBS);
    expect([...books.completions.values()].every((count) => count === 1)).toBe(true);
    expect(await stalledIds(rig.stack)).toEqual([]);
  });
});

describe('when a job outlasts the shutdown grace period', () => {
  let stack: TestStack;
  let release: () => void = () => undefined;
  const started: string[] = [];
  /** Holds the job until the test lets it go, as a long analysis would. */
  const held: TaskProcessor = (context) => {
    started.push(context.payload.job_id);
    return new Promise((resolve) => {
      release = () => {
        release = () => undefined;
        resolve(PROCESSORS.quick_email_scan(context));
      };
    });
  };
  const logger = createLogger({ level: 'silent' });
  let next: WorkerRuntime | null = null;
  beforeAll(async () => {
    stack = await startTestStack({ env: { PHISHNET_SHUTDOWN_GRACE_MS: '300' } });
  });
  afterAll(async () => {
    release();
    await next?.close();
    await stack.close();
  });

  it('hands it back to its queue without spending an attempt, and another worker runs it', async () => {
    const options = {
      config: stack.config,
      redisUrl: stack.redisUrl,
      lanes: ['realtime'] as const,
    };
    const runtime = await startWorkers({
      ...options,
      concurrency: 1,
      logger,
      processors: { quick_email_scan: held },
    });
    const [jobId] = await submitQuickScans(stack, 1);
    await until(() => Promise.resolve(started.includes(jobId!)), Boolean);
    const closing = Date.now();
    await runtime.close();
    expect(Date.now() - closing).toBeLessThan(5_000);
    const lane = stack.jobs.queues.realtime;
    expect(await lane.getJobState(jobId!)).toMatch(/^(waiting|prioritized)$/);
    expect((await lane.getJob(jobId!))?.attemptsMade).toBe(0);
    // The abandoned copy finishing late cannot complete a job it no longer holds.
    release();

    next = await startWorkers({ ...options, concurrency: 1, logger });
    const status = await until(
      async () =>
        (await stack.inject({ url: `/api/v1/analysis/status/${jobId!}` })).json<
          Record<string, unknown>
        >(),
      (s) => s.status === 'completed',
    );
    expect(status).toMatchObject({ status: 'completed', attempts: 1, error: null });
  });
});
