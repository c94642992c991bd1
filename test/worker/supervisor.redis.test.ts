/**
 * The supervisor around the scale policy: with real `phishnet worker`
 * processes running real scans, and with stand-in processes where the point
 * is what it chooses (pub/sub reaction, which worker it stops, lane groups).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Heartbeat, ScaleDecisionRecord, WorkerStatus } from '../../src/contracts/workers.ts';
import { createWorkerLauncher } from '../../src/cli/worker-processes.ts';
import { listWorkers, publishHeartbeat } from '../../src/jobs/heartbeats.ts';
import { listSupervisors } from '../../src/jobs/scale-control.ts';
import { createLogger } from '../../src/lib/logger.ts';
import {
  startSupervisor,
  type ManagedWorker,
  type Supervisor,
  type WorkerExit,
  type WorkerGroup,
} from '../../src/worker/supervisor/supervisor.ts';
import { assertBuilt, CLI, runCli } from '../helpers/cli.ts';
import { startTestStack, submitQuickScans, type TestStack } from '../helpers/stack.ts';
import { until } from '../helpers/wait.ts';

const logger = createLogger({ level: 'silent' });
const COOLDOWN_MS = 2_000;

async function postScale(stack: TestStack, payload: Record<string, unknown>): Promise<void> {
  const response = await stack.inject({
    method: 'POST',
    url: '/api/v1/workers/scale',
    payload,
  });
  expect(response.statusCode, response.body).toBe(202);
}

async function aliveWorkers(stack: TestStack): Promise<WorkerStatus[]> {
  const response = await stack.inject({ url: '/api/v1/workers/status' });
  return response.json<{ workers: WorkerStatus[] }>().workers;
}

describe('the supervisor, with real worker processes', () => {
  let stack: TestStack;
  let supervisor: Supervisor | null = null;
  /** Every decision that changed the count, in order, as the supervisor reported them. */
  const changes: ScaleDecisionRecord[] = [];
  const holds: ScaleDecisionRecord[] = [];
  let watcher: NodeJS.Timeout | undefined;

  const scaleStatus = async () =>
    (await stack.inject({ url: '/api/v1/workers/scale' })).json<{
      mode: string;
      current_workers: number;
      desired_workers: number;
      supervisors: number;
      lanes?: Record<string, { current_workers: number }>;
      last_decision: ScaleDecisionRecord | null;
    }>();
  /** Waits until exactly these worker processes heartbeat: general ones, and lane ones by lane. */
  const waitForWorkers = (general: number, lanes: Record<string, number> = {}) =>
    until(
      () => aliveWorkers(stack),
      (workers) => {
        const live = workers.filter((worker) => worker.state !== 'dead');
        const laneOnly = live.filter((worker) => worker.lanes.length === 1);
        return (
          live.length - laneOnly.length === general &&
          laneOnly.length === Object.values(lanes).reduce((sum, n) => sum + n, 0) &&
          Object.entries(lanes).every(
            ([lane, n]) => laneOnly.filter((worker) => worker.lanes[0] === lane).length === n,
          )
        );
      },
      30_000,
      100,
    );

  /** Adds what the supervisor reported since the last call; tests call it before reading. */
  const collect = (): void => {
    const state = supervisor?.state();
    const seen = new Set(changes.map((change) => change.at + change.reason));
    for (const change of state?.recent_changes ?? []) {
      if (!seen.has(change.at + change.reason)) changes.push(change);
    }
    const decision = state?.last_decision;
    if (decision?.action === 'hold' && holds.at(-1)?.at !== decision.at) holds.push(decision);
  };

  beforeAll(async () => {
    assertBuilt();
    const env = {
      PHISHNET_MIN_WORKERS: '1',
      PHISHNET_MAX_WORKERS: '3',
      PHISHNET_SCALE_UP_THRESHOLD: '10',
      PHISHNET_SCALE_DOWN_THRESHOLD: '2',
      PHISHNET_SCALE_COOLDOWN_SECONDS: String(COOLDOWN_MS / 1_000),
      PHISHNET_SCALE_INTERVAL_MS: '250',
      PHISHNET_HEARTBEAT_INTERVAL_MS: '250',
      PHISHNET_SHUTDOWN_GRACE_MS: '3000',
    };
    stack = await startTestStack({ env });
    supervisor = await startSupervisor({
      config: stack.config,
      redisUrl: stack.redisUrl,
      logger,
      launch: createWorkerLauncher({
        cliPath: CLI,
        concurrency: 2,
        logger,
        stdio: 'ignore',
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          REDIS_URL: stack.redisUrl,
          PHISHNET_PREFIX: stack.config.prefix,
          PHISHNET_LOG_LEVEL: 'warn',
          ...env,
        },
      }),
    });
    // Reads the supervisor's own record, far more often than ten changes can happen.
    watcher = setInterval(collect, 20);
  });
  afterAll(async () => {
    clearInterval(watcher);
    await supervisor?.close();
    await stack.close();
  });

  it('starts at the minimum', async () => {
    await waitForWorkers(1);
    const status = await scaleStatus();
    expect(status).toMatchObject({
      mode: 'auto',
      current_workers: 1,
      desired_workers: 1,
      supervisors: 1,
    });
    collect();
    expect(changes[0]?.reason).toMatch(/below the minimum of 1: starting 1/);
  });

  it('scales up while work waits, one step per cooldown, up to the maximum', async () => {
    const realtime = stack.jobs.queues.realtime;
    // Paused, the lane keeps its backlog however fast the workers are.
    await realtime.pause();
    await submitQuickScans(stack, 15);
    await until(
      () => Promise.resolve(supervisor!.state().desired_workers),
      (desired) => desired === 3,
      20_000,
    );
    await waitForWorkers(3);
    collect();
    const ups = changes.filter((change) => change.action === 'up').slice(1);
    expect(ups.map((change) => change.target_workers)).toEqual([2, 3]);
    expect(ups[0]!.reason).toMatch(
      /realtime has 1\d jobs waiting, more than the scale-up threshold of 10: adding 1/,
    );
    // The second step waited for the cooldown, and said so meanwhile.
    expect(Date.parse(ups[1]!.at) - Date.parse(ups[0]!.at)).toBeGreaterThanOrEqual(COOLDOWN_MS);
    expect(
      holds.some((hold) => /but the last change was .* \(cooldown 2 s\)/.test(hold.reason)),
    ).toBe(true);
    await until(
      () => scaleStatus(),
      (status) => status.current_workers === 3,
    );
  });

  it('scales down one at a time once the backlog has drained, stopping workers cleanly', async () => {
    const realtime = stack.jobs.queues.realtime;
    await realtime.resume();
    await until(
      () => realtime.getJobCounts('completed'),
      (counts) => counts.completed === 15,
      30_000,
      100,
    );
    await until(
      () => Promise.resolve(supervisor!.state().desired_workers),
      (desired) => desired === 1,
      20_000,
    );
    collect();
    const downs = changes.filter((change) => change.action === 'down');
    expect(downs.map((change) => change.target_workers)).toEqual([2, 1]);
    expect(downs[0]!.reason).toMatch(/no lane has jobs waiting: removing one worker process/);
    expect(Date.parse(downs[1]!.at) - Date.parse(downs[0]!.at)).toBeGreaterThanOrEqual(COOLDOWN_MS);
    // SIGTERM: each stopped worker left the list itself; none is left to turn dead.
    const workers = await waitForWorkers(1);
    expect(workers.filter((worker) => worker.state === 'dead')).toEqual([]);
    await until(
      () => Promise.resolve(supervisor!.processes()),
      (processes) => processes.length === 1,
    );
  });

  it('obeys a fixed count and a lane of its own from the API', async () => {
    await postScale(stack, { mode: 'fixed', workers: 2 });
    await postScale(stack, { mode: 'fixed', workers: 1, lane: 'realtime' });
    const workers = await waitForWorkers(2, { realtime: 1 });
    expect(workers.find((worker) => worker.lanes.length === 1)?.lanes).toEqual(['realtime']);
    const status = await until(
      () => scaleStatus(),
      (s) => s.current_workers === 3,
    );
    expect(status).toMatchObject({
      mode: 'fixed',
      desired_workers: 3,
      lanes: { realtime: { current_workers: 1 } },
    });
    collect();
    expect(
      changes.some((change) => /fixed at 2 worker processes by an operator/.test(change.reason)),
    ).toBe(true);
    expect(
      changes.some((change) =>
        /realtime fixed at 1 worker of its own by an operator/.test(change.reason),
      ),
    ).toBe(true);
  });

  it('goes back to automatic: the lane worker stops, then the idle pool shrinks to the minimum', async () => {
    collect();
    const before = changes.length;
    await postScale(stack, { mode: 'auto' });
    await until(
      () => Promise.resolve(supervisor!.state()),
      (state) => state.mode === 'auto' && state.desired_workers === 1,
      20_000,
    );
    await waitForWorkers(1);
    collect();
    const after = changes.slice(before);
    expect(after[0]?.reason).toMatch(/realtime no longer has workers of its own/);
    expect(after.at(-1)?.reason).toMatch(/removing one worker process/);
  });

  it('never changed the count by itself sooner than the cooldown after the previous change', () => {
    collect();
    // The first change is the start, which the cooldown does not count.
    const automatic = changes
      .map((change, i) => ({ change, previous: changes[i - 1] }))
      .filter(({ change }, i) => i > 1 && /adding|removing/.test(change.reason));
    expect(automatic.length).toBeGreaterThanOrEqual(4);
    for (const { change, previous } of automatic) {
      expect(
        Date.parse(change.at) - Date.parse(previous!.at),
        change.reason,
      ).toBeGreaterThanOrEqual(COOLDOWN_MS);
    }
  });

  it('stops every worker and leaves the list of supervisors when closed', async () => {
    await supervisor!.close();
    supervisor = null;
    expect((await scaleStatus()).supervisors).toBe(0);
    expect(await aliveWorkers(stack)).toEqual([]);
  });
});

/** A process that is not one: it exits when stopped, or when the test says it died. */
interface FakeWorker extends ManagedWorker {
  die(): void;
  stopped: boolean;
}

describe('the supervisor, with stand-in processes', () => {
  let stack: TestStack;
  let supervisor: Supervisor;
  const launched: FakeWorker[] = [];
  let nextPid = 900_000;
  const launch = (group: WorkerGroup): FakeWorker => {
    let exit: (value: WorkerExit) => void = () => undefined;
    const exited = new Promise<WorkerExit>((resolve) => (exit = resolve));
    const worker: FakeWorker = {
      pid: nextPid++,
      group,
      startedAt: Date.now(),
      exited,
      stopped: false,
      stop() {
        worker.stopped = true;
        exit({ code: 0, signal: null });
        return exited.then(() => undefined);
      },
      die() {
        exit({ code: 1, signal: null });
      },
    };
    launched.push(worker);
    return worker;
  };
  const live = (group: WorkerGroup = 'general') =>
    supervisor
      .processes()
      .filter((p) => p.group === group && !p.stopping)
      .map((p) => p.pid);

  beforeAll(async () => {
    stack = await startTestStack({
      env: {
        PHISHNET_MIN_WORKERS: '2',
        PHISHNET_SCALE_COOLDOWN_SECONDS: '300',
        // Only a published command can make it act within the test's time.
        PHISHNET_SCALE_INTERVAL_MS: '300000',
      },
    });
    supervisor = await startSupervisor({
      config: stack.config,
      redisUrl: stack.redisUrl,
      logger,
      launch,
      id: 'stand-in',
    });
  });
  afterAll(async () => {
    await supervisor.close();
    await stack.close();
  });

  it('acts on a scale command at once, through pub/sub', async () => {
    expect(live()).toHaveLength(2);
    await postScale(stack, { mode: 'fixed', workers: 4 });
    await until(
      () => Promise.resolve(live()),
      (pids) => pids.length === 4,
      5_000,
    );
    expect(supervisor.state().last_decision?.reason).toMatch(/fixed at 4 .*: starting 2/);
  });

  it('stops idle workers first, going by their heartbeats', async () => {
    const pids = live();
    // Every worker but the first and the last is busy.
    const now = new Date().toISOString();
    await Promise.all(
      pids.map((pid, i) => {
        const heartbeat: Heartbeat = {
          id: `stand-in-${pid}`,
          host: hostname(),
          pid: pid!,
          lanes: ['realtime'],
          concurrency: 2,
          capacity: 2,
          active_jobs: i === 0 || i === pids.length - 1 ? 0 : 2,
          processed: 0,
          failed: 0,
          memory_rss_bytes: 1,
          uptime_seconds: 1,
          started_at: now,
          last_seen: now,
          heartbeat_interval_ms: 60_000,
        };
        return publishHeartbeat(stack.jobs.redis, stack.config.prefix, heartbeat, 60_000);
      }),
    );
    await postScale(stack, { mode: 'fixed', workers: 2 });
    await until(
      () => Promise.resolve(live()),
      (remaining) => remaining.length === 2,
      5_000,
    );
    expect(live()).toEqual([pids[1], pids[2]]);
    const stopped = launched.filter((worker) => worker.stopped).map((worker) => worker.pid);
    expect(stopped).toEqual([pids[0], pids[3]]);
  });

  it("runs a lane's own workers in a group of their own", async () => {
    await postScale(stack, { mode: 'fixed', workers: 2, lane: 'heavy' });
    await until(
      () => Promise.resolve(live('heavy')),
      (pids) => pids.length === 2,
      5_000,
    );
    expect(live()).toHaveLength(2);
    expect(supervisor.state()).toMatchObject({
      current_workers: 4,
      desired_workers: 4,
      lanes: { heavy: { current_workers: 2, desired_workers: 2 } },
    });
  });

  it('replaces a worker that died unasked', async () => {
    const victim = launched.find((worker) => worker.group === 'heavy' && !worker.stopped)!;
    victim.die();
    await until(
      () => Promise.resolve(live('heavy')),
      (pids) => pids.length === 2 && !pids.includes(victim.pid),
      5_000,
    );
  });

  it('refuses to start in Kubernetes mode', async () => {
    const k8s = await startTestStack({ env: { PHISHNET_ORCHESTRATOR: 'kubernetes' } });
    try {
      await expect(
        startSupervisor({ config: k8s.config, redisUrl: k8s.redisUrl, logger, launch }),
      ).rejects.toMatchObject({
        code: 'SUPERVISOR_SCALING_EXTERNAL',
        message: expect.stringMatching(/KEDA/) as unknown,
      });
    } finally {
      await k8s.close();
    }
  });
});

describe('phishnet supervisor', () => {
  it('runs its workers until SIGTERM, then stops them and exits 0', async () => {
    assertBuilt();
    const prefix = `test-${randomUUID()}`;
    const redis = new Redis(inject('redisUrl'));
    try {
      const cli = runCli(['supervisor'], {
        REDIS_URL: inject('redisUrl'),
        PHISHNET_PREFIX: prefix,
        PHISHNET_MIN_WORKERS: '1',
        PHISHNET_HEARTBEAT_INTERVAL_MS: '250',
        PHISHNET_SCALE_INTERVAL_MS: '250',
        PHISHNET_SHUTDOWN_GRACE_MS: '2000',
      });
      await cli.waitFor('supervisor:started');
      const [worker] = await until(
        () => listWorkers(redis, prefix),
        (workers) => workers.length === 1,
      );
      expect(worker!.lanes).toEqual(['realtime', 'standard', 'heavy', 'background', 'monitoring']);
      const [state] = await listSupervisors(redis, prefix);
      expect(state).toMatchObject({ pid: cli.child.pid, current_workers: 1, desired_workers: 1 });

      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      expect(await listWorkers(redis, prefix)).toEqual([]);
      expect(await listSupervisors(redis, prefix)).toEqual([]);
    } finally {
      const left = await redis.keys(`${prefix}:*`);
      if (left.length > 0) await redis.del(...left);
      redis.disconnect();
    }
    // Two Node processes start and stop here: slow on a loaded 2-core machine.
  }, 90_000);

  it('refuses to run in Kubernetes mode, with one clear line', async () => {
    const cli = runCli(['supervisor'], { PHISHNET_ORCHESTRATOR: 'kubernetes' });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr().trim().split('\n')).toHaveLength(1);
    expect(cli.stderr()).toMatch(
      /PHISHNET_ORCHESTRATOR=kubernetes: KEDA scales the worker deployments/,
    );
  });
});
