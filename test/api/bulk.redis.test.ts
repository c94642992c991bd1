import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bearerProtocols, fixture, startTestStack, type TestStack } from '../helpers/stack.ts';
import { until } from '../helpers/wait.ts';

const phish = fixture('phish-paypal-ip-link.eml').toString('base64');
const benign = fixture('benign-newsletter.eml').toString('base64');

describe('bulk submission', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ workers: true, env: { PHISHNET_BULK_MAX_EMAILS: '1000' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  const waiting = async () =>
    (await Promise.all(Object.values(stack.jobs.queues).map((queue) => queue.count()))).reduce(
      (a, b) => a + b,
      0,
    );

  it('accepts 1,000 emails in one request, at low priority, and counts them to the end', async () => {
    const emails = Array.from({ length: 1_000 }, (_, i) => ({ raw: i % 2 === 0 ? phish : benign }));
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      payload: { emails, analysis_type: 'quick' },
    });
    expect(response.statusCode).toBe(202);
    const body = response.json<{ batch_id: string; job_ids: string[]; total_jobs: number }>();
    expect(body.total_jobs).toBe(1_000);
    expect(new Set(body.job_ids).size).toBe(1_000);
    const first = (
      await stack.inject({ url: `/api/v1/analysis/status/${body.job_ids[0]!}` })
    ).json<unknown>();
    expect(first).toMatchObject({ routing: { priority: 'low', lane: 'realtime' } });

    const batch = await until(
      async () =>
        (
          await stack.inject({
            url: `/api/v1/analysis/batch/${body.batch_id}?page=2&page_size=10`,
          })
        ).json<{
          counts: { pending: number; completed: number; failed: number };
          verdicts: Record<string, number>;
          progress: number;
          jobs: { status: string; verdict: string | null }[];
        }>(),
      (b) => b.counts.pending === 0,
      60_000,
    );
    expect(batch.counts).toEqual({ pending: 0, completed: 1_000, failed: 0 });
    expect(batch.progress).toBe(100);
    expect(batch.verdicts.clean).toBe(500);
    expect((batch.verdicts.phishing ?? 0) + (batch.verdicts.malicious ?? 0)).toBe(500);
    expect(batch.jobs).toHaveLength(10);
    expect(batch.jobs.every((job) => job.status === 'completed' && job.verdict !== null)).toBe(
      true,
    );
  });

  it('rejects the whole request when one email is bad, naming its index, and enqueues nothing', async () => {
    const before = await waiting();
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      payload: {
        emails: [{ raw: phish }, { raw: benign }, { subject: 'no body' }],
        analysis_type: 'quick',
      },
    });
    expect(response.statusCode).toBe(400);
    const fields = response
      .json<{ error: { details: { field: string }[] } }>()
      .error.details.map((d) => d.field);
    expect(fields).toContain('body.emails.2.content');
    expect(await waiting()).toBe(before);
  });

  it('answers 413 above the configured count', async () => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      payload: {
        emails: Array.from({ length: 1_001 }, () => ({ content: 'x' })),
        analysis_type: 'quick',
      },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('API_BULK_TOO_MANY');
  });

  it('answers 404 for an unknown batch', async () => {
    const response = await stack.inject({
      url: '/api/v1/analysis/batch/00000000-0000-4000-8000-000000000000',
    });
    expect(response.statusCode).toBe(404);
  });

  it('streams batch progress over /ws/batches/{id} until it completes', async () => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      payload: {
        emails: Array.from({ length: 50 }, () => ({ raw: benign })),
        analysis_type: 'quick',
      },
    });
    const { batch_id: batchId } = response.json<{ batch_id: string }>();
    const base = await stack.listen();
    const messages = await new Promise<{ type: string; progress: number }[]>((resolve, reject) => {
      const received: { type: string; progress: number }[] = [];
      const socket = new WebSocket(
        `${base.replace(/^http/, 'ws')}/ws/batches/${batchId}`,
        bearerProtocols(stack.adminToken),
      );
      socket.on('message', (data: Buffer) => {
        received.push(JSON.parse(data.toString()) as { type: string; progress: number });
      });
      socket.on('close', () => {
        resolve(received);
      });
      socket.on('error', reject);
    });
    expect(messages.at(-1)).toMatchObject({ type: 'batch_completed', progress: 100 });
    const progress = messages.map((m) => m.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});
