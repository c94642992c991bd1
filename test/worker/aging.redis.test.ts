import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agePriorities, type AgingDeps } from '../../src/worker/aging.ts';
import { runMonitoringJob } from '../../src/worker/monitoring.ts';
import { fixture, startTestStack, type TestStack } from '../helpers/stack.ts';

const phish = fixture('phish-paypal-ip-link.eml').toString('utf8');

interface Status {
  status: string;
  routing: { priority: string; bullmq_priority: number; aged_from?: number; reason: string };
}

describe('priority aging', () => {
  let stack: TestStack;
  let deps: AgingDeps;
  const afterMs = 60_000;
  beforeAll(async () => {
    // No workers: the jobs wait, which is what aging is about.
    stack = await startTestStack({ env: { PHISHNET_AGING_AFTER_SECONDS: '1' } });
    deps = {
      redis: stack.jobs.redis,
      queues: stack.jobs.queues,
      prefix: stack.config.prefix,
      afterMs,
      ttlMs: stack.config.retention.resultTtlMs,
    };
  });
  afterAll(async () => {
    await stack.close();
  });

  const submit = async (analysisType: string, priority: string): Promise<string> => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { raw: phish, analysis_type: analysisType, priority },
    });
    expect(response.statusCode).toBe(202);
    return response.json<{ job_id: string }>().job_id;
  };
  const status = async (jobId: string): Promise<Status> =>
    (await stack.inject({ url: `/api/v1/analysis/status/${jobId}` })).json<Status>();
  const bullmqPriority = async (lane: 'realtime' | 'standard', jobId: string) =>
    ((await stack.jobs.queues[lane].getJob(jobId)) as Job | undefined)?.priority;

  it('lifts a job that waited one period by one step, and says so in its status', async () => {
    const low = await submit('quick', 'low');
    const urgent = await submit('quick', 'urgent');
    const submittedAt = Date.now();

    expect((await agePriorities(deps, submittedAt + afterMs / 2)).lifted).toBe(0);
    const first = await agePriorities(deps, submittedAt + afterMs * 1.5);
    expect(first.byLane.realtime).toBe(1);
    expect(await bullmqPriority('realtime', low)).toBe(15);
    expect(await bullmqPriority('realtime', urgent)).toBe(1);
    const aged = await status(low);
    expect(aged.status).toBe('pending');
    expect(aged.routing).toMatchObject({ priority: 'low', bullmq_priority: 15, aged_from: 16 });
    expect(aged.routing.reason).toMatch(
      /; aged: waited 2 min, lifted from BullMQ priority 16 to 15 \(low\)$/,
    );
    // BullMQ serves it by its new priority: it is in the prioritized set at 15.
    const score = await stack.jobs.redis.zscore(
      stack.jobs.queues.realtime.toKey('prioritized'),
      low,
    );
    expect(Math.floor(Number(score) / 2 ** 32)).toBe(15);

    // The step it earned is taken: the same moment lifts nothing more.
    expect((await agePriorities(deps, submittedAt + afterMs * 1.5)).lifted).toBe(0);
  });

  it('takes one step per run however long the job waited, and never goes past urgent', async () => {
    const jobId = await submit('quick', 'normal');
    const muchLater = Date.now() + afterMs * 1_000;
    const seen: (number | undefined)[] = [];
    for (let run = 0; run < 9; run++) {
      await agePriorities(deps, muchLater);
      seen.push(await bullmqPriority('realtime', jobId));
    }
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1, 1, 1]);
    expect((await status(jobId)).routing).toMatchObject({
      priority: 'urgent',
      bullmq_priority: 1,
      aged_from: 8,
    });
  });

  it("lifts a flow's waiting children too, which have no record of their own", async () => {
    const jobId = await submit('comprehensive', 'normal');
    await agePriorities(deps, Date.now() + afterMs * 1.5);
    expect(await bullmqPriority('standard', `${jobId}-full_email_scan`)).toBe(7);
  });

  it('runs as the priority_aging monitoring job', async () => {
    const jobId = await submit('standard', 'high');
    await sleep(1_100); // PHISHNET_AGING_AFTER_SECONDS is 1 here
    const result = await runMonitoringJob(
      {
        redis: stack.jobs.redis,
        queues: stack.jobs.queues,
        config: stack.config,
        bury: { ...stack.jobs, ttlMs: stack.config.retention.resultTtlMs },
      },
      { name: 'priority_aging' } as unknown as Job,
    );
    expect(result).toMatchObject({ lifted: expect.any(Number) as number });
    expect(await bullmqPriority('standard', jobId)).toBe(3);
  });
});
