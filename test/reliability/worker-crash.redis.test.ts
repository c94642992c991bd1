/**
 * A worker process killed with SIGKILL in the middle of its work loses nothing:
 * its jobs come back through BullMQ's stalled-job check, another worker
 * finishes them, and each result is recorded once.
 */
import { describe, expect, it } from 'vitest';
import { submitQuickScans } from '../helpers/stack.ts';
import {
  allSettled,
  readBooks,
  startWorkerProcess,
  until,
  useProcessRig,
} from '../helpers/worker-process.ts';

const JOBS = 200;

describe('when a worker process is killed with SIGKILL mid-job', () => {
  const rig = useProcessRig();
  const { prefix, workers } = rig;

  it('another worker finishes its jobs, and each result is recorded once', async () => {
    const ids = await submitQuickScans(rig.stack, JOBS);
    const lane = rig.stack.jobs.queues.realtime;
    // Alone on a backlog, the first worker always holds jobs: killing it leaves some active.
    const first = await startWorkerProcess({ redisUrl: rig.redis.url, prefix });
    workers.push(first);
    await until(
      () => lane.getJobCounts('completed', 'active'),
      (counts) => (counts.completed ?? 0) >= 10 && (counts.active ?? 0) > 0,
      20_000,
      10,
    );
    await first.stop('SIGKILL');
    const orphans = (await lane.getActive()).map((job) => job.id);
    expect(orphans.length).toBeGreaterThan(0);

    workers.push(await startWorkerProcess({ redisUrl: rig.redis.url, prefix }));
    const books = await until(
      () => readBooks(rig.stack.jobs.redis, prefix, lane, rig.stack.jobs.queues.dlq, ids),
      allSettled,
      30_000,
      200,
    );
    expect(books.byState.completed).toHaveLength(JOBS);
    expect([...books.completions.values()].every((count) => count === 1)).toBe(true);
    expect(books.completions.size).toBe(JOBS);
    for (const id of orphans) {
      const job = await lane.getJob(id ?? '');
      expect(job?.returnvalue, `orphan ${String(id)}`).toHaveProperty('verdict');
    }
    // The orphans came back through the stalled-job check, not by luck.
    const stalled = await rig.stack.jobs.redis.xrange(`${prefix}:realtime:events`, '-', '+');
    const stalledIds = stalled
      .filter(([, fields]) => fields[1] === 'stalled')
      .map(([, fields]) => fields[3]);
    expect(stalledIds).toEqual(expect.arrayContaining(orphans));
  });
});
