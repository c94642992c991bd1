/**
 * Authentication from the command line: `phishnet token` mints what the API
 * accepts; `phishnet start` without a secret makes one for the session, prints
 * an admin token once and listens on 127.0.0.1 only; `phishnet api` refuses to
 * run without a way to check tokens; turning authentication off is loud.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTokenVerifier, parseTtlSeconds } from '../../src/api/auth/tokens.ts';
import { assertBuilt, runCli, type RunningCli } from '../helpers/cli.ts';
import { freePort } from '../helpers/redis-server.ts';
import { TEST_JWT_SECRET } from '../helpers/stack.ts';

const verify = createTokenVerifier({
  jwtSecret: TEST_JWT_SECRET,
  jwksUrl: undefined,
  issuer: 'phishnet',
  audience: 'phishnet',
});

async function stop(cli: RunningCli): Promise<number | null> {
  if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
  return cli.exited;
}

describe('phishnet token', () => {
  let dir: string;
  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'phishnet-token-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a token the API accepts, with the claims asked for', async () => {
    const cli = runCli(['token', '--sub', 'alice', '--role', 'analyst', '--ttl', '2h'], {
      PHISHNET_JWT_SECRET: TEST_JWT_SECRET,
    });
    expect(await cli.exited).toBe(0);
    const token = cli.stdout().trim();
    expect(token.split('.')).toHaveLength(3);
    const principal = await verify(token);
    expect(principal).toMatchObject({ sub: 'alice', role: 'analyst' });
    const ttlSeconds = (principal.expiresAtMs - Date.now()) / 1000;
    expect(ttlSeconds).toBeGreaterThan(2 * 3600 - 60);
    expect(ttlSeconds).toBeLessThanOrEqual(2 * 3600);
  });

  it('reads the secret from PHISHNET_JWT_SECRET_FILE', async () => {
    const file = join(dir, 'jwt-secret');
    writeFileSync(file, `${TEST_JWT_SECRET}\n`, { mode: 0o600 });
    const cli = runCli(['token', '--sub', 'root', '--role', 'admin'], {
      PHISHNET_JWT_SECRET_FILE: file,
    });
    expect(await cli.exited).toBe(0);
    expect(await verify(cli.stdout().trim())).toMatchObject({ sub: 'root', role: 'admin' });
  });

  it.each([
    [
      ['--sub', 'alice', '--role', 'root'],
      { PHISHNET_JWT_SECRET: TEST_JWT_SECRET },
      /--role: one of analyst, admin/,
    ],
    [['--role', 'admin'], { PHISHNET_JWT_SECRET: TEST_JWT_SECRET }, /--sub/],
    [
      ['--sub', 'a', '--role', 'admin', '--ttl', 'forever'],
      { PHISHNET_JWT_SECRET: TEST_JWT_SECRET },
      /--ttl/,
    ],
    [['--sub', 'a', '--role', 'admin'], {}, /no PHISHNET_JWT_SECRET/],
    [
      ['--sub', 'a', '--role', 'admin'],
      { PHISHNET_JWT_SECRET: 'short' },
      /PHISHNET_JWT_SECRET: at least 32 characters/,
    ],
    [
      ['--sub', 'a', '--role', 'admin'],
      { PHISHNET_JWT_SECRET: TEST_JWT_SECRET, PHISHNET_JWT_SECRET_FILE: '/nonexistent' },
      /both PHISHNET_JWT_SECRET and PHISHNET_JWT_SECRET_FILE/,
    ],
    [
      ['--sub', 'a', '--role', 'admin'],
      { PHISHNET_JWT_SECRET_FILE: '/nonexistent/secret' },
      /cannot read \/nonexistent\/secret/,
    ],
  ])('exits 1 with one clear line for %j', async (args, env, message) => {
    const cli = runCli(['token', ...args], env);
    expect(await cli.exited).toBe(1);
    expect(cli.stdout()).toBe('');
    expect(cli.stderr().trim().split('\n')).toHaveLength(1);
    expect(cli.stderr()).toMatch(message);
  });

  it('parses durations', () => {
    expect(parseTtlSeconds('90s')).toBe(90);
    expect(parseTtlSeconds('15m')).toBe(900);
    expect(parseTtlSeconds('8h')).toBe(28_800);
    expect(parseTtlSeconds('30d')).toBe(2_592_000);
    expect(parseTtlSeconds('120')).toBe(120);
    for (const bad of ['', '0h', '-1h', '1w', '1.5h', 'h']) expect(parseTtlSeconds(bad)).toBeNull();
  });
});

describe('phishnet start without a secret', () => {
  let cli: RunningCli;
  let port: number;
  let token: string;

  beforeAll(async () => {
    assertBuilt();
    port = await freePort();
    cli = runCli(['start'], {
      REDIS_URL: inject('redisUrl'),
      PORT: String(port),
      HOST: '0.0.0.0',
      PHISHNET_PREFIX: `cli-auth-${randomUUID()}`,
      PHISHNET_MIN_WORKERS: '0',
      PHISHNET_LOG_LEVEL: 'warn',
    });
    await cli.waitFor('Press Ctrl+C to stop.', 30_000);
    token = /export PHISHNET_TOKEN=(\S+)/.exec(cli.stdout())?.[1] ?? '';
  });
  afterAll(async () => {
    await stop(cli);
  });

  it('prints one admin token, once, and says it listens on 127.0.0.1 only', () => {
    const out = cli.stdout();
    expect(token.split('.')).toHaveLength(3);
    expect(out.split(token)).toHaveLength(2);
    expect(out).toMatch(/listens on 127\.0\.0\.1 only \(not HOST=0\.0\.0\.0\)/);
    expect(out).toContain('-H "authorization: Bearer $PHISHNET_TOKEN"');
  });

  it('accepts that token as an admin and nothing without one', async () => {
    const base = `http://127.0.0.1:${port}`;
    const me = await fetch(`${base}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await me.json()).toEqual({ sub: 'admin', role: 'admin' });
    expect((await fetch(`${base}/api/v1/workers/status`)).status).toBe(401);
  });

  it('is not reachable on any other interface, whatever HOST said', async (context) => {
    const other = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (!other) context.skip('no non-loopback IPv4 address here');
    await expect(fetch(`http://${other!.address}:${port}/healthz`)).rejects.toThrow();
  });

  it('stops cleanly', async () => {
    expect(await stop(cli)).toBe(0);
  });
});

describe('phishnet api without a way to check tokens', () => {
  it('exits 1 naming the settings', async () => {
    assertBuilt();
    const cli = runCli(['api'], {
      REDIS_URL: inject('redisUrl'),
      PORT: String(await freePort()),
      PHISHNET_PREFIX: `cli-auth-${randomUUID()}`,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(
      /no way to check tokens; set PHISHNET_JWT_SECRET .* or PHISHNET_JWKS_URL/,
    );
  });

  it('runs open only when told to, and says so loudly', async () => {
    const port = await freePort();
    const cli = runCli(['start'], {
      REDIS_URL: inject('redisUrl'),
      PORT: String(port),
      PHISHNET_PREFIX: `cli-auth-${randomUUID()}`,
      PHISHNET_MIN_WORKERS: '0',
      PHISHNET_LOG_LEVEL: 'warn',
      PHISHNET_AUTH_DISABLED: 'true',
    });
    try {
      await cli.waitFor('Press Ctrl+C to stop.', 30_000);
      expect(cli.stdout()).toContain('AUTHENTICATION IS OFF');
      const warning = cli
        .stdout()
        .split('\n')
        .find((line) => line.includes('AUTHENTICATION IS DISABLED'));
      expect(warning && (JSON.parse(warning) as { level: number }).level).toBe(40);
      const me = await fetch(`http://127.0.0.1:${port}/api/v1/auth/me`);
      expect(await me.json()).toEqual({ sub: 'anonymous', role: 'admin' });
    } finally {
      expect(await stop(cli)).toBe(0);
    }
  });
});
