import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { EmailSummary } from '../../src/contracts/analysis-result.ts';
import { recordBatchOutcome } from '../../src/jobs/batches.ts';
import { recordJobCompletion } from '../../src/jobs/job-completion.ts';
import { readJobRecord } from '../../src/jobs/job-record.ts';
import { keys } from '../../src/jobs/keys.ts';
import { luaScript, runLuaScript } from '../../src/jobs/redis.ts';

const TTL_MS = 60_000;

function result(verdict: 'clean' | 'phishing', subject = '', from = '') {
  const email: EmailSummary = {
    subject,
    from,
    to: [],
    date: null,
    message_id: null,
    size_bytes: 0,
    link_count: 0,
    attachment_count: 0,
  };
  return { verdict, score: verdict === 'clean' ? 3 : 91, email };
}

describe('when a top-level job completes', () => {
  let redis: Redis;
  const prefix = `test-${randomUUID()}`;
  const k = keys(prefix);
  const deps = () => ({ redis, prefix });

  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    const found = await redis.keys(`${prefix}:*`);
    if (found.length > 0) await redis.del(...found);
    await redis.quit();
  });

  it('keeps the verdict and score on its record, and counts it in its batch', async () => {
    const batchId = randomUUID();
    await redis.hset(k.batch(batchId), { total: 3 });
    await recordJobCompletion(deps(), {
      jobId: 'a',
      batchId,
      result: result('phishing'),
      ttlMs: TTL_MS,
    });
    await recordJobCompletion(deps(), {
      jobId: 'b',
      batchId,
      result: result('phishing'),
      ttlMs: TTL_MS,
    });
    await recordJobCompletion(deps(), {
      jobId: 'c',
      batchId,
      result: result('clean'),
      ttlMs: TTL_MS,
    });
    expect(await redis.hmget(k.job('a'), 'verdict', 'score')).toEqual(['phishing', '91']);
    expect(await redis.hgetall(k.batch(batchId))).toEqual({
      total: '3',
      'verdict:phishing': '2',
      'verdict:clean': '1',
    });
  });

  it('brings back no batch that has expired, whether a job completed or failed', async () => {
    const expired = randomUUID();
    await recordJobCompletion(deps(), {
      jobId: 'late',
      batchId: expired,
      result: result('clean'),
      ttlMs: TTL_MS,
    });
    await recordBatchOutcome(deps(), expired, 'failed');
    expect(await redis.hget(k.job('late'), 'verdict')).toBe('clean');
    expect(await redis.exists(k.batch(expired))).toBe(0);
  });

  it('touches no batch when the job is not in one', async () => {
    await recordJobCompletion(deps(), { jobId: 'solo', result: result('clean'), ttlMs: TTL_MS });
    expect(await redis.hget(k.job('solo'), 'verdict')).toBe('clean');
    expect(await redis.keys(`${prefix}:batch:*`)).toHaveLength(1);
  });

  it('fills in the parsed subject and sender only where the submission gave none', async () => {
    await redis.hset(k.job('given'), { subject: 'As submitted' });
    await recordJobCompletion(deps(), {
      jobId: 'given',
      result: result('clean', 'As parsed', 'parsed@example.com'),
      ttlMs: TTL_MS,
    });
    expect(await redis.hmget(k.job('given'), 'subject', 'sender')).toEqual([
      'As submitted',
      'parsed@example.com',
    ]);
    await recordJobCompletion(deps(), { jobId: 'blank', result: result('clean'), ttlMs: TTL_MS });
    expect(await redis.hexists(k.job('blank'), 'subject')).toBe(0);
    expect(await redis.hexists(k.job('blank'), 'sender')).toBe(0);
  });

  it("keeps the record's expiry, and gives one to a record that had none", async () => {
    await redis.hset(k.job('expiring'), { lane: 'realtime' });
    await redis.pexpire(k.job('expiring'), 5_000);
    await recordJobCompletion(deps(), {
      jobId: 'expiring',
      result: result('clean'),
      ttlMs: TTL_MS,
    });
    expect(await redis.pttl(k.job('expiring'))).toBeLessThanOrEqual(5_000);
    await recordJobCompletion(deps(), { jobId: 'gone', result: result('clean'), ttlMs: TTL_MS });
    expect(await redis.pttl(k.job('gone'))).toBeGreaterThan(5_000);
  });

  it('is read back as part of the job record', async () => {
    await redis.hset(k.job('full'), {
      lane: 'realtime',
      task: 'quick_email_scan',
      analysis_type: 'quick',
      routing: JSON.stringify({
        lane: 'realtime',
        task: 'quick_email_scan',
        priority: 'normal',
        bullmq_priority: 3,
        reason: 'quick',
      }),
      submitted_at: new Date().toISOString(),
    });
    await recordJobCompletion(deps(), {
      jobId: 'full',
      result: result('phishing'),
      ttlMs: TTL_MS,
    });
    const record = await readJobRecord(deps(), 'full');
    expect(record).toMatchObject({ verdict: 'phishing', score: 91 });
  });
});

describe('a Lua script run by its SHA1', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('is sent whole when Redis does not know it, then by its SHA1', async () => {
    const script = luaScript(`return {KEYS[1], ARGV[1], '${randomUUID()}'}`);
    expect(await redis.script('EXISTS', script.sha1)).toEqual([0]);
    const reply = (await runLuaScript(redis, script, ['k'], ['v'])) as string[];
    expect(reply.slice(0, 2)).toEqual(['k', 'v']);
    expect(await redis.script('EXISTS', script.sha1)).toEqual([1]);
    expect(await runLuaScript(redis, script, ['k2'], [2])).toEqual(['k2', '2', reply[2]]);
  });

  it('passes on errors other than an unknown script', async () => {
    const script = luaScript(`return redis.error_reply('PHISHNET_TEST broken')`);
    await expect(runLuaScript(redis, script, [], [])).rejects.toThrow(/PHISHNET_TEST broken/);
  });
});
