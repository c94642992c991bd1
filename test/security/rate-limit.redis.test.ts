/**
 * Per-user rate limits kept in Redis: 429 with Retry-After, then recovery once
 * the window has passed; a bulk request counts each email; one user's limit is
 * not another's; and two API instances share the count.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { bearerProtocols, startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect } from '../helpers/ws-client.ts';

const EMAIL = { subject: 's', sender: 'a@example.org', content: 'hello' };

async function queued(stack: TestStack): Promise<number> {
  const counts = await Promise.all(Object.values(stack.jobs.queues).map((queue) => queue.count()));
  return counts.reduce((sum, count) => sum + count, 0);
}

describe('the general API rate limit', () => {
  let stack: TestStack;
  let other: TestStack;
  beforeAll(async () => {
    const env = { PHISHNET_RATE_LIMIT_REQUESTS: '3', PHISHNET_RATE_LIMIT_WINDOW_SECONDS: '2' };
    stack = await startTestStack({ env });
    other = await startTestStack({ env: { ...env, PHISHNET_PREFIX: stack.config.prefix } });
  });
  afterAll(async () => {
    await other.app.close();
    await stack.close();
  });

  const me = async (target: TestStack, token: string) =>
    target.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

  it('answers 429 with Retry-After past the limit, then serves again after it', async () => {
    const alice = await stack.token('alice', 'analyst');
    for (let i = 0; i < 3; i++) expect((await me(stack, alice)).statusCode).toBe(200);
    const limited = await me(stack, alice);
    expect(limited.statusCode).toBe(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    const body = limited.json<{ error: { code: string; message: string }; requestId: string }>();
    expect(body.error.code).toBe('API_RATE_LIMITED');
    expect(body.error.message).toMatch(/at most 3 requests per 2 s per user/);
    expect(body.requestId).toBeTruthy();
    await sleep(retryAfter * 1000 + 100);
    expect((await me(stack, alice)).statusCode).toBe(200);
  });

  it("does not count one user's requests against another's", async () => {
    const carol = await stack.token('carol', 'analyst');
    const dave = await stack.token('dave', 'analyst');
    for (let i = 0; i < 4; i++) await me(stack, carol);
    expect((await me(stack, carol)).statusCode).toBe(429);
    expect((await me(stack, dave)).statusCode).toBe(200);
  });

  it('holds across API instances: the count is in Redis', async () => {
    const erin = await stack.token('erin', 'analyst');
    for (let i = 0; i < 3; i++) expect((await me(stack, erin)).statusCode).toBe(200);
    expect((await me(other, erin)).statusCode).toBe(429);
  });

  it('counts WebSocket upgrades and dashboard requests as requests too', async () => {
    const admin = await stack.token('frank', 'admin');
    const headers = { authorization: `Bearer ${admin}` };
    for (let i = 0; i < 3; i++) await stack.inject({ url: '/admin/queues/api/queues', headers });
    const limited = await stack.inject({ url: '/admin/queues/api/queues', headers });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: 'API_RATE_LIMITED' } });
    const ws = (await stack.listen()).replace(/^http/, 'ws');
    expect(await connect(`${ws}/ws/system`, bearerProtocols(admin)).opened).toBe(429);
  });
});

describe('the submission rate limit', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      env: {
        PHISHNET_RATE_LIMIT_SUBMIT_EMAILS: '5',
        PHISHNET_RATE_LIMIT_WINDOW_SECONDS: '2',
        PHISHNET_BULK_MAX_EMAILS: '5',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('counts each email of a bulk request, refuses what does not fit, and enqueues none of it', async () => {
    const alice = { authorization: `Bearer ${await stack.token('alice', 'analyst')}` };
    const bulk = (count: number) =>
      stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit-bulk',
        headers: alice,
        payload: { emails: Array.from({ length: count }, () => EMAIL), analysis_type: 'quick' },
      });
    const single = () =>
      stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit',
        headers: alice,
        payload: { ...EMAIL, analysis_type: 'quick' },
      });

    expect((await bulk(4)).statusCode).toBe(202);
    const before = await queued(stack);
    const tooMany = await bulk(2);
    expect(tooMany.statusCode).toBe(429);
    expect(tooMany.json<{ error: { message: string } }>().error.message).toMatch(
      /at most 5 emails per 2 s/,
    );
    expect(await queued(stack)).toBe(before);
    // The refused bulk used none of the allowance: one more email still fits.
    expect((await single()).statusCode).toBe(202);
    const exhausted = await single();
    expect(exhausted.statusCode).toBe(429);
    // Once exhausted, a submission is turned away before its body is even looked at.
    const invalid = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      headers: alice,
      payload: { nonsense: true },
    });
    expect(invalid.statusCode).toBe(429);

    await sleep(Number(exhausted.headers['retry-after']) * 1000 + 100);
    expect((await single()).statusCode).toBe(202);
  });

  it('keeps submissions and other requests in separate allowances', async () => {
    const bob = { authorization: `Bearer ${await stack.token('bob', 'analyst')}` };
    for (let i = 0; i < 5; i++) {
      await stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit',
        headers: bob,
        payload: { ...EMAIL, analysis_type: 'quick' },
      });
    }
    expect((await stack.inject({ url: '/api/v1/auth/me', headers: bob })).statusCode).toBe(200);
  });
});

describe('rate-limit configuration', () => {
  it('refuses a bulk maximum that the submission limit could never admit', () => {
    expect(() =>
      loadConfig({ PHISHNET_RATE_LIMIT_SUBMIT_EMAILS: '100', PHISHNET_BULK_MAX_EMAILS: '500' }),
    ).toThrow(
      /PHISHNET_BULK_MAX_EMAILS \(500\) is above PHISHNET_RATE_LIMIT_SUBMIT_EMAILS \(100\)/,
    );
  });
});
