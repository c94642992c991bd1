/**
 * The whole path as a client walks it: `phishnet start` as a real process,
 * HTTP submit, WebSocket messages in order, status with the verdict.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../helpers/redis-server.ts';
import { assertBuilt, runCli, type RunningCli } from '../helpers/cli.ts';
import { bearerProtocols, fixture, TEST_AUTH_ENV, testToken } from '../helpers/stack.ts';

let token = '';

interface Message {
  type: string;
  progress?: number;
  result?: { verdict: string; findings: { id: string }[] };
}

/** Collects a job's WebSocket messages until it finishes. */
function followJob(base: string, jobId: string): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const messages: Message[] = [];
    const socket = new WebSocket(
      `${base.replace(/^http/, 'ws')}/ws/jobs/${jobId}`,
      bearerProtocols(token),
    );
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no final message; got ${JSON.stringify(messages)}`));
    }, 20_000);
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'ping' }));
    });
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as Message;
      messages.push(message);
      if (message.type === 'job_completed' || message.type === 'job_failed') {
        clearTimeout(timer);
        socket.close();
        resolve(messages);
      }
    });
    socket.on('error', reject);
  });
}

describe('phishnet start, end to end', () => {
  let cli: RunningCli;
  let base: string;

  beforeAll(async () => {
    assertBuilt();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    cli = runCli(['start'], {
      REDIS_URL: inject('redisUrl'),
      PORT: String(port),
      PHISHNET_PREFIX: `e2e-${randomUUID()}`,
      PHISHNET_MIN_WORKERS: '1',
      PHISHNET_LOG_LEVEL: 'warn',
      ...TEST_AUTH_ENV,
    });
    token = await testToken('e2e-analyst', 'analyst');
    await cli.waitFor('PhishNet is running');
  });

  afterAll(async () => {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await cli.exited;
  });

  async function submit(raw: Buffer): Promise<string> {
    const response = await fetch(`${base}/api/v1/analysis/submit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        raw: raw.toString('base64'),
        analysis_type: 'quick',
        priority: 'urgent',
      }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { job_id: string }).job_id;
  }

  it('prints where the API and the docs are', () => {
    expect(cli.stdout()).toContain(`${base.replace('127.0.0.1', 'localhost')}/docs`);
  });

  it('streams a phishing sample to a phishing verdict', async () => {
    const jobId = await submit(fixture('phish-paypal-ip-link.eml'));
    const messages = await followJob(base, jobId);
    const types = messages.map((message) => message.type);
    expect(types).toContain('pong');
    expect(types.at(-1)).toBe('job_completed');
    const progress = messages
      .filter((m) => m.type === 'progress_update')
      .map((m) => m.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const final = messages.at(-1)!;
    expect(['phishing', 'malicious']).toContain(final.result?.verdict);

    const status = (await (
      await fetch(`${base}/api/v1/analysis/status/${jobId}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as {
      status: string;
      result: { verdict: string };
    };
    expect(status.status).toBe('completed');
    expect(status.result.verdict).toBe(final.result?.verdict);
  });

  it('streams a benign sample to clean', async () => {
    const jobId = await submit(fixture('benign-newsletter.eml'));
    const messages = await followJob(base, jobId);
    expect(messages.at(-1)).toMatchObject({ type: 'job_completed', result: { verdict: 'clean' } });
  });

  it('gives a late subscriber the final state at once', async () => {
    const jobId = await submit(fixture('benign-newsletter.eml'));
    await followJob(base, jobId);
    const late = await followJob(base, jobId);
    expect(late.filter((m) => m.type !== 'pong').map((m) => m.type)).toEqual(['job_completed']);
  });

  it('sends system status with queue depths on /ws/system to an admin', async () => {
    const admin = await testToken('e2e-admin', 'admin');
    const message = await new Promise<{
      type: string;
      data: { queue_depths: Record<string, number> };
    }>((resolve, reject) => {
      const socket = new WebSocket(
        `${base.replace(/^http/, 'ws')}/ws/system`,
        bearerProtocols(admin),
      );
      socket.on('message', (data: Buffer) => {
        socket.close();
        resolve(JSON.parse(data.toString()) as never);
      });
      socket.on('error', reject);
    });
    expect(message.type).toBe('system_status');
    expect(Object.keys(message.data.queue_depths).sort()).toEqual([
      'background',
      'heavy',
      'realtime',
      'standard',
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});
