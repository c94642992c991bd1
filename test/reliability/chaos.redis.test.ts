/**
 * Chaos: jobs pour in while worker processes are killed with SIGKILL and
 * replaced, and Redis is restarted once. Then the books must balance: every
 * accepted job is completed, failed with a visible reason, or dead-lettered,
 * and no result was recorded twice.
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
  type WorkerProcess,
} from '../helpers/worker-process.ts';

const SUBMISSIONS = 300;
const KILLS = 4;

describe('chaos: worker processes killed and Redis restarted under load', () => {
  const rig = useProcessRig({ appendOnly: true, appendFsync: 'always' });
  const { prefix, workers } = rig;

  it('accounts for every accepted job, with no result recorded twice', async () => {
    const raws = ['phish-paypal-ip-link.eml', 'benign-newsletter.eml'].map((name) =>
      fixture(name).toString('utf8'),
    );
    const lane = rig.stack.jobs.queues.realtime;
    const accepted: string[] = [];
    let refused = 0;
    let submitting = true;
    const submissions = (async () => {
      for (let i = 0; i < SUBMISSIONS; i++) {
        const response = await rig.stack.inject({
          method: 'POST',
          url: '/api/v1/analysis/submit',
          payload: { raw: raws[i % raws.length], analysis_type: 'quick' },
        });
        if (response.statusCode === 202) accepted.push(response.json<{ job_id: string }>().job_id);
        else refused += 1;
        // Spread the submissions over the chaos rather than front-loading them.
        if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      submitting = false;
    })();

    const slots: WorkerProcess[] = [];
    const launch = async (slot: number): Promise<void> => {
      const worker = await startWorkerProcess({ redisUrl: rig.redis.url, prefix });
      workers.push(worker);
      slots[slot] = worker;
    };
    await Promise.all([launch(0), launch(1)]);

    // Kill a worker each time more work has been done, and restart Redis halfway.
    for (let kill = 0; kill < KILLS; kill++) {
      const done = await retrying(() => lane.getCompletedCount());
      await until(
        () => retrying(() => lane.getCompletedCount()),
        (count) => count >= done + 15 || !submitting,
        20_000,
        20,
      );
      const slot = kill % 2;
      await slots[slot]!.stop('SIGKILL');
      if (kill === KILLS / 2) {
        await rig.redis.kill('SIGKILL');
        await rig.redis.start();
      }
      await launch(slot);
    }
    await submissions;

    const books = await until(
      () =>
        retrying(() =>
          readBooks(rig.stack.jobs.redis, prefix, lane, rig.stack.jobs.queues.dlq, accepted),
        ),
      allSettled,
      40_000,
      250,
    );
    expect(accepted.length + refused).toBe(SUBMISSIONS);
    expect(accepted.length).toBeGreaterThan(SUBMISSIONS / 2);
    const completed = books.byState.completed ?? [];
    const failed = books.byState.failed ?? [];
    expect(completed.length + failed.length).toBe(accepted.length);
    // No result recorded twice: one completion per completed job, none for the rest.
    for (const id of completed) expect(books.completions.get(id), id).toBe(1);
    expect(books.completions.size).toBe(completed.length);
    // A failed job says why, in its status, and is in the dead-letter queue or on its way.
    for (const id of failed) {
      const status = (await rig.stack.inject({ url: `/api/v1/analysis/status/${id}` })).json<{
        status: string;
        error: { message: string } | null;
      }>();
      expect(status.status).toBe('failed');
      expect(status.error?.message, id).toBeTruthy();
    }
  });
});
