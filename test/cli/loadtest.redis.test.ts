import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/local-redis.ts';
import type { LoadtestResult } from '../../src/cli/commands/loadtest.ts';
import { AppError } from '../../src/lib/errors.ts';
import { assertBuilt, runCli } from '../helpers/cli.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

describe('phishnet loadtest', () => {
  let stack: TestStack;
  let baseUrl: string;
  let dir: string;
  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'phishnet-loadtest-'));
    stack = await startTestStack({ workers: true, env: { PHISHNET_BULK_MAX_EMAILS: '10' } });
    baseUrl = await stack.listen();
  });
  afterAll(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits in bulk, waits for every job, and writes throughput, latencies and a time series', async () => {
    const output = join(dir, 'bulk.json');
    const cli = runCli(
      ['loadtest', '--jobs', '25', '--batch-size', '10', '--output', output, '--base-url', baseUrl],
      { PHISHNET_TOKEN: stack.adminToken },
    );
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('loadtest: 25 quick jobs in bulk requests of 10');
    expect(cli.stdout()).toContain('completed 25, failed 0, timed out 0');
    const result = JSON.parse(readFileSync(output, 'utf8')) as LoadtestResult;
    expect(result).toMatchObject({
      mode: 'bulk',
      batch_size: 10,
      jobs_requested: 25,
      submitted: 25,
      completed: 25,
      failed: 0,
      timed_out: 0,
      errors: [],
    });
    // Three requests: 10 + 10 + 5, three batches.
    const batches = await stack.jobs.redis.keys(`${stack.config.prefix}:batch:*:jobs`);
    expect(batches).toHaveLength(3);
    const { p50, p99, max } = result.latency_seconds;
    expect(p50).toBeGreaterThanOrEqual(0);
    expect(p99).toBeGreaterThanOrEqual(p50!);
    expect(max).toBeGreaterThanOrEqual(p99!);
    expect(result.processing_seconds.p50).toBeGreaterThanOrEqual(0);
    expect(result.throughput.completed_per_second).toBeGreaterThan(0);
    expect(result.time_series.length).toBeGreaterThan(0);
    expect(result.time_series.at(-1)).toMatchObject({ submitted: 25, completed: 25, pending: 0 });
  });

  it('submits one request per job with --single', async () => {
    const output = join(dir, 'single.json');
    const cli = runCli(
      ['loadtest', '--jobs', '6', '--single', '--output', output, '--base-url', baseUrl],
      { PHISHNET_TOKEN: stack.adminToken },
    );
    expect(await cli.exited).toBe(0);
    const result = JSON.parse(readFileSync(output, 'utf8')) as LoadtestResult;
    expect(result).toMatchObject({ mode: 'single', batch_size: null, completed: 6 });
  });

  it('exits 1 and counts the submissions the server refuses', async () => {
    const output = join(dir, 'refused.json');
    // Batches of 11 are over the server's bulk limit of 10.
    const cli = runCli(
      ['loadtest', '--jobs', '11', '--batch-size', '11', '--output', output, '--base-url', baseUrl],
      { PHISHNET_TOKEN: stack.adminToken },
    );
    expect(await cli.exited).toBe(1);
    const result = JSON.parse(readFileSync(output, 'utf8')) as LoadtestResult;
    expect(result.submitted).toBe(0);
    expect(result.errors).toEqual([
      expect.objectContaining({ kind: 'submit', code: 'API_BULK_TOO_MANY', count: 11 }),
    ]);
    expect(cli.stdout()).toContain('error: 11 × submit API_BULK_TOO_MANY');
  });

  it('exits 1 with one line on stderr when nothing listens at the base URL', async () => {
    const cli = runCli(
      ['loadtest', '--jobs', '3', '--base-url', `http://127.0.0.1:${await freePort()}`],
      { PHISHNET_TOKEN: stack.adminToken },
    );
    expect(await cli.exited).toBe(1);
    expect(cli.stderr().trim().split('\n')).toHaveLength(1);
    expect(cli.stderr()).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it.each([
    [[], /--jobs is required/],
    [['--jobs', '0'], /--jobs: expected a whole number ≥ 1, got "0"/],
    [['--jobs', '5', '--bulk', '--single'], /--bulk and --single exclude each other/],
    [
      ['--jobs', '5', '--analysis-type', 'deep'],
      /--analysis-type: expected one of quick, standard, comprehensive/,
    ],
    [['--jobs', '5', '--batch-size', 'x'], /--batch-size: expected a whole number/],
  ])('exits 2 with one line on stderr for %j', async (args, message) => {
    const cli = runCli(['loadtest', ...args], {});
    expect(await cli.exited).toBe(2);
    expect(cli.stderr().trim().split('\n')).toHaveLength(1);
    expect(cli.stderr()).toMatch(message);
  });
});

describe('phishnet loadtest when jobs fail', () => {
  let stack: TestStack;
  beforeAll(async () => {
    assertBuilt();
    stack = await startTestStack({
      workers: true,
      processors: {
        quick_email_scan: () =>
          Promise.reject(new AppError('TASK_PAYLOAD_INVALID', 'this stack refuses every scan')),
      },
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('exits 1 and reports the failed jobs by error code', async () => {
    const cli = runCli(['loadtest', '--jobs', '4', '--base-url', await stack.listen()], {
      PHISHNET_TOKEN: stack.adminToken,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.stdout()).toContain('completed 0, failed 4, timed out 0');
    expect(cli.stdout()).toContain('error: 4 × job TASK_PAYLOAD_INVALID');
  });
});
