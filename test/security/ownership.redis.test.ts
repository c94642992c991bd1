/**
 * Analysts see their own jobs and batches only; another user's look exactly
 * like ones that do not exist (404, or a refused subscription), so ids cannot
 * be probed. Admins see everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../src/jobs/keys.ts';
import { bearerProtocols, startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect } from '../helpers/ws-client.ts';

const EMAIL = {
  subject: 'Quarterly report',
  sender: 'Finance <fin@example.org>',
  content: 'Hello',
};
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('ownership of jobs and batches', () => {
  let stack: TestStack;
  let alice: string;
  let bob: string;
  let jobId: string;
  let batchId: string;
  let batchJobs: string[];
  let ws: string;

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    // No workers: the jobs stay pending, so cancelling them is possible.
    stack = await startTestStack();
    alice = await stack.token('alice', 'analyst');
    bob = await stack.token('bob', 'analyst');
    const submitted = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      headers: as(alice),
      payload: { ...EMAIL, analysis_type: 'quick' },
    });
    expect(submitted.statusCode).toBe(202);
    jobId = submitted.json<{ job_id: string }>().job_id;
    const bulk = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      headers: as(alice),
      payload: { emails: [EMAIL, EMAIL], analysis_type: 'quick' },
    });
    expect(bulk.statusCode).toBe(202);
    ({ batch_id: batchId, job_ids: batchJobs } = bulk.json<{
      batch_id: string;
      job_ids: string[];
    }>());
    ws = (await stack.listen()).replace(/^http/, 'ws');
  });
  afterAll(async () => {
    await stack.close();
  });

  it('records the submitter as the owner of the job and of the batch', async () => {
    const k = keys(stack.config.prefix);
    expect(await stack.jobs.redis.hget(k.job(jobId), 'owner')).toBe('alice');
    expect(await stack.jobs.redis.hget(k.batch(batchId), 'owner')).toBe('alice');
    expect(await stack.jobs.redis.hget(k.job(batchJobs[0]!), 'owner')).toBe('alice');
  });

  it("answers another analyst's status request exactly as for a job that does not exist", async () => {
    const theirs = await stack.inject({
      url: `/api/v1/analysis/status/${jobId}`,
      headers: as(bob),
    });
    const none = await stack.inject({
      url: `/api/v1/analysis/status/${UNKNOWN}`,
      headers: as(bob),
    });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json<{ error: unknown }>().error).toEqual({
      code: 'API_JOB_NOT_FOUND',
      message: `no job ${jobId}`,
    });
    expect(none.json<{ error: unknown }>().error).toEqual({
      code: 'API_JOB_NOT_FOUND',
      message: `no job ${UNKNOWN}`,
    });
    for (const id of batchJobs) {
      const inBatch = await stack.inject({
        url: `/api/v1/analysis/status/${id}`,
        headers: as(bob),
      });
      expect(inBatch.statusCode).toBe(404);
    }
  });

  it('shows the job to its owner and to an admin', async () => {
    const own = await stack.inject({ url: `/api/v1/analysis/status/${jobId}`, headers: as(alice) });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ job_id: jobId, status: 'pending' });
    expect((await stack.inject({ url: `/api/v1/analysis/status/${jobId}` })).statusCode).toBe(200);
  });

  it("hides another analyst's batch, and shows it to its owner and to an admin", async () => {
    const url = `/api/v1/analysis/batch/${batchId}`;
    const theirs = await stack.inject({ url, headers: as(bob) });
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json()).toMatchObject({ error: { code: 'API_BATCH_NOT_FOUND' } });
    expect((await stack.inject({ url, headers: as(alice) })).json()).toMatchObject({
      total_jobs: 2,
    });
    expect((await stack.inject({ url })).statusCode).toBe(200);
  });

  it('does not let another analyst cancel the job, and lets its owner', async () => {
    const theirs = await stack.inject({
      method: 'DELETE',
      url: `/api/v1/analysis/${batchJobs[0]!}`,
      headers: as(bob),
    });
    expect(theirs.statusCode).toBe(404);
    const status = await stack.inject({ url: `/api/v1/analysis/status/${batchJobs[0]!}` });
    expect(status.json()).toMatchObject({ status: 'pending' });
    const own = await stack.inject({
      method: 'DELETE',
      url: `/api/v1/analysis/${batchJobs[0]!}`,
      headers: as(alice),
    });
    expect(own.statusCode).toBe(200);
  });

  it("refuses a WebSocket subscription to another analyst's job as if it did not exist", async () => {
    const theirs = connect(`${ws}/ws/jobs/${jobId}`, bearerProtocols(bob));
    expect(await theirs.opened).toBe('open');
    expect(await theirs.closed).toEqual({ code: 4404, reason: 'job not found' });
    expect(theirs.messages).toEqual([
      { type: 'error', error: { code: 'API_JOB_NOT_FOUND', message: `no job ${jobId}` } },
    ]);
    const missing = connect(`${ws}/ws/jobs/${UNKNOWN}`, bearerProtocols(bob));
    expect((await missing.closed).code).toBe(4404);

    const own = connect(`${ws}/ws/jobs/${jobId}`, bearerProtocols(alice));
    expect(await own.next((m) => m.type === 'progress_update')).toMatchObject({ job_id: jobId });
    own.socket.close();
    await own.closed;
  });

  it("refuses a WebSocket subscription to another analyst's batch", async () => {
    const theirs = connect(`${ws}/ws/batches/${batchId}`, bearerProtocols(bob));
    expect((await theirs.closed).code).toBe(4404);
    expect(theirs.messages[0]).toMatchObject({ error: { code: 'API_BATCH_NOT_FOUND' } });
    const own = connect(`${ws}/ws/batches/${batchId}`, bearerProtocols(alice));
    expect(await own.next((m) => m.type === 'batch_progress')).toMatchObject({ batch_id: batchId });
    own.socket.close();
    await own.closed;
  });

  it('keeps /ws/system for admins: an analyst is refused before the upgrade', async () => {
    expect(await connect(`${ws}/ws/system`, bearerProtocols(alice)).opened).toBe(403);
    const admin = connect(`${ws}/ws/system`, bearerProtocols(stack.adminToken));
    expect(await admin.next((m) => m.type === 'system_status')).toBeTruthy();
    admin.socket.close();
    await admin.closed;
  });
});
