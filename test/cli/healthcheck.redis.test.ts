/**
 * `phishnet healthcheck`, the one probe of the container image for every role:
 * run as the built CLI against a real API, real heartbeats and a real scheduler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleFromCommandLine } from '../../src/cli/commands/healthcheck.ts';
import { freePort } from '../../src/cli/local-redis.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { startHeartbeat } from '../../src/worker/heartbeat.ts';
import { startScheduler } from '../../src/worker/scheduler.ts';
import { assertBuilt, runCli } from '../helpers/cli.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { until } from '../helpers/wait.ts';

const logger = createLogger({ level: 'silent' });

async function healthcheck(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = runCli(['healthcheck', ...args], env);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('the role of a container, read from its PID 1', () => {
  it('is the argument after the CLI', () => {
    expect(roleFromCommandLine(['tini', '--', 'node', 'dist/src/cli/main.js', 'worker'])).toBe(
      'worker',
    );
    expect(roleFromCommandLine(['/usr/bin/tini', '--', 'phishnet', 'api', '--x'])).toBe('api');
    expect(roleFromCommandLine(['/sbin/init'])).toBeNull();
    expect(roleFromCommandLine(['node', 'dist/src/cli/main.js', 'scan', 'a.eml'])).toBeNull();
  });
});

describe('phishnet healthcheck', () => {
  let stack: TestStack;
  let env: Record<string, string>;
  beforeAll(async () => {
    assertBuilt();
    stack = await startTestStack({ env: { PHISHNET_HEARTBEAT_INTERVAL_MS: '200' } });
    env = {
      REDIS_URL: stack.redisUrl,
      PHISHNET_PREFIX: stack.config.prefix,
      PHISHNET_LOG_LEVEL: 'silent',
    };
  });
  afterAll(async () => {
    await stack.close();
  });

  it('says what is wrong with its arguments', async () => {
    const unknown = await healthcheck(['--role', 'dashboard'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown role "dashboard".*api, start, worker, scheduler/);
    // This test's PID 1 is no PhishNet container.
    const guessed = await healthcheck([], env);
    expect(guessed.code).toBe(1);
    expect(guessed.stderr).toMatch(/pass --role/);
  });

  it('passes an API that answers /healthz, and fails one that does not', async () => {
    const base = await stack.listen();
    const port = new URL(base).port;
    const up = await healthcheck(['--role', 'api'], { ...env, PORT: port, HOST: '0.0.0.0' });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/healthy \(api\).*answered 200/);
    const down = await healthcheck(['--role', 'start'], { ...env, PORT: String(await freePort()) });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/unhealthy \(start\).*ECONNREFUSED/);
  });

  it('passes a worker while its heartbeat is fresh, and fails it once dead', async () => {
    const missing = await healthcheck(['--role', 'worker'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no heartbeat from a worker process on host/);

    // This process stands in for the worker: same host, a live pid.
    const heartbeat = await startHeartbeat({
      redis: stack.jobs.redis,
      config: stack.config,
      lanes: ['realtime'],
      concurrency: 1,
      logger,
      id: 'worker-in-this-container',
    });
    const alive = await healthcheck(['--role', 'worker'], env);
    expect(alive.code, alive.stderr).toBe(0);
    expect(alive.stdout).toMatch(/worker worker-in-this-container is alive/);

    await heartbeat.stop({ deregister: false });
    const dead = await until(
      () => healthcheck(['--role', 'worker'], env),
      (result) => result.code === 1,
      10_000,
      200,
    );
    expect(dead.stderr).toMatch(/worker-in-this-container.*is dead/);
  });

  it('passes the scheduler once its periodic jobs are registered', async () => {
    const before = await healthcheck(['--role', 'scheduler'], env);
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/metrics_snapshot is not registered/);
    const scheduler = await startScheduler({
      config: stack.config,
      redisUrl: stack.redisUrl,
      logger,
    });
    try {
      const after = await healthcheck(['--role', 'scheduler'], env);
      expect(after.code, after.stderr).toBe(0);
    } finally {
      await scheduler.close();
    }
  });

  it('does not fail a worker or the scheduler for a Redis that is down', async () => {
    const gone = { ...env, REDIS_URL: `redis://127.0.0.1:${await freePort()}` };
    for (const role of ['worker', 'scheduler']) {
      const result = await healthcheck(['--role', role], gone);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/does not answer; not judging/);
    }
  });
});
