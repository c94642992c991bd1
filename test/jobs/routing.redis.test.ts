/**
 * Dynamic routing against a real queue: what the email is and realtime's load, read
 * from Redis, move jobs between lanes, and the status says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoadProbe, readRealtimeLoad } from '../../src/jobs/load.ts';
import { BULLMQ_PRIORITY } from '../../src/jobs/routing.ts';
import { fixture, startTestStack, type TestStack } from '../helpers/stack.ts';

const phish = fixture('phish-paypal-ip-link.eml').toString('utf8');

interface Status {
  lane: string;
  routing: { lane: string; priority: string; reason: string };
}

describe('routing by email and load', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // No workers: jobs stay waiting, so the backlog is what the test puts there.
    stack = await startTestStack({
      env: {
        PHISHNET_ROUTE_SPILL_BACKLOG: '5',
        PHISHNET_ROUTE_SPILL_WAIT_SECONDS: '3600',
        PHISHNET_ROUTE_LOAD_CACHE_MS: '0',
        PHISHNET_ROUTE_REALTIME_MAX_EMAIL_BYTES: '20000',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  const submit = async (payload: Record<string, unknown>): Promise<Status> => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { raw: phish, analysis_type: 'quick', ...payload },
    });
    expect(response.statusCode).toBe(202);
    const { job_id: jobId } = response.json<{ job_id: string }>();
    return (await stack.inject({ url: `/api/v1/analysis/status/${jobId}` })).json<Status>();
  };

  it('reads the backlog and the oldest wait of realtime', async () => {
    expect(await readRealtimeLoad(stack.jobs.redis, stack.jobs.queues)).toEqual({
      realtimeBacklog: 0,
      realtimeOldestWaitSeconds: null,
    });
    const queue = stack.jobs.queues.realtime;
    await queue.add('quick_email_scan', {}, { priority: BULLMQ_PRIORITY.low });
    await queue.add('quick_email_scan', {}, { priority: BULLMQ_PRIORITY.urgent });
    await queue.add('quick_email_scan', {});
    const now = Date.now() + 10_000;
    const load = await readRealtimeLoad(stack.jobs.redis, stack.jobs.queues, now);
    expect(load.realtimeBacklog).toBe(3);
    expect(load.realtimeOldestWaitSeconds).toBeGreaterThanOrEqual(10);
    expect(load.realtimeOldestWaitSeconds).toBeLessThan(70);
  });

  it('sends a quick scan of a large email to the standard lane, and says why', async () => {
    const big = `${phish}\r\n${'x'.repeat(30_000)}`;
    const status = await submit({ raw: big, priority: 'urgent' });
    expect(status.lane).toBe('standard');
    expect(status.routing.reason).toContain('not realtime work');
    expect(status.routing.reason).toContain('over 19.5 KiB');
  });

  it('spills low-priority work to background once realtime has a backlog, but nothing else', async () => {
    await stack.jobs.queues.realtime.addBulk(
      Array.from({ length: 5 }, () => ({ name: 'quick_email_scan', data: {} })),
    );
    const low = await submit({ priority: 'low' });
    expect(low.lane).toBe('background');
    expect(low.routing.reason).toMatch(
      /spilled from realtime: \d+ jobs waiting there \(threshold 5\)/,
    );
    const normal = await submit({ priority: 'normal' });
    expect(normal.lane).toBe('realtime');
    expect(normal.routing.reason).not.toContain('spilled');
  });

  it("counts a bulk's own jobs as they are routed", async () => {
    await stack.jobs.queues.realtime.obliterate({ force: true });
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      payload: {
        emails: Array.from({ length: 8 }, () => ({ raw: phish })),
        analysis_type: 'quick',
      },
    });
    expect(response.statusCode).toBe(202);
    const lanes = await Promise.all(
      response
        .json<{ job_ids: string[] }>()
        .job_ids.map(
          async (id) =>
            (await stack.inject({ url: `/api/v1/analysis/status/${id}` })).json<Status>().lane,
        ),
    );
    expect(lanes.filter((lane) => lane === 'realtime')).toHaveLength(5);
    expect(lanes.filter((lane) => lane === 'background')).toHaveLength(3);
    expect(await stack.jobs.queues.background.count()).toBeGreaterThanOrEqual(3);
  });
});

describe('the load probe', () => {
  it('reads once per cache period, and routes without the load when Redis cannot be read', async () => {
    let now = 0;
    let reads = 0;
    let failing = false;
    const probe = createLoadProbe(
      () => {
        reads += 1;
        return failing
          ? Promise.reject(new Error('redis away'))
          : Promise.resolve({ realtimeBacklog: reads, realtimeOldestWaitSeconds: null });
      },
      1_000,
      () => now,
    );
    const [a, b] = await Promise.all([probe.read(), probe.read()]);
    expect(a).toEqual(b);
    expect(reads).toBe(1);
    now = 999;
    expect((await probe.read())?.realtimeBacklog).toBe(1);
    now = 1_000;
    expect((await probe.read())?.realtimeBacklog).toBe(2);
    failing = true;
    now = 5_000;
    expect(await probe.read()).toBeNull();
  });
});
