/**
 * PhishNet against a Redis that wants credentials: a password (`requirepass`),
 * an ACL user that may not run CONFIG, a password from a file, and TLS
 * (`rediss://`) with a private CA trusted through NODE_EXTRA_CA_CERTS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers } from '../../src/cli/local-redis.ts';
import { assertBuilt, runCli, type RunningCli } from '../helpers/cli.ts';
import { freePort, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.ts';
import { startTestStack, TEST_AUTH_ENV, testToken, waitForJob } from '../helpers/stack.ts';

const PASSWORD = 'p@ss w0rd/with:odd#chars';

/** Starts `phishnet api` and waits until it listens; returns it and its base URL. */
async function startApi(env: Record<string, string>): Promise<{ cli: RunningCli; base: string }> {
  const port = await freePort();
  const cli = runCli(['api'], {
    PORT: String(port),
    PHISHNET_LOG_LEVEL: 'warn',
    PHISHNET_PREFIX: `redis-auth-${port}`,
    ...TEST_AUTH_ENV,
    ...env,
  });
  await cli.waitFor('PhishNet API listening on', 30_000);
  return { cli, base: `http://127.0.0.1:${port}` };
}

async function stop(cli: RunningCli): Promise<void> {
  if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
  await cli.exited;
}

async function submitOverHttp(base: string): Promise<number> {
  const response = await fetch(`${base}/api/v1/analysis/submit`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await testToken('alice', 'analyst')}`,
    },
    body: JSON.stringify({ content: 'hello', analysis_type: 'quick' }),
  });
  return response.status;
}

describe('a Redis with a password and an ACL user', () => {
  let redis: RedisServerHandle;
  let dir: string;
  const port = () => redis.port;

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'phishnet-secrets-'));
    redis = await startRedisServer({ password: PASSWORD });
    const admin = new Redis(redis.url);
    // A user for PhishNet that may do everything BullMQ needs, but not reconfigure Redis.
    await admin.call(
      'ACL',
      'SETUSER',
      'phishnet',
      'on',
      '>user-secret',
      '~*',
      '&*',
      '+@all',
      '-config',
    );
    admin.disconnect();
  });
  afterAll(async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to connect without the password or with a wrong one', async () => {
    expect(await answers(`redis://127.0.0.1:${port()}`)).toBe(false);
    expect(await answers(`redis://:wrong@127.0.0.1:${port()}`)).toBe(false);
    expect(await answers(`redis://phishnet:wrong@127.0.0.1:${port()}`)).toBe(false);
    const cli = runCli(['api'], {
      REDIS_URL: `redis://phishnet:wrong@127.0.0.1:${port()}`,
      ...TEST_AUTH_ENV,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr().trim()).toMatch(
      /^phishnet: Redis at REDIS_URL \(redis:\/\/\*\*\*@127\.0\.0\.1:\d+\) refused the credentials: WRONGPASS/,
    );
    expect(cli.stderr()).not.toContain('wrong');
  });

  it.each([
    ['the password in the URL', () => redis.url],
    ['an ACL user', () => `redis://phishnet:user-secret@127.0.0.1:${port()}`],
  ])('analyses a job end to end with %s', async (_name, url) => {
    const stack = await startTestStack({ redisUrl: url(), workers: true });
    try {
      const submitted = await stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit',
        payload: {
          content: 'Verify your password at http://192.0.2.7/login',
          analysis_type: 'quick',
        },
      });
      expect(submitted.statusCode).toBe(202);
      const status = await waitForJob(stack, submitted.json<{ job_id: string }>().job_id, 30_000);
      expect(status.status).toBe('completed');
      const ticket = await stack.inject({ method: 'POST', url: '/api/v1/ws-ticket' });
      expect(ticket.statusCode).toBe(200);
    } finally {
      await stack.close();
    }
  });

  it('runs `phishnet api` as the ACL user with the password from REDIS_PASSWORD_FILE', async () => {
    const file = join(dir, 'redis-password');
    writeFileSync(file, 'user-secret\n', { mode: 0o600 });
    const { cli, base } = await startApi({
      REDIS_URL: `redis://phishnet@127.0.0.1:${port()}`,
      REDIS_PASSWORD_FILE: file,
    });
    try {
      // The user may not read the eviction policy: a warning, not a refusal.
      expect(cli.stdout()).toMatch(/could not read Redis maxmemory-policy/);
      expect(cli.stdout()).not.toContain('user-secret');
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(await submitOverHttp(base)).toBe(202);
    } finally {
      await stop(cli);
    }
  });

  it('stops with one clear line when the password is given twice', async () => {
    const file = join(dir, 'twice');
    writeFileSync(file, 'x');
    const cli = runCli(['api'], {
      REDIS_URL: redis.url,
      REDIS_PASSWORD_FILE: file,
      ...TEST_AUTH_ENV,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/REDIS_PASSWORD: REDIS_URL has a password already/);
    expect(cli.stderr()).not.toContain(PASSWORD);
  });
});

describe('a Redis that speaks only TLS', () => {
  let redis: RedisServerHandle | null = null;
  let dir: string;

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'phishnet-tls-'));
    const at = (name: string) => join(dir, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=PhishNet test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout',
      at('ca.key'),
      '-out',
      at('ca.pem'),
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      at('server.key'),
      '-out',
      at('server.csr'),
    );
    writeFileSync(at('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(
      'x509',
      '-req',
      '-in',
      at('server.csr'),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      at('san.ext'),
      '-out',
      at('server.pem'),
    );
    redis = await startRedisServer({
      password: PASSWORD,
      tls: { certFile: at('server.pem'), keyFile: at('server.key'), caFile: at('ca.pem') },
    });
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves over rediss:// when the CA is trusted through NODE_EXTRA_CA_CERTS', async () => {
    expect(redis!.url).toMatch(/^rediss:\/\//);
    const { cli, base } = await startApi({
      REDIS_URL: redis!.url,
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
    });
    try {
      expect(await (await fetch(`${base}/readyz`)).json()).toEqual({
        status: 'ready',
        redis: 'up',
      });
      expect(await submitOverHttp(base)).toBe(202);
    } finally {
      await stop(cli);
    }
  });

  it('refuses a server whose certificate it cannot verify', async () => {
    const cli = runCli(['api'], {
      REDIS_URL: redis!.url,
      PORT: String(await freePort()),
      ...TEST_AUTH_ENV,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(
      /no Redis answers at REDIS_URL \(rediss:\/\/\*\*\*@127\.0\.0\.1:\d+\): .*certificate/,
    );
  });
});
