/**
 * An external provider that is down, through the real queues: its task retries by the
 * `external` policy, lands in the dead-letter queue as TASK_PROVIDER_FAILED, the comprehensive
 * analysis still gives its verdict without it, and a replay once the provider is back succeeds
 * and gives the verdict again with what the lookup found.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startTestStack, waitForJob, type TestStack } from '../helpers/stack.ts';
import { until } from '../helpers/wait.ts';

/** A stand-in provider on a free loopback port: 503 until `up()` says otherwise, then `answer`. */
async function startProvider(
  answer: (path: string) => unknown,
): Promise<{ base: string; requests: () => number; up: () => void; close: () => Promise<void> }> {
  let isUp = false;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      if (!isUp) return res.writeHead(503).end();
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(answer(req.url ?? '')));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    up: () => {
      isUp = true;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('when the intel provider is down', () => {
  let provider: Awaited<ReturnType<typeof startProvider>>;
  let stack: TestStack;
  beforeAll(async () => {
    provider = await startProvider(() => ({ matches: [] }));
    stack = await startTestStack({
      workers: true,
      env: {
        PHISHNET_INTEL_PROVIDER_URL: `${provider.base}/lookup`,
        PHISHNET_RETRY_EXTERNAL_RETRIES: '1',
        PHISHNET_RETRY_EXTERNAL_DELAY_MS: '100',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await provider.close();
  });

  it('retries as external, dead-letters the lookup, goes on without it, and a replay completes the verdict', async () => {
    // In a batch of one, whose counts must not count the job twice when its verdict is given again.
    const submitted = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      payload: {
        emails: [{ raw: fixture('phish-paypal-ip-link.eml').toString('base64') }],
        analysis_type: 'comprehensive',
      },
    });
    expect(submitted.statusCode).toBe(202);
    const { batch_id: batchId, job_ids: jobIds } = submitted.json<{
      batch_id: string;
      job_ids: string[];
    }>();
    const jobId = jobIds[0] ?? '';
    const status = await waitForJob(stack, jobId, 30_000);
    expect(status).toMatchObject({ status: 'completed' });
    const findings = (status.result as { findings: { id: string; evidence: string }[] }).findings;
    expect(findings.find((f) => f.id === 'flow.part_failed')?.evidence).toMatch(
      /^threat_intelligence_lookup: 127\.0\.0\.1:\d+ answered HTTP 503$/,
    );

    const childId = `${jobId}-threat_intelligence_lookup`;
    const dead = await until(
      async () =>
        (await stack.inject({ url: '/api/v1/workers/dlq?class=external' })).json<{
          entries: {
            task_id: string;
            attempts: number;
            error: { code: string; message: string };
          }[];
        }>(),
      (list) => list.entries.length > 0,
    );
    expect(dead.entries[0]).toMatchObject({
      task_id: childId,
      attempts: 2,
      error: {
        code: 'TASK_PROVIDER_FAILED',
        message: expect.stringMatching(/answered HTTP 503/) as unknown,
      },
    });
    expect(provider.requests()).toBe(2);

    provider.up();
    const replayed = await stack.inject({
      method: 'POST',
      url: `/api/v1/workers/dlq/${childId}/replay`,
    });
    expect(replayed.statusCode).toBe(202);
    const child = await until(
      async () => stack.jobs.queues.standard.getJobState(childId),
      (state) => state === 'completed',
    );
    expect(child).toBe('completed');
    expect(provider.requests()).toBe(3);

    // The child's result reaches the job: its verdict is given again, with the part it lacked.
    const rerun = await until(
      async () =>
        (await stack.inject({ url: `/api/v1/analysis/status/${jobId}` })).json<{
          status: string;
          replays: number;
          result: { findings: { id: string }[] } | null;
        }>(),
      (s) =>
        s.status === 'completed' && !s.result?.findings.some((f) => f.id === 'flow.part_failed'),
    );
    expect(rerun.replays).toBe(1);
    expect(rerun.result?.findings.map((f) => f.id)).toContain('intel.provider_consulted');
    const batch = await until(
      async () =>
        (await stack.inject({ url: `/api/v1/analysis/batch/${batchId}` })).json<{
          counts: { pending: number; completed: number; failed: number };
        }>(),
      (b) => b.counts.completed === 1,
    );
    expect(batch.counts).toMatchObject({ pending: 0, completed: 1, failed: 0 });
  });
});

describe('when the intel provider and the sandbox are down together', () => {
  let provider: Awaited<ReturnType<typeof startProvider>>;
  let stack: TestStack;
  beforeAll(async () => {
    provider = await startProvider((path) =>
      path === '/detonate' ? { verdict: 'malicious' } : { matches: [] },
    );
    stack = await startTestStack({
      workers: true,
      env: {
        PHISHNET_INTEL_PROVIDER_URL: `${provider.base}/lookup`,
        PHISHNET_SANDBOX_URL: `${provider.base}/detonate`,
        PHISHNET_RETRY_EXTERNAL_RETRIES: '0',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await provider.close();
  });

  it('a replay of both parts at once gives a verdict with both', async () => {
    const submitted = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: {
        raw: fixture('attachment-double-extension.eml').toString('base64'),
        analysis_type: 'comprehensive',
      },
    });
    const jobId = submitted.json<{ job_id: string }>().job_id;
    const first = await waitForJob(stack, jobId, 30_000);
    const parts = (result: unknown) =>
      (result as { findings: { id: string }[] }).findings.map((f) => f.id);
    expect(parts(first.result).filter((id) => id === 'flow.part_failed')).toHaveLength(2);
    await until(
      async () =>
        (await stack.inject({ url: '/api/v1/workers/dlq?class=external' })).json<{
          total: number;
        }>(),
      (list) => list.total === 2,
    );

    provider.up();
    const replayed = await stack.inject({
      method: 'POST',
      url: '/api/v1/workers/dlq/replay-all',
      payload: { class: 'external' },
    });
    expect(replayed.json()).toEqual({ count: 2 });
    // However the two completions fall around the parent's reruns, the last verdict has both.
    const final = await until(
      async () =>
        (await stack.inject({ url: `/api/v1/analysis/status/${jobId}` })).json<{
          status: string;
          result: unknown;
        }>(),
      (s) =>
        s.status === 'completed' &&
        parts(s.result).includes('intel.provider_consulted') &&
        parts(s.result).includes('sandbox.malicious'),
    );
    expect(parts(final.result)).not.toContain('flow.part_failed');
  });
});
