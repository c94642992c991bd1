/**
 * Searching jobs and batches (what BullMQ's dashboards cannot do), and the raw
 * header view: real API, real workers, real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../src/jobs/keys.ts';
import { SCAN_BUDGET } from '../../src/jobs/job-search.ts';
import { fixture, startTestStack, waitForJob, type TestStack } from '../helpers/stack.ts';
import { until } from '../helpers/wait.ts';

interface Listed {
  job_id: string;
  status: string;
  subject: string;
  sender: string;
  verdict: string | null;
  batch_id: string | null;
  routing: { reason: string };
}
interface JobList {
  jobs: Listed[];
  next_cursor: string | null;
  searched_until: string | null;
}

describe('searching jobs', () => {
  let stack: TestStack;
  const ids: Record<'invoice' | 'paypal' | 'lunch', string> = {
    invoice: '',
    paypal: '',
    lunch: '',
  };
  let verdictOfPaypal = '';

  const list = async (query = ''): Promise<JobList> => {
    const response = await stack.inject({ url: `/api/v1/analysis/jobs${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<JobList>();
  };

  const submit = async (payload: Record<string, unknown>): Promise<string> => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { analysis_type: 'quick', ...payload },
    });
    expect(response.statusCode, response.body).toBe(202);
    return response.json<{ job_id: string }>().job_id;
  };

  beforeAll(async () => {
    stack = await startTestStack({ workers: true });
    ids.invoice = await submit({
      subject: 'Invoice 2291 overdue',
      sender: 'billing@vendor.example',
      content: 'Please pay the attached invoice.',
    });
    // A raw message: its subject and sender come from its own headers.
    ids.paypal = await submit({ raw: fixture('phish-paypal-ip-link.eml').toString('base64') });
    ids.lunch = await submit({
      subject: 'Team lunch',
      sender: 'alice@corp.example',
      content: 'Pizza on Friday?',
    });
    for (const id of Object.values(ids)) await waitForJob(stack, id);
    const status = (await stack.inject({ url: `/api/v1/analysis/status/${ids.paypal}` })).json<{
      result: { verdict: string };
    }>();
    verdictOfPaypal = status.result.verdict;
  });
  afterAll(async () => {
    await stack.close();
  });

  it('lists jobs newest first, with subject, sender, verdict and routing reason', async () => {
    const { jobs, next_cursor } = await list();
    expect(jobs.map((job) => job.job_id)).toEqual([ids.lunch, ids.paypal, ids.invoice]);
    expect(next_cursor).toBeNull();
    expect(jobs[1]).toMatchObject({
      status: 'completed',
      subject: 'Your account has been limited - action required',
      sender: '"PayPal Service" <service@paypal.com>',
      verdict: verdictOfPaypal,
      batch_id: null,
    });
    expect(jobs[1]!.routing.reason).toContain('realtime');
  });

  it('filters by sender and subject (case-insensitive substrings) and by verdict', async () => {
    expect((await list('?sender=PAYPAL')).jobs.map((job) => job.job_id)).toEqual([ids.paypal]);
    expect((await list('?subject=invoice')).jobs.map((job) => job.job_id)).toEqual([ids.invoice]);
    expect((await list(`?verdict=${verdictOfPaypal}`)).jobs.map((job) => job.job_id)).toEqual([
      ids.paypal,
    ]);
    expect((await list('?sender=nobody-sent-this')).jobs).toEqual([]);
  });

  it('filters by submission time', async () => {
    const all = (await list()).jobs;
    const paypalAt = (await stack.inject({ url: `/api/v1/analysis/status/${ids.paypal}` })).json<{
      submitted_at: string;
    }>().submitted_at;
    const after = await list(`?from=${encodeURIComponent(paypalAt)}`);
    expect(after.jobs.map((job) => job.job_id)).toEqual(all.slice(0, 2).map((job) => job.job_id));
    expect((await list('?to=2000-01-01T00:00:00Z')).jobs).toEqual([]);
  });

  it('pages with a cursor, each job once', async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: JobList = await list(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.jobs.map((job) => job.job_id));
      cursor = page.next_cursor;
      if (seen.length > 5) throw new Error('the cursor does not advance');
    }
    expect(seen).toEqual([ids.lunch, ids.paypal, ids.invoice]);
  });

  it('refuses bad filters with a clear 400', async () => {
    for (const query of [
      '?from=yesterday',
      '?verdict=bad',
      '?cursor=abc',
      '?limit=1000',
      '?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
    ]) {
      const response = await stack.inject({ url: `/api/v1/analysis/jobs${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('API_REQUEST_INVALID');
    }
  });

  it('examines a bounded stretch per request, dropping entries whose job is gone', async () => {
    // Index entries newer than every job, for records that no longer exist.
    const index = keys(stack.config.prefix).jobIndex();
    const future = Date.now() + 60_000;
    const pipeline = stack.jobs.redis.pipeline();
    for (let i = 0; i < SCAN_BUDGET + 50; i++) pipeline.zadd(index, future + i, `gone-${i}`);
    await pipeline.exec();

    const first = await list();
    expect(first.jobs).toEqual([]);
    expect(first.next_cursor).not.toBeNull();
    const rest = await list(`?cursor=${first.next_cursor!}`);
    expect(rest.jobs.map((job) => job.job_id)).toEqual([ids.lunch, ids.paypal, ids.invoice]);
    // The dead entries were removed as they were found, the one the first cursor rested on too.
    expect(await stack.jobs.redis.zcard(index)).toBe(3);
    expect((await list()).jobs).toHaveLength(3);
  });

  it('shows the raw header section of a job, and 404 for an unknown one', async () => {
    const response = await stack.inject({ url: `/api/v1/analysis/headers/${ids.paypal}` });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ headers: string; truncated: boolean }>();
    expect(body.headers).toMatch(/^Return-Path: <bounce@mailer-srv7\.top>/);
    expect(body.headers).toContain('Subject: Your account has been limited - action required');
    expect(body.headers).not.toContain('Dear Customer');
    expect(body.truncated).toBe(false);
    const missing = await stack.inject({
      url: '/api/v1/analysis/headers/00000000-0000-4000-8000-000000000000',
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('API_JOB_NOT_FOUND');
  });
});

describe('listing batches', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ workers: true });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('lists batches newest first with their counts, and their jobs by batch id', async () => {
    const raw = fixture('benign-newsletter.eml').toString('base64');
    const batchIds: string[] = [];
    for (const size of [2, 3]) {
      const response = await stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit-bulk',
        payload: { emails: Array.from({ length: size }, () => ({ raw })), analysis_type: 'quick' },
      });
      expect(response.statusCode).toBe(202);
      batchIds.push(response.json<{ batch_id: string }>().batch_id);
    }
    const listed = await until(
      async () =>
        (await stack.inject({ url: '/api/v1/analysis/batches' })).json<{
          batches: { batch_id: string; total_jobs: number; counts: { pending: number } }[];
          next_cursor: string | null;
        }>(),
      (body) => body.batches.every((batch) => batch.counts.pending === 0),
    );
    expect(listed.batches.map((batch) => [batch.batch_id, batch.total_jobs])).toEqual([
      [batchIds[1], 3],
      [batchIds[0], 2],
    ]);
    const jobs = (
      await stack.inject({ url: `/api/v1/analysis/jobs?batch_id=${batchIds[0]!}` })
    ).json<JobList>();
    expect(jobs.jobs).toHaveLength(2);
    expect(jobs.jobs.every((job) => job.batch_id === batchIds[0] && job.verdict === 'clean')).toBe(
      true,
    );
    const page = (await stack.inject({ url: '/api/v1/analysis/batches?limit=1' })).json<{
      batches: unknown[];
      next_cursor: string | null;
    }>();
    expect(page.batches).toHaveLength(1);
    expect(page.next_cursor).not.toBeNull();
  });
});

describe('when the entry a page ended on goes before the next page', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  /** Gives every id the same time in the index, as a burst of submissions can. */
  async function sameTime(index: string, ids: string[]): Promise<string[]> {
    const atMs = Date.now();
    for (const id of ids) await stack.jobs.redis.zadd(index, 'XX', atMs, id);
    // Redis orders equal times by id; newest first is then the highest id first.
    return [...ids].sort().reverse();
  }

  /** Pages through `url` one item at a time; with `index`, removes each page's entry from it. */
  async function pageThrough(
    url: string,
    [list, idField]: ['jobs', 'job_id'] | ['batches', 'batch_id'],
    index?: string,
  ): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null && seen.length <= 5) {
      const response = await stack.inject({
        url: `${url}?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<Record<string, Record<string, string>[]>>();
      const ids = (body[list] ?? []).map((item) => item[idField] ?? '');
      seen.push(...ids);
      if (index !== undefined && ids.length > 0) await stack.jobs.redis.zrem(index, ...ids);
      cursor = response.json<{ next_cursor: string | null }>().next_cursor;
    }
    return seen;
  }

  it('still lists every job of that same time, each once', async () => {
    const ids: string[] = [];
    for (const subject of ['one', 'two', 'three']) {
      const response = await stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit',
        payload: { analysis_type: 'quick', subject, sender: 'a@b.example', content: subject },
      });
      expect(response.statusCode, response.body).toBe(202);
      ids.push(response.json<{ job_id: string }>().job_id);
    }
    const index = keys(stack.config.prefix).jobIndex();
    const newestFirst = await sameTime(index, ids);
    const seen = await pageThrough('/api/v1/analysis/jobs', ['jobs', 'job_id'], index);
    expect(seen).toEqual(newestFirst);
  });

  it('still lists every batch of that same time, each once', async () => {
    const raw = fixture('benign-newsletter.eml').toString('base64');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await stack.inject({
        method: 'POST',
        url: '/api/v1/analysis/submit-bulk',
        payload: { emails: [{ raw }], analysis_type: 'quick' },
      });
      expect(response.statusCode, response.body).toBe(202);
      ids.push(response.json<{ batch_id: string }>().batch_id);
    }
    const index = keys(stack.config.prefix).batchIndex();
    const newestFirst = await sameTime(index, ids);
    // A batch page reads as many entries as it lists: one here, so each page reads past the last.
    const batches = ['batches', 'batch_id'] as const;
    expect(await pageThrough('/api/v1/analysis/batches', [...batches])).toEqual(newestFirst);
    expect(await pageThrough('/api/v1/analysis/batches', [...batches], index)).toEqual(newestFirst);
  });
});
