/**
 * Every input limit answers with its own clear 413 or 400, enqueues nothing,
 * and leaves the API serving: email size (a 30 MB email against the default
 * 25 MB), JSON body size, bulk count, header fields and bytes, MIME depth and
 * attachment count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { nestedMultiparts, withAttachments } from '../helpers/hostile-emails.ts';

const MB = 1024 * 1024;

async function queued(stack: TestStack): Promise<number> {
  const counts = await Promise.all(Object.values(stack.jobs.queues).map((queue) => queue.count()));
  return counts.reduce((sum, count) => sum + count, 0);
}

interface ErrorBody {
  error: { code: string; message: string; details?: { field?: string; limit?: string }[] };
  requestId: string;
}

describe('a 30 MB email against the default 25 MB limit', () => {
  let stack: TestStack;
  let big: Buffer;
  beforeAll(async () => {
    stack = await startTestStack();
    const line = `${'a'.repeat(998)}\r\n`;
    big = Buffer.from(
      `From: a@example.org\r\nSubject: big\r\n\r\n${line.repeat((30 * MB) / line.length)}`,
    );
  });
  afterAll(async () => {
    await stack.close();
  });

  it('is refused with 413 naming its size and the limit, as JSON text', async () => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { raw: big.toString('utf8'), analysis_type: 'quick' },
    });
    expect(response.statusCode).toBe(413);
    const body = response.json<ErrorBody>();
    expect(body.error.code).toBe('API_EMAIL_TOO_LARGE');
    expect(body.error.message).toBe(
      `the email is ${big.length} bytes; the limit is ${25 * MB} (PHISHNET_MAX_EMAIL_BYTES)`,
    );
    expect(body.requestId).toBeTruthy();
  });

  it('is refused with 413 as base64 (the body is over the limit)', async () => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { raw: big.toString('base64'), analysis_type: 'quick' },
    });
    expect(response.statusCode).toBe(413);
    const body = response.json<ErrorBody>();
    expect(body.error.code).toBe('API_BODY_TOO_LARGE');
    expect(body.error.message).toMatch(
      /request body is larger than this route's limit of \d+ bytes/,
    );
  });

  it('is refused with 413 as an .eml upload', async () => {
    const boundary = '----limit';
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="analysis_type"\r\n\r\nquick\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.eml"\r\n\r\n`,
        ),
        big,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json<ErrorBody>().error.code).toBe('API_EMAIL_TOO_LARGE');
  });

  it('enqueued nothing, and the API still serves', async () => {
    expect(await queued(stack)).toBe(0);
    const ok = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { content: 'small', analysis_type: 'quick' },
    });
    expect(ok.statusCode).toBe(202);
  });
});

describe('the other input limits', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      env: {
        PHISHNET_MAX_JSON_BODY_BYTES: String(64 * 1024),
        PHISHNET_BULK_MAX_EMAILS: '10',
        PHISHNET_MAX_HEADER_FIELDS: '50',
        PHISHNET_MAX_HEADER_BYTES: String(16 * 1024),
        PHISHNET_MAX_MIME_DEPTH: '20',
        PHISHNET_MAX_ATTACHMENTS: '10',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  const submit = (raw: string) =>
    stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { raw, analysis_type: 'quick' },
    });

  it.each([
    [
      'too many header fields',
      `${Array.from({ length: 51 }, (_, i) => `X-Field-${i}: v`).join('\r\n')}\r\n\r\nbody`,
      'API_EMAIL_HEADER_LIMIT',
      /more than 50 header fields \(PHISHNET_MAX_HEADER_FIELDS\), in its message/,
    ],
    [
      'a header block too long',
      `Subject: ${'s'.repeat(20_000)}\r\n\r\nbody`,
      'API_EMAIL_HEADER_LIMIT',
      /a header block over 16384 bytes/,
    ],
    [
      'MIME parts nested too deep',
      nestedMultiparts(21),
      'API_EMAIL_MIME_TOO_DEEP',
      /MIME parts nested more than 20 deep/,
    ],
    [
      'too many attachments',
      withAttachments(11),
      'API_EMAIL_TOO_MANY_ATTACHMENTS',
      /more than 10 attachments/,
    ],
  ])('answers 400 for %s, saying which limit', async (_name, raw, code, message) => {
    const before = await queued(stack);
    const response = await submit(raw);
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorBody>();
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
    expect(await queued(stack)).toBe(before);
  });

  it('accepts mail right at each limit', async () => {
    for (const raw of [nestedMultiparts(20), withAttachments(10)]) {
      expect((await submit(raw)).statusCode).toBe(202);
    }
  });

  it('names the offending email of a bulk request, and enqueues none of the batch', async () => {
    const before = await queued(stack);
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      payload: {
        emails: [{ content: 'fine' }, { raw: nestedMultiparts(30) }, { content: 'fine' }],
        analysis_type: 'quick',
      },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorBody>();
    expect(body.error.code).toBe('API_EMAIL_MIME_TOO_DEEP');
    expect(body.error.message).toMatch(/^emails\[1\] has/);
    expect(body.error.details?.[0]).toMatchObject({ field: 'body.emails.1', limit: 'mime_depth' });
    expect(await queued(stack)).toBe(before);
  });

  it('answers 413 for a bulk request with more emails than allowed', async () => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      payload: {
        emails: Array.from({ length: 11 }, () => ({ content: 'x' })),
        analysis_type: 'quick',
      },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json<ErrorBody>().error.code).toBe('API_BULK_TOO_MANY');
  });

  it('answers 413 for a JSON body over the limit on a route that takes no email', async () => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/workers/dlq/replay-all',
      payload: { task: 'x'.repeat(100 * 1024) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json<ErrorBody>().error.code).toBe('API_BODY_TOO_LARGE');
  });

  it('replaces a client request id it will not echo with a fresh one, and keeps a tame one', async () => {
    const response = await stack.inject({
      url: '/api/v1/analysis/status/nope',
      headers: { 'x-request-id': `<script>${'x'.repeat(200)}` },
    });
    expect(response.statusCode).toBe(400);
    const id = response.json<ErrorBody>().requestId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers['x-request-id']).toBe(id);
    const tame = await stack.inject({
      url: '/api/v1/analysis/status/nope',
      headers: { 'x-request-id': 'client-req-42' },
    });
    expect(tame.json<ErrorBody>().requestId).toBe('client-req-42');
  });
});
