import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, resolveRedis } from '../../src/cli/local-redis.ts';
import { loadConfig } from '../../src/config/config.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, runCli } from '../helpers/cli.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { TEST_AUTH_ENV } from '../helpers/stack.ts';

describe('phishnet start and its Redis', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 with one clear line when REDIS_URL does not answer', async () => {
    assertBuilt();
    const cli = runCli(['start'], { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr().trim().split('\n')).toHaveLength(1);
    expect(cli.stderr()).toMatch(/no Redis answers at REDIS_URL/);
  });

  it('refuses a Redis that may evict jobs, unless told to accept the risk', async () => {
    const redis = await startRedisServer({ maxMemoryPolicy: 'allkeys-lru' });
    try {
      const refused = runCli(['api'], {
        REDIS_URL: redis.url,
        PORT: String(await freePort()),
        ...TEST_AUTH_ENV,
      });
      expect(await refused.exited).toBe(1);
      expect(refused.stderr()).toMatch(
        /maxmemory-policy is "allkeys-lru".*PHISHNET_ALLOW_EVICTION/s,
      );

      const accepted = runCli(['api'], {
        REDIS_URL: redis.url,
        PORT: String(await freePort()),
        PHISHNET_ALLOW_EVICTION: 'true',
        ...TEST_AUTH_ENV,
      });
      await accepted.waitFor('PhishNet API listening on');
      accepted.child.kill('SIGTERM');
      expect(await accepted.exited).toBe(0);
    } finally {
      await redis.stop();
    }
  });

  it('logs JSON lines to a pipe, and short lines for people when PHISHNET_LOG_FORMAT=pretty', async () => {
    assertBuilt();
    const redis = await startRedisServer();
    try {
      const logsOf = async (env: Record<string, string>): Promise<string[]> => {
        const cli = runCli(['api'], {
          REDIS_URL: redis.url,
          PORT: String(await freePort()),
          ...TEST_AUTH_ENV,
          ...env,
        });
        await cli.waitFor('PhishNet API listening on');
        cli.child.kill('SIGTERM');
        expect(await cli.exited).toBe(0);
        return cli
          .stdout()
          .split('\n')
          .filter((line) => line && !line.startsWith('PhishNet API listening on'));
      };
      const json = await logsOf({});
      expect(json.map((line) => JSON.parse(line) as { msg: string }).at(-1)?.msg).toBe(
        'process:shutdown:done',
      );
      const pretty = await logsOf({ PHISHNET_LOG_FORMAT: 'pretty' });
      expect(pretty.at(-1)).toMatch(/^\d\d:\d\d:\d\d INFO {2}api\[\d+\]: process:shutdown:done$/);
      expect(pretty.join('\n')).not.toContain('{"level"');
    } finally {
      await redis.stop();
    }
  });

  it('stops with a message naming the variable when the config is invalid', async () => {
    const cli = runCli(['start'], { PORT: 'eighty' });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/PORT/);
  });

  it('starts its own redis-server with AOF and noeviction when none answers, and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phishnet-data-'));
    dirs.push(dir);
    const config = loadConfig({ PHISHNET_REDIS_DATA_DIR: dir });
    const resolved = await resolveRedis(config, `redis://127.0.0.1:${await freePort()}`);
    expect(resolved.origin).toBe('started by phishnet');
    const client = new Redis(resolved.url);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await client.config('GET', 'maxmemory-policy')).toEqual([
      'maxmemory-policy',
      'noeviction',
    ]);
    expect(await client.config('GET', 'dir')).toEqual(['dir', dir]);
    client.disconnect();
    await resolved.stop();
    const after = new Redis(resolved.url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    after.on('error', () => undefined);
    await expect(after.connect()).rejects.toThrow();
    after.disconnect();
  });
});
