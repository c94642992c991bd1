/**
 * Several worker hosts against one Redis, one of them cut off in the middle of
 * its work. As root, the hosts are network namespaces joined by veth pairs,
 * each with a hostname of its own, and the cut sets its link down; elsewhere
 * they are processes and the cut freezes one (see test/helpers/test-hosts.ts).
 * The test's name says which ran.
 *
 * The cut-off host's jobs must come back through BullMQ's stalled-job check
 * and be finished by the others; its heartbeat must turn dead while the
 * others stay alive; and the books must balance as in the reliability suite:
 * every job completed once, nothing dead-lettered. When the host comes back,
 * the results it still holds for those jobs must be refused, not recorded twice.
 */
import { describe, expect, it } from 'vitest';
import { listWorkers } from '../../src/jobs/heartbeats.ts';
import { fixture } from '../helpers/stack.ts';
import {
  canMakeNetworkNamespaces,
  useTestHosts,
  type HostMode,
  type TestHost,
} from '../helpers/test-hosts.ts';
import {
  allSettled,
  readBooks,
  startWorkerProcess,
  until,
  useProcessRig,
  type Books,
  type WorkerProcess,
} from '../helpers/worker-process.ts';

const HOSTS = 3;
const JOBS = 600;
const PASSWORD = 'multi-host-test-password';
const HEARTBEAT_MS = 250;
const WORKER_ENV = {
  PHISHNET_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
  // Short locks, so the cut-off host's jobs come back within seconds.
  PHISHNET_WORKER_LOCK_MS: '2000',
};
/** PHISHNET_TEST_HOSTS=processes tries the fallback where namespaces would work. */
const MODE: HostMode =
  process.env.PHISHNET_TEST_HOSTS !== 'processes' && canMakeNetworkNamespaces()
    ? 'network namespaces'
    : 'processes';

function expectBalanced(books: Books, ids: readonly string[]): void {
  expect(books.byState.completed ?? []).toHaveLength(ids.length);
  for (const id of ids) expect(books.completions.get(id), id).toBe(1);
  expect(books.completions.size).toBe(ids.length);
  expect(books.deadLettered.size).toBe(0);
}

describe(`when one of ${HOSTS} worker hosts is cut off from Redis mid-work (${MODE})`, () => {
  // The hosts first: Redis listens on their links.
  const net = useTestHosts(HOSTS, MODE);
  const rig = useProcessRig({ password: PASSWORD, bind: net.redisBind });
  const { prefix, workers } = rig;

  it('the other hosts finish its jobs, its heartbeat turns dead, and each job completes once', async () => {
    const { stack } = rig;
    const lane = stack.jobs.queues.realtime;
    const redisUrlOf = (host: TestHost) =>
      `redis://:${PASSWORD}@${host.redisAddress}:${rig.redis.port}`;

    const running: WorkerProcess[] = await Promise.all(
      net.hosts.map(async (host) => {
        const worker = await startWorkerProcess({
          redisUrl: redisUrlOf(host),
          prefix,
          concurrency: 2,
          env: WORKER_ENV,
          ...(host.wrapper ? { wrapper: host.wrapper } : {}),
        });
        workers.push(worker);
        return worker;
      }),
    );
    // All hosts wait on an empty lane, so the work reaches them at the same moment.
    const raw = fixture('phish-paypal-ip-link.eml').toString('utf8');
    const bulk = await stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit-bulk',
      payload: { emails: Array.from({ length: JOBS }, () => ({ raw })), analysis_type: 'quick' },
    });
    expect(bulk.statusCode, bulk.body).toBe(202);
    const ids = bulk.json<{ job_ids: string[] }>().job_ids;

    const pidOf = (host: TestHost) => running[host.index]!.child.pid ?? -1;
    // Each host is known by its hostname (namespaces) or its pid (processes).
    const heartbeats = async () => {
      const all = await listWorkers(stack.jobs.redis, prefix);
      return net.hosts.map((host) =>
        all.find((w) => (MODE === 'processes' ? w.pid === pidOf(host) : w.host === host.name)),
      );
    };

    const victim = net.hosts[HOSTS - 1]!;
    const others = net.hosts.slice(0, -1);
    // Every host at work, the victim holding jobs: then cut it off.
    const before = await until(
      heartbeats,
      (beats) =>
        beats.every((beat) => (beat?.processed ?? 0) >= 5) &&
        (beats[victim.index]?.active_jobs ?? 0) > 0,
      30_000,
      50,
    );
    if (MODE === 'network namespaces') {
      // The wrapper exec'd the CLI: the pid we hold is the worker's, on its own host.
      for (const host of net.hosts) expect(before[host.index]?.pid).toBe(pidOf(host));
      expect(new Set(before.map((beat) => beat?.host)).size).toBe(HOSTS);
    }
    const left = await lane.getJobCounts('waiting', 'prioritized');
    expect(
      (left.waiting ?? 0) + (left.prioritized ?? 0),
      'work left for the others',
    ).toBeGreaterThan(0);
    net.cutOff(victim, pidOf(victim));
    const cutAt = Date.now();

    // Its heartbeat turns dead; the others' do not.
    const status = await until(
      async () =>
        (await stack.inject({ url: '/api/v1/workers/status' })).json<{
          workers: { id: string; host: string; pid: number; state: string }[];
        }>(),
      (body) => body.workers.some((w) => w.id === before[victim.index]?.id && w.state === 'dead'),
      15_000,
      100,
    );
    for (const host of others) {
      const beat = status.workers.find((w) => w.id === before[host.index]?.id);
      expect(beat?.state, `host ${host.name}`).not.toBe('dead');
    }

    // The others finish everything, the victim's jobs included.
    const books = await until(
      () => readBooks(stack.jobs.redis, prefix, lane, stack.jobs.queues.dlq, ids),
      allSettled,
      90_000,
      250,
    );
    expectBalanced(books, ids);
    const events = await stack.jobs.redis.xrange(`${prefix}:realtime:events`, '-', '+');
    const stalled = events
      .filter(([, fields]) => fields[1] === 'stalled')
      .map(([, fields]) => fields[3] ?? '');
    // The victim held jobs when it was cut off; they came back as stalled, not by luck.
    expect(stalled.length).toBeGreaterThan(0);
    for (const id of stalled) expect(ids).toContain(id);
    const afterCut = await heartbeats();
    for (const host of others) {
      expect(afterCut[host.index]?.state, host.name).not.toBe('dead');
      expect(afterCut[host.index]?.processed ?? 0).toBeGreaterThan(before[host.index]!.processed);
    }

    // Back on the network, the victim finishes what it held and reports it: BullMQ must
    // refuse each report, since the job's lock has passed to another host.
    net.reconnect(victim, pidOf(victim));
    await until(
      heartbeats,
      (beats) => {
        const beat = beats[victim.index];
        return beat?.state !== 'dead' && Date.parse(beat?.last_seen ?? '') > cutAt;
      },
      60_000,
      200,
    );
    const refusals = () =>
      Promise.resolve([
        ...running[victim.index]!.stdout().matchAll(/Missing lock for job ([\w-]+)/g),
      ]);
    const refused = await until(refusals, (found) => found.length > 0, 30_000, 200);
    // What it held is what came back as stalled.
    for (const [, id] of refused) expect(stalled).toContain(id);
    expectBalanced(
      await readBooks(stack.jobs.redis, prefix, lane, stack.jobs.queues.dlq, ids),
      ids,
    );
  }, 240_000);
});
