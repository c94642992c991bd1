import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../src/jobs/keys.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { MONITORING_JOBS } from '../../src/worker/monitoring.ts';
import { startScheduler } from '../../src/worker/scheduler.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { until } from '../helpers/wait.ts';

describe('two schedulers', () => {
  let stack: TestStack;
  let schedulers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    stack = await startTestStack({
      workers: true,
      env: { PHISHNET_METRICS_SNAPSHOT_SECONDS: '1' },
    });
    const logger = createLogger({ level: 'silent' });
    const options = { config: stack.config, redisUrl: stack.redisUrl, logger };
    schedulers = await Promise.all([startScheduler(options), startScheduler(options)]);
  });
  afterAll(async () => {
    await Promise.all(schedulers.map((scheduler) => scheduler.close()));
    await stack.close();
  });

  it('register each periodic task once, on the monitoring lane', async () => {
    const registered = await stack.jobs.queues.monitoring.getJobSchedulers();
    expect(registered.map((s) => s.key).sort()).toEqual(
      [
        MONITORING_JOBS.metricsSnapshot,
        MONITORING_JOBS.dlqReconcile,
        MONITORING_JOBS.dlqRetention,
        MONITORING_JOBS.resultRetention,
        MONITORING_JOBS.priorityAging,
      ].sort(),
    );
  });

  it('run a task once per tick', async () => {
    const { redis, queues } = stack.jobs;
    const history = keys(stack.config.prefix).metricsHistory();
    await until(
      () => redis.llen(history),
      (length) => length >= 3,
      20_000,
      100,
    );
    // Stop the ticks, then let any run already due finish.
    await Promise.all(schedulers.map((scheduler) => scheduler.close()));
    schedulers = [];
    await queues.monitoring.removeJobScheduler(MONITORING_JOBS.metricsSnapshot);
    await until(
      async () =>
        (await queues.monitoring.getJobs(['wait', 'active', 'delayed', 'prioritized'])).filter(
          (job) => job.name === MONITORING_JOBS.metricsSnapshot,
        ).length,
      (pending) => pending === 0,
    );

    const runs = (await queues.monitoring.getJobs(['completed'])).filter(
      (job) => job.name === MONITORING_JOBS.metricsSnapshot,
    );
    // Each run's id is `repeat:{scheduler}:{tick}`: one scheduler id, one run per tick.
    const ticks = runs.map((job) => {
      const match = /^repeat:metrics_snapshot:(\d+)$/.exec(job.id ?? '');
      expect(match, `job id ${String(job.id)}`).not.toBeNull();
      return Number(match?.[1]);
    });
    expect(new Set(ticks).size).toBe(ticks.length);
    const sorted = [...ticks].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThanOrEqual(1_000);
    }
    // And each run wrote one snapshot: nothing ran beside the jobs counted here.
    expect(await redis.llen(history)).toBe(runs.length);
  });
});
