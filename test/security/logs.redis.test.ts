/**
 * Logs never hold tokens, tickets, cookies or the emails people send, even at
 * trace level: checked on what a running API actually writes.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../src/lib/logger.ts';
import { bearerProtocols, startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect } from '../helpers/ws-client.ts';

function capture(level: string): { logger: ReturnType<typeof createLogger>; text: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: createLogger({ level, destination }), text: () => text };
}

describe('what a running API logs', () => {
  let stack: TestStack;
  let logs: () => string;
  const MARKER = 'CONFIDENTIAL-MERGER-PLAN-7f3a';

  beforeAll(async () => {
    const captured = capture('trace');
    logs = captured.text;
    stack = await startTestStack({ logger: captured.logger });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('has no token, ticket, cookie or email content in it', async () => {
    const token = await stack.token('alice', 'analyst');
    const auth = { authorization: `Bearer ${token}` };
    await stack.inject({ url: '/api/v1/auth/me', headers: auth });
    await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      headers: auth,
      payload: { raw: `Subject: plans\r\n\r\n${MARKER}`, analysis_type: 'quick' },
    });
    await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      headers: auth,
      payload: { content: MARKER, analysis_type: 'nope' },
    });
    await stack.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}x` } });
    const session = await stack.inject({ method: 'POST', url: '/api/v1/auth/session' });
    const cookie = String(session.headers['set-cookie']).split(';', 1)[0]!;
    await stack.app.inject({ url: '/admin/queues/api/queues', headers: { cookie } });

    const ws = (await stack.listen()).replace(/^http/, 'ws');
    const { ticket } = (
      await stack.inject({ method: 'POST', url: '/api/v1/ws-ticket', headers: auth })
    ).json<{ ticket: string }>();
    const byTicket = connect(`${ws}/ws/jobs/00000000-0000-4000-8000-000000000000?ticket=${ticket}`);
    await byTicket.closed;
    const byProtocol = connect(
      `${ws}/ws/jobs/00000000-0000-4000-8000-000000000000`,
      bearerProtocols(token),
    );
    await byProtocol.closed;

    const text = logs();
    expect(text).toContain('incoming request');
    expect(text).toContain('ticket=[redacted]');
    for (const secret of [
      token,
      ticket,
      cookie.split('=')[1]!,
      MARKER,
      stack.config.auth.jwtSecret!,
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('the logger', () => {
  it('redacts credentials and email content wherever they sit in a logged object', () => {
    const { logger, text } = capture('info');
    logger.info(
      {
        req: {
          headers: { authorization: 'Bearer aaa.bbb.ccc', cookie: 'phishnet_session=s3cr3t' },
        },
        headers: { 'sec-websocket-protocol': 'phishnet.bearer, aaa.bbb.ccc' },
        body: { raw: 'Subject: private', content: 'private body', emails: [{ raw: 'private' }] },
        job: { token: 'tok-123', ticket: 'tix-456', password: 'pw-789', raw: 'private raw' },
      },
      'event',
    );
    const line = text();
    for (const secret of ['aaa.bbb.ccc', 's3cr3t', 'private', 'tok-123', 'tix-456', 'pw-789']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('[redacted]');
  });

  it('blanks credentials in URLs', () => {
    expect(redactUrl('/ws/jobs/1?ticket=abc&x=1')).toBe('/ws/jobs/1?ticket=[redacted]&x=1');
    expect(redactUrl('/ws/system?x=1&access_token=abc')).toBe(
      '/ws/system?x=1&access_token=[redacted]',
    );
    expect(redactUrl('/api/v1/analysis/status/1')).toBe('/api/v1/analysis/status/1');
  });
});
