import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  bucketBound,
  readLaneRates,
  readTaskTotals,
  readThroughput,
  readWindowTotals,
  recordJobOutcome,
  OutcomeTally,
  type JobOutcome,
} from '../../src/jobs/stats.ts';
import { HOUR_MS, MINUTE_MS } from '../../src/lib/time.ts';

describe('job statistics in Redis', () => {
  let redis: Redis;
  const prefix = `test-${randomUUID()}`;
  // Half past some hour, so windows cross hour boundaries.
  const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 30 * MINUTE_MS + 15_000;

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'));
    const record = (minutesAgo: number, outcome: 'completed' | 'failed' | 'retried', ms: number) =>
      recordJobOutcome(redis, prefix, {
        lane: 'realtime',
        task: 'quick_email_scan',
        outcome,
        durationMs: ms,
        at: now - minutesAgo * MINUTE_MS,
        ...(outcome === 'completed' ? {} : { failureClass: 'external' as const }),
      });
    await record(0, 'completed', 100);
    await record(3, 'completed', 300);
    await record(90, 'failed', 2_000); // an earlier hour, read from the hour hash
    await record(23 * 60, 'completed', 600);
    await record(10, 'retried', 50);
    await record(25 * 60, 'completed', 1_000); // outside the 24 h window
    await recordJobOutcome(redis, prefix, {
      lane: 'monitoring',
      task: null,
      outcome: 'completed',
      durationMs: 5,
      at: now,
    });
  });
  afterAll(async () => {
    const found = await redis.keys(`${prefix}:*`);
    if (found.length > 0) await redis.del(...found);
    await redis.quit();
  });

  it('sums the last 24 hours from hour and minute hashes alike', async () => {
    const totals = await readWindowTotals(redis, prefix, 24 * 60, now);
    expect(totals.completed).toBe(3);
    expect(totals.failed).toBe(1);
    // (100 + 300 + 600 + 2000) ms over 4 finished jobs; monitoring and retries left out.
    expect(totals.avgProcessingSeconds).toBe(0.75);
    expect(totals.successRate).toBe(75);
  });

  it('reports nulls, not zeros, when nothing finished', async () => {
    const totals = await readWindowTotals(redis, `${prefix}-empty`, 24 * 60, now);
    expect(totals).toEqual({
      completed: 0,
      failed: 0,
      avgProcessingSeconds: null,
      successRate: null,
    });
  });

  it('gives one throughput point per minute, oldest first', async () => {
    const points = await readThroughput(redis, prefix, 5, now);
    expect(points).toHaveLength(5);
    expect(points.map((p) => p.completed)).toEqual([0, 1, 0, 0, 1]);
    expect(points[4]?.avgProcessingSeconds).toBe(0.1);
    expect(points[0]?.avgProcessingSeconds).toBeNull();
  });

  it('counts completions per lane over the last 1 and 5 minutes', async () => {
    const rates = await readLaneRates(redis, prefix, now);
    expect(rates.realtime).toEqual({ completedLastMinute: 1, completedLast5Minutes: 2 });
    expect(rates.monitoring.completedLastMinute).toBe(1);
    expect(rates.heavy.completedLast5Minutes).toBe(0);
  });

  it('keeps all-time totals per task with cumulative duration buckets', async () => {
    const totals = await readTaskTotals(redis, prefix);
    const quick = totals.quick_email_scan;
    expect(quick?.completed).toBe(4);
    expect(quick?.failed.external).toBe(1);
    expect(quick?.count).toBe(5);
    expect(quick?.durationSeconds).toBeCloseTo(4, 5);
    expect(quick?.buckets.find((b) => b.le === '0.1')?.count).toBe(1);
    expect(quick?.buckets.find((b) => b.le === '1')?.count).toBe(4);
    expect(quick?.buckets.at(-1)).toEqual({ le: '+Inf', count: 5 });
    expect(Object.keys(totals)).toEqual(['quick_email_scan']);
  });

  it('puts a duration in the smallest bucket that holds it', () => {
    expect(bucketBound(50)).toBe('0.05');
    expect(bucketBound(51)).toBe('0.1');
    expect(bucketBound(3_600_000)).toBe('+Inf');
  });
});

describe('a tally of many outcomes written at once', () => {
  let redis: Redis;
  const base = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 59 * MINUTE_MS;
  const outcomes: JobOutcome[] = [
    // Alike but for their durations (two in one bucket), then ones that differ in each part.
    { lane: 'realtime', task: 'quick_email_scan', outcome: 'completed', durationMs: 60, at: base },
    { lane: 'realtime', task: 'quick_email_scan', outcome: 'completed', durationMs: 90, at: base },
    { lane: 'realtime', task: 'quick_email_scan', outcome: 'completed', durationMs: 40, at: base },
    // The next minute, in the next hour.
    {
      lane: 'realtime',
      task: 'quick_email_scan',
      outcome: 'completed',
      durationMs: 40,
      at: base + MINUTE_MS,
    },
    {
      lane: 'standard',
      task: 'full_email_scan',
      outcome: 'failed',
      durationMs: 2_000,
      failureClass: 'external',
      at: base,
    },
    {
      lane: 'standard',
      task: 'full_email_scan',
      outcome: 'failed',
      durationMs: 2_000,
      failureClass: 'permanent',
      at: base,
    },
    { lane: 'standard', task: 'full_email_scan', outcome: 'failed', durationMs: 3, at: base },
    { lane: 'standard', task: 'full_email_scan', outcome: 'retried', durationMs: 10, at: base },
    { lane: 'monitoring', task: null, outcome: 'completed', durationMs: 5, at: base },
  ];

  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await redis.quit();
  });

  async function dump(prefix: string): Promise<Record<string, Record<string, string> | undefined>> {
    const found = (await redis.keys(`${prefix}:*`)).sort();
    const hashes = await Promise.all(found.map((key) => redis.hgetall(key)));
    await redis.del(...found);
    return Object.fromEntries(found.map((key, i) => [key.slice(prefix.length), hashes[i]]));
  }

  it('writes the same counters as writing each outcome by itself', async () => {
    const one = `test-${randomUUID()}`;
    for (const outcome of outcomes) await recordJobOutcome(redis, one, outcome);
    const all = `test-${randomUUID()}`;
    const tally = new OutcomeTally(all);
    for (const outcome of outcomes) tally.add(outcome);
    await tally.write(redis);
    expect(tally.isEmpty).toBe(true);
    const written = await dump(all);
    expect(written).toEqual(await dump(one));
    expect(written[`:stats:minute:${Math.floor(base / MINUTE_MS)}`]).toMatchObject({
      'task:quick_email_scan:completed': '3',
      'task:quick_email_scan:ms': '190',
      'task:full_email_scan:failed': '3',
      retried: '1',
    });
    expect(written[':stats:totals']).toMatchObject({
      'task:quick_email_scan:count': '4',
      'task:quick_email_scan:le:0.1': '2',
      'task:quick_email_scan:le:0.05': '2',
      'task:full_email_scan:failed:external': '1',
      'task:full_email_scan:failed:permanent': '1',
      'task:full_email_scan:failed:temporary': '1',
    });
    expect(Object.keys(written)).toHaveLength(5);
  });
});
