/**
 * WebSocket connections are authenticated before the upgrade completes: a token
 * in `Sec-WebSocket-Protocol`, a single-use ticket, or (for non-browser clients)
 * an Authorization header; never a token in the URL. The Origin is checked, and
 * message size and rate are limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS_BEARER_PROTOCOL } from '../../src/contracts/auth.ts';
import { bearerProtocols, startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect } from '../helpers/ws-client.ts';

describe('WebSocket authentication', () => {
  let stack: TestStack;
  let other: TestStack;
  let ws: string;
  let otherWs: string;
  let analyst: string;
  let jobId: string;

  const ticket = async (token: string) => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/ws-ticket',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    return response.json<{ ticket: string; expires_in_seconds: number }>();
  };

  beforeAll(async () => {
    stack = await startTestStack({
      env: {
        PHISHNET_CORS_ORIGINS: 'https://app.example.com',
        PHISHNET_WS_MAX_MESSAGES_PER_SECOND: '5',
      },
    });
    // A second API instance on the same Redis and prefix, as behind a load balancer.
    other = await startTestStack({ env: { PHISHNET_PREFIX: stack.config.prefix } });
    ws = (await stack.listen()).replace(/^http/, 'ws');
    otherWs = (await other.listen()).replace(/^http/, 'ws');
    analyst = await stack.token('alice', 'analyst');
    const submitted = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      headers: { authorization: `Bearer ${analyst}` },
      payload: { content: 'hello', analysis_type: 'quick' },
    });
    jobId = submitted.json<{ job_id: string }>().job_id;
  });
  afterAll(async () => {
    await other.app.close();
    await stack.close();
  });

  const jobUrl = () => `${ws}/ws/jobs/${jobId}`;

  it('refuses a connection without credentials before the upgrade (401)', async () => {
    const anonymous = connect(jobUrl());
    expect(await anonymous.opened).toBe(401);
    expect(anonymous.messages).toEqual([]);
  });

  it('refuses a bad token or a bare subprotocol (401)', async () => {
    expect(await connect(jobUrl(), bearerProtocols('not.a.token')).opened).toBe(401);
    expect(await connect(jobUrl(), [WS_BEARER_PROTOCOL]).opened).toBe(401);
    const expired = await stack.token('alice', 'analyst', {
      claims: { exp: Math.floor(Date.now() / 1000) - 60 },
    });
    expect(await connect(jobUrl(), bearerProtocols(expired)).opened).toBe(401);
  });

  it('accepts the token as a subprotocol and answers phishnet.bearer, never the token', async () => {
    const client = connect(jobUrl(), bearerProtocols(analyst));
    expect(await client.opened).toBe('open');
    expect(client.socket.protocol).toBe(WS_BEARER_PROTOCOL);
    expect(await client.next((m) => m.type === 'progress_update')).toMatchObject({ job_id: jobId });
    client.socket.close();
    await client.closed;
  });

  it('accepts an Authorization header from a non-browser client', async () => {
    const client = connect(jobUrl(), [], { headers: { authorization: `Bearer ${analyst}` } });
    expect(await client.opened).toBe('open');
    client.socket.close();
    await client.closed;
  });

  it('does not take a token from the URL', async () => {
    expect(await connect(`${jobUrl()}?token=${analyst}`).opened).toBe(401);
    expect(await connect(`${jobUrl()}?access_token=${analyst}`).opened).toBe(401);
  });

  it('issues tickets good for one connection, on any API instance', async () => {
    const issued = await ticket(analyst);
    expect(issued.expires_in_seconds).toBe(30);
    expect(issued.ticket).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    // Issued by one instance, used at the other.
    const first = connect(`${otherWs}/ws/jobs/${jobId}?ticket=${issued.ticket}`);
    expect(await first.opened).toBe('open');
    expect(await first.next((m) => m.type === 'progress_update')).toMatchObject({ job_id: jobId });
    first.socket.close();
    await first.closed;
    expect(await connect(`${ws}/ws/jobs/${jobId}?ticket=${issued.ticket}`).opened).toBe(401);
    expect(await connect(`${ws}/ws/jobs/${jobId}?ticket=made-up`).opened).toBe(401);
  });

  it("carries the ticket holder's identity: another analyst's ticket sees no job", async () => {
    const bob = await stack.token('bob', 'analyst');
    const client = connect(`${ws}/ws/jobs/${jobId}?ticket=${(await ticket(bob)).ticket}`);
    expect((await client.closed).code).toBe(4404);
    // And an analyst's ticket does not open the admin stream.
    expect(await connect(`${ws}/ws/system?ticket=${(await ticket(analyst)).ticket}`).opened).toBe(
      403,
    );
  });

  it('checks the Origin: its own and the configured ones pass, others are refused (403)', async () => {
    const from = (origin: string) =>
      connect(jobUrl(), bearerProtocols(analyst), { headers: { origin } });
    expect(await from('https://evil.example').opened).toBe(403);
    expect(await from('null').opened).toBe(403);
    for (const origin of [ws.replace(/^ws/, 'http'), 'https://app.example.com']) {
      const client = from(origin);
      expect(await client.opened, origin).toBe('open');
      client.socket.close();
      await client.closed;
    }
  });

  it('closes a connection that sends a message over the size limit', async () => {
    const client = connect(jobUrl(), bearerProtocols(analyst));
    await client.opened;
    client.socket.send('x'.repeat(8 * 1024));
    expect((await client.closed).code).toBe(1009);
  });

  it('closes a connection that sends more messages per second than allowed', async () => {
    const client = connect(jobUrl(), bearerProtocols(analyst));
    await client.opened;
    for (let i = 0; i < 20; i++) client.socket.send(JSON.stringify({ type: 'ping' }));
    expect(await client.closed).toEqual({ code: 4429, reason: 'message rate limit exceeded' });
    expect(client.messages.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(5);
    expect(client.messages.at(-1)).toMatchObject({ error: { code: 'API_RATE_LIMITED' } });
  });

  it('closes a connection when the token that opened it expires', async () => {
    const shortLived = await stack.token('alice', 'analyst', { ttlSeconds: 2 });
    const client = connect(jobUrl(), bearerProtocols(shortLived));
    expect(await client.opened).toBe('open');
    expect(await client.closed).toEqual({ code: 4401, reason: 'token expired' });
  });
});
