import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/contracts/error-codes.ts';
import { fixture, startTestStack, waitForJob, type TestStack } from '../helpers/stack.ts';

const PHISH = {
  subject: 'Your account is suspended',
  sender: 'PayPal Security <security@paypa1-alerts.com>',
  content:
    '<p>We noticed unusual activity. Verify your password within 24 hours or your account will be closed.</p><a href="http://203.0.113.9/paypal/login">https://www.paypal.com/signin</a>',
  analysis_type: 'quick',
};

async function waitingCount(stack: TestStack): Promise<number> {
  const counts = await Promise.all(Object.values(stack.jobs.queues).map((queue) => queue.count()));
  return counts.reduce((sum, count) => sum + count, 0);
}

describe('the analysis API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ workers: true, env: { PHISHNET_MAX_EMAIL_BYTES: '65536' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('accepts a submission with 202 and the seed fields', async () => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: PHISH,
    });
    expect(response.statusCode).toBe(202);
    const body = response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      status: 'submitted',
      estimated_completion: '10 seconds',
      routing: { lane: 'realtime', task: 'quick_email_scan', priority: 'normal' },
    });
    expect(body.polling_url).toBe(`/api/v1/analysis/status/${String(body.job_id)}`);
    expect(body.websocket_url).toBe(`/ws/jobs/${String(body.job_id)}`);
  });

  it('analyzes a quick submission on a worker and returns its verdict in the status', async () => {
    const submitted = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: PHISH,
    });
    const status = await waitForJob(stack, submitted.json<{ job_id: string }>().job_id);
    expect(status).toMatchObject({
      status: 'completed',
      progress: 100,
      lane: 'realtime',
      error: null,
    });
    expect(typeof status.processing_time).toBe('number');
    const result = status.result as { verdict: string; findings: { id: string }[] };
    expect(['phishing', 'malicious']).toContain(result.verdict);
    expect(result.findings.map((finding) => finding.id)).toContain('links.ip_host');
  });

  it('accepts the raw message as base64 and as an .eml upload', async () => {
    const raw = fixture('benign-newsletter.eml');
    const asBase64 = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { raw: raw.toString('base64'), analysis_type: 'quick' },
    });
    expect(asBase64.statusCode).toBe(202);
    const boundary = '----phishnet-test';
    const multipart = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="analysis_type"\r\n\r\nquick\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="priority"\r\n\r\nhigh\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="sample.eml"\r\nContent-Type: message/rfc822\r\n\r\n`,
      ),
      raw,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const uploaded = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: multipart,
    });
    expect(uploaded.statusCode).toBe(202);
    expect(uploaded.json<{ routing: { priority: string } }>().routing.priority).toBe('high');
    const [first, second] = await Promise.all([
      waitForJob(stack, asBase64.json<{ job_id: string }>().job_id),
      waitForJob(stack, uploaded.json<{ job_id: string }>().job_id),
    ]);
    expect(first).toMatchObject({ status: 'completed', result: { verdict: 'clean' } });
    expect(second.result).toMatchObject({ verdict: 'clean' });
  });

  it('stores a resubmitted email once', async () => {
    const raw = fixture('benign-newsletter.eml').toString('base64');
    for (let i = 0; i < 2; i++) {
      await stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit',
        payload: { raw, analysis_type: 'quick' },
      });
    }
    const blobs = await stack.jobs.redis.keys(`${stack.config.prefix}:blob:*`);
    const distinct = new Set(blobs);
    expect(distinct.size).toBe(blobs.length);
    expect(blobs.length).toBeLessThanOrEqual(2);
  });

  it('runs a standard analysis as a full scan with the model', async () => {
    const submitted = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { ...PHISH, analysis_type: 'standard' },
    });
    expect(submitted.json()).toMatchObject({
      routing: { lane: 'standard', task: 'full_email_scan' },
    });
    const status = await waitForJob(stack, submitted.json<{ job_id: string }>().job_id);
    expect(status).toMatchObject({ status: 'completed', lane: 'standard' });
    expect((status.result as { analyzers: string[] }).analyzers).toContain('ml');
  });

  it('runs a comprehensive analysis as a flow whose parent merges its children', async () => {
    const submitted = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: {
        raw: fixture('attachment-zip-script.eml').toString('base64'),
        analysis_type: 'comprehensive',
      },
    });
    const jobId = submitted.json<{ job_id: string }>().job_id;
    expect(submitted.json()).toMatchObject({
      routing: { lane: 'heavy', task: 'comprehensive_analysis' },
    });
    const status = await waitForJob(stack, jobId, 30_000);
    expect(status).toMatchObject({ status: 'completed', progress: 100 });
    const result = status.result as { verdict: string; analyzers: string[] };
    expect(result.verdict).toBe('malicious');
    expect(result.analyzers).toEqual(
      expect.arrayContaining(['headers', 'ml', 'attachments', 'sandbox', 'intel']),
    );
  });

  describe('when the request is bad', () => {
    it.each([
      ['no analysis_type', { content: 'x' }, 'body.analysis_type'],
      ['an unknown analysis_type', { content: 'x', analysis_type: 'deep' }, 'body.analysis_type'],
      [
        'an unknown priority',
        { content: 'x', analysis_type: 'quick', priority: 'asap' },
        'body.priority',
      ],
      ['neither raw nor content', { subject: 's', analysis_type: 'quick' }, 'body.content'],
      [
        'a number for subject',
        { subject: 7, content: 'x', analysis_type: 'quick' },
        'body.subject',
      ],
    ])(
      'answers 400 naming the field for %s, and enqueues nothing',
      async (_name, payload, field) => {
        const before = await waitingCount(stack);
        const response = await stack.inject({
          method: 'POST',
          url: '/api/v1/analysis/submit',
          payload,
        });
        expect(response.statusCode).toBe(400);
        const body = response.json<{
          error: { code: string; details: { field: string }[] };
          requestId: string;
        }>();
        expect(body.error.code).toBe('API_REQUEST_INVALID');
        expect(body.error.details.map((detail) => detail.field)).toContain(field);
        expect(body.requestId).toBeTruthy();
        expect(await waitingCount(stack)).toBe(before);
      },
    );

    it('answers 400 for malformed JSON', async () => {
      const response = await stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit',
        headers: { 'content-type': 'application/json' },
        payload: '{"analysis_type":',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('API_REQUEST_INVALID');
    });

    it('answers 413 for an email over the limit, and 413 for a body over the limit', async () => {
      const big = `Subject: big\r\n\r\n${'a'.repeat(70_000)}`;
      const email = await stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit',
        payload: { raw: big, analysis_type: 'quick' },
      });
      expect(email.statusCode).toBe(413);
      expect(email.json<{ error: { code: string } }>().error.code).toBe('API_EMAIL_TOO_LARGE');
      const body = await stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit',
        payload: { raw: 'x'.repeat(2 * 1024 * 1024), analysis_type: 'quick' },
      });
      expect(body.statusCode).toBe(413);
      expect(body.json<{ error: { code: string } }>().error.code).toBe('API_BODY_TOO_LARGE');
    });

    it('answers 415 for a body that is neither JSON nor multipart', async () => {
      const response = await stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit',
        headers: { 'content-type': 'text/plain' },
        payload: 'hello',
      });
      expect(response.statusCode).toBe(415);
      expect(response.json<{ error: { code: string } }>().error.code).toBe(
        'API_UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('answers 404 with a JSON error for an unknown job, and 400 for a malformed id', async () => {
      const unknown = await stack.inject({
        method: 'GET',
        url: '/api/v1/analysis/status/00000000-0000-4000-8000-000000000000',
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json<{ error: { code: string } }>().error.code).toBe('API_JOB_NOT_FOUND');
      const malformed = await stack.inject({
        method: 'GET',
        url: '/api/v1/analysis/status/nope',
      });
      expect(malformed.statusCode).toBe(400);
    });
  });

  describe('health and docs', () => {
    it('is alive and ready while Redis answers', async () => {
      expect((await stack.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
      expect((await stack.inject({ url: '/readyz' })).json()).toEqual({
        status: 'ready',
        redis: 'up',
      });
    });

    it('serves an OpenAPI document naming the routes and every error code', async () => {
      const response = await stack.inject({ url: '/docs/json' });
      expect(response.statusCode).toBe(200);
      const text = response.body;
      expect(text).toContain('/api/v1/analysis/submit');
      expect(text).toContain('/api/v1/analysis/status/{job_id}');
      for (const code of Object.keys(ERROR_CODES)) expect(text).toContain(code);
      expect((await stack.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
    });
  });
});
