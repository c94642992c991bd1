/**
 * Redis (AOF on) dies and comes back while jobs wait and run. Every job that
 * got a 202 before ends completed or dead-lettered, none lost and none stuck,
 * and workers and the API reconnect by themselves.
 */
import { describe, expect, it } from 'vitest';
import { fixture } from '../helpers/stack.ts';
import {
  allSettled,
  readBooks,
  retrying,
  startWorkerProcess,
  until,
  useProcessRig,
} from '../helpers/worker-process.ts';

describe('when Redis is restarted while jobs wait and run', () => {
  // appendfsync always: every write Redis acknowledged survives the crash.
  const rig = useProcessRig({ appendOnly: true, appendFsync: 'always' });
  const { prefix, workers } = rig;
  const raw = fixture('phish-paypal-ip-link.eml').toString('utf8');

  const submit = () =>
    rig.stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { raw, analysis_type: 'quick' },
    });

  it('finishes every accepted job once, and everything reconnects by itself', async () => {
    const accepted: string[] = [];
    // Enough work that Redis goes down while some of it waits and some of it runs.
    for (let i = 0; i < 600; i++) {
      const response = await submit();
      expect(response.statusCode).toBe(202);
      accepted.push(response.json<{ job_id: string }>().job_id);
    }
    for (let i = 0; i < 2; i++)
      workers.push(await startWorkerProcess({ redisUrl: rig.redis.url, prefix }));
    const lane = rig.stack.jobs.queues.realtime;
    await until(
      () => lane.getJobCounts('completed', 'active'),
      (counts) => (counts.completed ?? 0) >= 10 && (counts.active ?? 0) > 0,
      20_000,
      10,
    );

    await rig.redis.kill('SIGKILL');
    const refused = await submit();
    expect(refused.statusCode).toBe(503);
    await rig.redis.start();

    // The API takes submissions again once its connection is back.
    for (let i = 0; i < 20; i++) {
      const response = await until(submit, (r) => r.statusCode === 202, 15_000, 100);
      accepted.push(response.json<{ job_id: string }>().job_id);
    }
    const books = await until(
      () =>
        retrying(() =>
          readBooks(rig.stack.jobs.redis, prefix, lane, rig.stack.jobs.queues.dlq, accepted),
        ),
      allSettled,
      40_000,
      200,
    );
    const failed = books.byState.failed ?? [];
    expect(failed.filter((id) => !books.deadLettered.has(id))).toEqual([]);
    expect((books.byState.completed?.length ?? 0) + failed.length).toBe(accepted.length);
    for (const id of books.byState.completed ?? []) expect(books.completions.get(id), id).toBe(1);
    // The workers rode it out: neither died.
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
  });
});
