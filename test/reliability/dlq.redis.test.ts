/**
 * Failures end visible and replayable: classified, retried by their class's
 * policy, then dead-lettered; replay brings the same job_id back to life.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import WebSocket from 'ws';
import type { Queues } from '../../src/jobs/queues.ts';
import { replayDeadLetter } from '../../src/jobs/replay.ts';
import { runMonitoringJob } from '../../src/worker/monitoring.ts';
import { PROCESSORS } from '../../src/worker/processors/index.ts';
import type { TaskProcessor } from '../../src/worker/processors/types.ts';
import { bearerProtocols, startTestStack, waitForJob, type TestStack } from '../helpers/stack.ts';
import { until } from '../helpers/wait.ts';

const FAST_RETRIES = {
  PHISHNET_RETRY_EXTERNAL_RETRIES: '2',
  PHISHNET_RETRY_EXTERNAL_DELAY_MS: '100',
  PHISHNET_RETRY_RESOURCE_RETRIES: '0',
};

/** Stands in for an external provider (a feed, a sandbox API) that answers 503 until it recovers. */
function flakyProvider(): { processor: TaskProcessor; recover(): void; calls(): number } {
  let failing = true;
  let calls = 0;
  return {
    processor: (context) => {
      calls += 1;
      if (failing)
        return Promise.reject(Object.assign(new Error('provider answered 503'), { status: 503 }));
      return PROCESSORS.full_email_scan(context);
    },
    recover: () => {
      failing = false;
    },
    calls: () => calls,
  };
}

async function submit(stack: TestStack, analysisType: string): Promise<string> {
  const response = await stack.inject({
    method: 'POST',
    url: '/api/v1/analysis/submit',
    payload: {
      subject: 'Invoice',
      sender: 'billing@example.com',
      content: 'Please see the invoice.',
      analysis_type: analysisType,
    },
  });
  expect(response.statusCode).toBe(202);
  return response.json<{ job_id: string }>().job_id;
}

describe('when a job exhausts its retries', () => {
  const provider = flakyProvider();
  let stack: TestStack;
  let jobId: string;
  beforeAll(async () => {
    stack = await startTestStack({
      workers: true,
      env: FAST_RETRIES,
      processors: { full_email_scan: provider.processor },
    });
    jobId = await submit(stack, 'standard');
  });
  afterAll(async () => {
    await stack.close();
  });

  const dlq = async (query = '') =>
    (await stack.inject({ url: `/api/v1/workers/dlq${query}` })).json<{
      entries: {
        task_id: string;
        error: { class: string; code: string };
        attempts: number;
        lane: string;
        task: string;
      }[];
      total: number;
      counts_by_class: Record<string, number>;
    }>();

  it('retries an external failure by its policy, then moves it to the dead-letter queue', async () => {
    const status = await waitForJob(stack, jobId);
    expect(status).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'TASK_FAILED', class: 'external', message: 'provider answered 503' },
    });
    expect(provider.calls()).toBe(3);
    const list = await until(dlq, (l) => l.total > 0);
    expect(list.entries[0]).toMatchObject({
      task_id: jobId,
      lane: 'standard',
      task: 'full_email_scan',
      attempts: 3,
      error: { class: 'external', code: 'TASK_FAILED' },
    });
    expect(list.counts_by_class.external).toBe(1);
  });

  it('filters the dead-letter queue by class, lane and task', async () => {
    expect((await dlq('?class=external&lane=standard&task=full_email_scan')).total).toBe(1);
    expect((await dlq('?class=permanent')).total).toBe(0);
    expect((await dlq('?lane=heavy')).total).toBe(0);
    const bad = await stack.inject({ url: '/api/v1/workers/dlq?class=sometimes' });
    expect(bad.statusCode).toBe(400);
  });

  it('replays once when two replays race, and the original job_id follows the new run', async () => {
    provider.recover();
    const [first, second] = await Promise.all(
      [1, 2].map(() =>
        stack.inject({ method: 'POST', url: `/api/v1/workers/dlq/${jobId}/replay` }),
      ),
    );
    expect([first!.statusCode, second!.statusCode].sort()).toEqual([202, 404]);
    const status = await until(
      async () =>
        (await stack.inject({ url: `/api/v1/analysis/status/${jobId}` })).json<
          Record<string, unknown>
        >(),
      (s) => s.status === 'completed',
    );
    expect(status).toMatchObject({ status: 'completed', replays: 1, error: null });
    expect((await dlq()).total).toBe(0);
  });
});

describe('while a job waits to be retried', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      workers: true,
      env: { ...FAST_RETRIES, PHISHNET_RETRY_EXTERNAL_DELAY_MS: '60000' },
      processors: { full_email_scan: flakyProvider().processor },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('its status shows the attempts, the last error and its class', async () => {
    const jobId = await submit(stack, 'standard');
    const status = await until(
      async () =>
        (await stack.inject({ url: `/api/v1/analysis/status/${jobId}` })).json<{
          attempts: number;
          status: string;
        }>(),
      // The failed attempt is recorded a moment before the job is back in its queue.
      (s) => s.attempts === 1 && s.status === 'pending',
    );
    expect(status).toMatchObject({
      status: 'pending',
      attempts: 1,
      error: { code: 'TASK_FAILED', class: 'external', message: 'provider answered 503' },
    });
  });
});

describe('when a job fails permanently or is cleared', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      workers: true,
      env: FAST_RETRIES,
      processors: {
        quick_email_scan: () => Promise.reject(new TypeError('a bug in the processor')),
      },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('does not retry a permanent failure, and clear and replay-all work by filter', async () => {
    const ids = [await submit(stack, 'quick'), await submit(stack, 'quick')];
    for (const id of ids) {
      expect(await waitForJob(stack, id)).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: { class: 'permanent' },
      });
    }
    const list = async () =>
      (await stack.inject({ url: '/api/v1/workers/dlq' })).json<{ total: number }>();
    await until(list, (l) => l.total === 2);
    const none = await stack.inject({
      method: 'DELETE',
      url: '/api/v1/workers/dlq/clear?class=external',
    });
    expect(none.json()).toEqual({ count: 0 });
    const replayed = await stack.inject({
      method: 'POST',
      url: '/api/v1/workers/dlq/replay-all',
      payload: { class: 'permanent' },
    });
    expect(replayed.json()).toEqual({ count: 2 });
    await until(list, (l) => l.total === 2);
    const cleared = await stack.inject({ method: 'DELETE', url: '/api/v1/workers/dlq/clear' });
    expect(cleared.json()).toEqual({ count: 2 });
    expect((await list()).total).toBe(0);
    const missing = await stack.inject({
      method: 'POST',
      url: `/api/v1/workers/dlq/${ids[0]!}/replay`,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('API_DLQ_ENTRY_NOT_FOUND');
  });
});

describe('when a dead letter of a batch is replayed', () => {
  let failing = true;
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      workers: true,
      env: FAST_RETRIES,
      processors: {
        quick_email_scan: (context) =>
          failing
            ? Promise.reject(new TypeError('a bug in the processor'))
            : PROCESSORS.quick_email_scan(context),
      },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('its batch counts the job once: the failure it took back, then the new run', async () => {
    const raw = Buffer.from('From: a@example.com\r\nSubject: Hi\r\n\r\nHello.').toString('base64');
    const submitted = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      payload: { emails: [{ raw }, { raw }], analysis_type: 'quick' },
    });
    expect(submitted.statusCode).toBe(202);
    const { batch_id: batchId, job_ids: jobIds } = submitted.json<{
      batch_id: string;
      job_ids: string[];
    }>();
    const batch = async () =>
      (await stack.inject({ url: `/api/v1/analysis/batch/${batchId}` })).json<{
        counts: { pending: number; completed: number; failed: number };
        progress: number;
      }>();
    await until(batch, (b) => b.counts.failed === 2);
    const dead = async () =>
      (await stack.inject({ url: '/api/v1/workers/dlq' })).json<{ total: number }>();
    await until(dead, (l) => l.total === 2);

    // A replay that cannot queue the job gives back all it took.
    const broken = Object.fromEntries(
      Object.entries(stack.jobs.queues).map(([lane, queue]) => [
        lane,
        new Proxy(queue, {
          get: (target, property, receiver) =>
            property === 'getJob'
              ? () => Promise.reject(new Error('connection lost'))
              : (Reflect.get(target, property, receiver) as unknown),
        }),
      ]),
    ) as Queues;
    await expect(replayDeadLetter({ ...stack.jobs, queues: broken }, jobIds[0]!)).rejects.toThrow(
      'connection lost',
    );
    expect((await dead()).total).toBe(2);
    expect((await batch()).counts).toMatchObject({ pending: 0, failed: 2 });
    expect(await waitForJob(stack, jobIds[0]!)).toMatchObject({
      status: 'failed',
      replays: 0,
      error: { code: 'TASK_FAILED', class: 'permanent' },
    });

    failing = false;
    const replayed = await stack.inject({
      method: 'POST',
      url: `/api/v1/workers/dlq/${jobIds[0]!}/replay`,
    });
    expect(replayed.statusCode).toBe(202);
    expect(await waitForJob(stack, jobIds[0]!)).toMatchObject({ status: 'completed' });
    expect(await until(batch, (b) => b.counts.completed === 1)).toMatchObject({
      counts: { pending: 0, completed: 1, failed: 1 },
      progress: 100,
    });
  });
});

describe('cancellation and time limits', () => {
  let stack: TestStack;
  const started: string[] = [];
  /** A task that runs until it is told to stop, as a long analysis would. */
  const untilAborted: TaskProcessor = (context) => {
    started.push(context.payload.job_id);
    return new Promise((_resolve, reject) => {
      context.signal.addEventListener('abort', () => {
        reject(context.signal.reason as Error);
      });
    });
  };
  beforeAll(async () => {
    stack = await startTestStack({
      workers: true,
      env: { ...FAST_RETRIES, PHISHNET_TASK_TIME_LIMIT_SECONDS: '1' },
      processors: { quick_email_scan: untilAborted, deep_attachment_scan: untilAborted },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('aborts a running job wherever it runs, and its status says cancelled', async () => {
    const jobId = await submit(stack, 'quick');
    await until(() => Promise.resolve(started.includes(jobId)), Boolean);
    const cancelled = await stack.inject({
      method: 'DELETE',
      url: `/api/v1/analysis/${jobId}`,
    });
    expect(cancelled.json()).toEqual({ job_id: jobId, status: 'cancelled', how: 'aborted' });
    const status = await until(
      async () =>
        (await stack.inject({ url: `/api/v1/analysis/status/${jobId}` })).json<
          Record<string, unknown>
        >(),
      (s) => s.status === 'cancelled',
    );
    expect(status.error).toMatchObject({ code: 'TASK_CANCELLED' });
    // A cancelled job is not a dead letter.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await stack.inject({ url: '/api/v1/workers/dlq' })).json()).toMatchObject({
      total: 0,
    });
  });

  it('answers 409 for a finished job and 404 for an unknown one', async () => {
    const jobId = await submit(stack, 'standard');
    expect(await waitForJob(stack, jobId)).toMatchObject({ status: 'completed' });
    const finished = await stack.inject({ method: 'DELETE', url: `/api/v1/analysis/${jobId}` });
    expect(finished.statusCode).toBe(409);
    expect(finished.json<{ error: { code: string } }>().error.code).toBe('API_JOB_FINISHED');
    const unknown = await stack.inject({
      method: 'DELETE',
      url: '/api/v1/analysis/00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('stops a task at its time limit and classifies it as a resource failure', async () => {
    const jobId = await submit(stack, 'comprehensive');
    const list = await until(
      async () =>
        (await stack.inject({ url: '/api/v1/workers/dlq?task=deep_attachment_scan' })).json<{
          entries: { task_id: string; error: { class: string; code: string } }[];
        }>(),
      (l) => l.entries.length > 0,
    );
    expect(list.entries[0]).toMatchObject({
      task_id: `${jobId}-deep_attachment_scan`,
      error: { class: 'resource', code: 'TASK_TIME_LIMIT_EXCEEDED' },
    });
    // The flow goes on without the part that failed.
    const status = await waitForJob(stack, jobId, 30_000);
    expect(status).toMatchObject({ status: 'completed' });
    expect((status.result as { findings: { id: string }[] }).findings.map((f) => f.id)).toContain(
      'flow.part_failed',
    );

    // A replayed child that fails again is a dead letter again, and its job counts the replay.
    const childId = `${jobId}-deep_attachment_scan`;
    const replayed = await stack.inject({
      method: 'POST',
      url: `/api/v1/workers/dlq/${childId}/replay`,
    });
    expect(replayed.statusCode).toBe(202);
    const again = await until(
      async () =>
        (await stack.inject({ url: '/api/v1/workers/dlq?task=deep_attachment_scan' })).json<{
          entries: { task_id: string; replays: number }[];
        }>(),
      (l) => l.entries.some((entry) => entry.task_id === childId),
    );
    expect(again.entries.find((entry) => entry.task_id === childId)).toMatchObject({ replays: 1 });
  });
});

describe('cancelling a job that has not started', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('removes it, says cancelled, tells WebSocket clients, and a second cancel is harmless', async () => {
    const jobId = await submit(stack, 'quick');
    const base = await stack.listen();
    const socket = new WebSocket(
      `${base.replace(/^http/, 'ws')}/ws/jobs/${jobId}`,
      bearerProtocols(stack.adminToken),
    );
    const messages: { type: string }[] = [];
    socket.on('message', (data: Buffer) =>
      messages.push(JSON.parse(data.toString()) as { type: string }),
    );
    await until(
      () => Promise.resolve(messages.length),
      (n) => n > 0,
    );
    const cancelled = await stack.inject({
      method: 'DELETE',
      url: `/api/v1/analysis/${jobId}`,
    });
    expect(cancelled.json()).toEqual({ job_id: jobId, status: 'cancelled', how: 'removed' });
    expect(await stack.jobs.queues.realtime.getJob(jobId)).toBeUndefined();
    const status = (
      await stack.inject({ url: `/api/v1/analysis/status/${jobId}` })
    ).json<unknown>();
    expect(status).toMatchObject({ status: 'cancelled', progress: 0 });
    const again = await stack.inject({ method: 'DELETE', url: `/api/v1/analysis/${jobId}` });
    expect(again.statusCode).toBe(200);
    await until(
      () => Promise.resolve(messages.map((m) => m.type)),
      (types) => types.includes('job_cancelled'),
    );
    socket.close();
  });
});

describe('when a job fails where no PhishNet worker sees it', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('the periodic reconciliation buries it once', async () => {
    const jobId = await submit(stack, 'quick');
    // A bare BullMQ worker fails it: the way BullMQ fails a job that stalled too often,
    // no PhishNet code runs on its failure.
    const bare = new Worker(
      'realtime',
      () => Promise.reject(new UnrecoverableError('job stalled more than allowable limit')),
      {
        connection: stack.jobs.redis.duplicate({ maxRetriesPerRequest: null }),
        prefix: stack.config.prefix,
      },
    );
    await until(
      async () =>
        (await stack.inject({ url: `/api/v1/analysis/status/${jobId}` })).json<{
          status: string;
        }>(),
      (s) => s.status === 'failed',
    );
    await bare.close();
    const deps = {
      redis: stack.jobs.redis,
      queues: stack.jobs.queues,
      config: stack.config,
      bury: { ...stack.jobs, ttlMs: stack.config.retention.resultTtlMs },
    };
    const reconcile = { name: 'dlq_reconcile' } as unknown as Job;
    expect(await runMonitoringJob(deps, reconcile)).toEqual({ buried: 1 });
    expect(await runMonitoringJob(deps, reconcile)).toEqual({ buried: 0 });
    const list = (await stack.inject({ url: '/api/v1/workers/dlq' })).json<{
      total: number;
      entries: { task_id: string; error: { code: string; message: string } }[];
    }>();
    expect(list.total).toBe(1);
    expect(list.entries[0]).toMatchObject({
      task_id: jobId,
      error: { code: 'TASK_FAILED', message: 'job stalled more than allowable limit' },
    });
  });
});
