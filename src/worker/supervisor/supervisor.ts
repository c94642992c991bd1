/**
 * The single-host autoscaler: keeps this host's worker processes at what the
 * scale policy (./scale-policy.ts) and the operators' setting in Redis ask for.
 *
 * Every PHISHNET_SCALE_INTERVAL_MS, and at once when POST /api/v1/workers/scale
 * publishes a change, it reads the setting and the lanes' backlog, decides,
 * starts or stops processes, and writes its state to Redis for
 * GET /api/v1/workers/scale. Stopping is SIGTERM, so a worker finishes or hands
 * back its jobs; idle workers are stopped first. A process that dies unasked is
 * replaced. Several supervisors (one per host) share one setting and each
 * manages only its own processes.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { WORK_LANES, type WorkLane } from '../../contracts/queues.ts';
import type { ScaleDecisionRecord, SupervisorState } from '../../contracts/workers.ts';
import type { Config } from '../../config/config.ts';
import { listWorkers } from '../../jobs/heartbeats.ts';
import { keys } from '../../jobs/keys.ts';
import { closeQueues, createQueues } from '../../jobs/queues.ts';
import { connectRedis, createRedis } from '../../jobs/redis.ts';
import {
  dedicatedWorkers,
  publishSupervisorState,
  readScaleControl,
  removeSupervisorState,
  resolveScale,
  type EffectiveScale,
} from '../../jobs/scale-control.ts';
import { readQueueDepths } from '../../jobs/stats.ts';
import { AppError, coerceError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { decideScale, pickWorkersToStop, type ScaleDecision } from './scale-policy.ts';

/** A pause before replacing a worker that died, so one that cannot start does not spin. */
const RESTART_DELAY_MS = 1_000;
/** Changes kept in the state, for operators asking what it did lately. */
const RECENT_CHANGES = 10;

/** `general` workers take every lane; a lane's own workers take only it. */
export type WorkerGroup = 'general' | WorkLane;
const GROUPS: readonly WorkerGroup[] = ['general', ...WORK_LANES];

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One worker process, as whoever starts processes (the CLI) hands it to the supervisor. */
export interface ManagedWorker {
  readonly pid: number | undefined;
  readonly group: WorkerGroup;
  readonly startedAt: number;
  /** Resolves once the process has exited, however it ended. */
  readonly exited: Promise<WorkerExit>;
  /** SIGTERM (the worker's grace period, then hand-back), SIGKILL past a bound; resolves on exit. */
  stop(): Promise<void>;
}

export type LaunchWorker = (group: WorkerGroup) => ManagedWorker;

export interface SupervisorOptions {
  config: Config;
  redisUrl: string;
  logger: Logger;
  launch: LaunchWorker;
  /** Default: `{host}-{pid}-{random}`. */
  id?: string;
}

export interface Supervisor {
  readonly id: string;
  /** The state as last written to Redis. */
  state(): SupervisorState;
  /** This supervisor's processes now. */
  processes(): { pid: number | undefined; group: WorkerGroup; stopping: boolean }[];
  /** Reads, decides and acts now; it also does so every interval and on every scale command. */
  check(): Promise<void>;
  /** Stops every worker (SIGTERM, waiting for them) and leaves the list of supervisors. */
  close(): Promise<void>;
}

/** In Kubernetes mode KEDA scales the workers; a supervisor beside it would fight it. */
export function assertSupervisorAllowed(config: Config): void {
  if (config.scale.orchestrator === 'kubernetes') {
    throw new AppError(
      'SUPERVISOR_SCALING_EXTERNAL',
      'PHISHNET_ORCHESTRATOR=kubernetes: KEDA scales the worker deployments, so no supervisor runs; run `phishnet worker` in the worker deployment instead',
    );
  }
}

export async function startSupervisor(options: SupervisorOptions): Promise<Supervisor> {
  const { config, logger } = options;
  assertSupervisorAllowed(config);
  const { prefix } = config;
  const settings = config.scale;
  const defaults = { minWorkers: settings.minWorkers, maxWorkers: settings.maxWorkers };
  const id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  // Fails fast while Redis is away: a check is skipped and the processes stay as they are.
  const redis = createRedis(options.redisUrl, 'producer', 'phishnet-supervisor');
  await connectRedis(redis);
  const queues = createQueues(redis, prefix, config.retention);
  const startedAt = Date.now();

  const workers = new Set<ManagedWorker>();
  const stopping = new Set<ManagedWorker>();
  const targets = Object.fromEntries(GROUPS.map((group) => [group, 0])) as Record<
    WorkerGroup,
    number
  >;
  let scale: EffectiveScale = resolveScale(null, defaults);
  let backlog = Object.fromEntries(WORK_LANES.map((lane) => [lane, 0])) as Record<WorkLane, number>;
  let lastChangeAt: number | null = null;
  let lastDecision: ScaleDecisionRecord | null = null;
  const recentChanges: ScaleDecisionRecord[] = [];
  let isFirstCheck = true;
  let closing = false;
  const isClosing = (): boolean => closing;

  const running = (group: WorkerGroup): ManagedWorker[] =>
    [...workers].filter((worker) => worker.group === group && !stopping.has(worker));
  const desiredTotal = (): number => GROUPS.reduce((sum, group) => sum + targets[group], 0);

  const snapshot = (now: number): SupervisorState => {
    const lanes: SupervisorState['lanes'] = {};
    for (const lane of WORK_LANES) {
      const current = running(lane).length;
      if (current > 0 || targets[lane] > 0) {
        lanes[lane] = { current_workers: current, desired_workers: targets[lane] };
      }
    }
    return {
      id,
      host: hostname(),
      pid: process.pid,
      mode: scale.mode,
      min_workers: scale.minWorkers,
      max_workers: scale.maxWorkers,
      scale_up_threshold: settings.scaleUpThreshold,
      scale_down_threshold: settings.scaleDownThreshold,
      cooldown_seconds: settings.cooldownMs / 1_000,
      current_workers: workers.size - stopping.size,
      desired_workers: desiredTotal(),
      stopping_workers: stopping.size,
      lanes,
      backlog,
      last_decision: lastDecision,
      recent_changes: [...recentChanges],
      cooldown_until:
        lastChangeAt === null ? null : new Date(lastChangeAt + settings.cooldownMs).toISOString(),
      interval_ms: settings.intervalMs,
      started_at: new Date(startedAt).toISOString(),
      updated_at: new Date(now).toISOString(),
    };
  };
  let published = snapshot(startedAt);

  const launch = (group: WorkerGroup): void => {
    const worker = options.launch(group);
    workers.add(worker);
    logger.info({ group, pid: worker.pid }, 'worker:process:started');
    void worker.exited.then(({ code, signal }) => {
      workers.delete(worker);
      if (stopping.delete(worker) || closing) return;
      logger.warn({ group, pid: worker.pid, code, signal }, 'worker:process:exited');
      setTimeout(() => {
        void reconcile();
      }, RESTART_DELAY_MS).unref();
    });
  };

  /** pid → jobs it runs, from the heartbeats of this host's workers. */
  const readActivity = async (): Promise<Map<number, number>> => {
    const host = hostname();
    const listed = await listWorkers(redis, prefix);
    return new Map(
      listed
        .filter((worker) => worker.host === host && worker.state !== 'dead')
        .map((worker) => [worker.pid, worker.active_jobs]),
    );
  };

  /** Starts or stops processes until each group has its target. Never rejects. */
  const reconcile = async (): Promise<void> => {
    try {
      await adjustProcesses();
    } catch (err) {
      logger.error({ err: coerceError(err) }, 'supervisor:processes:failed');
    }
  };
  const adjustProcesses = async (): Promise<void> => {
    if (closing) return;
    const tooMany = GROUPS.some((group) => running(group).length > targets[group]);
    const activity = tooMany
      ? await readActivity().catch((err: unknown) => {
          logger.warn({ err: coerceError(err) }, 'supervisor:heartbeats:failed');
          return new Map<number, number>();
        })
      : new Map<number, number>();
    if (isClosing()) return;
    // From here on nothing awaits, so two reconciles cannot both act on one count.
    for (const group of GROUPS) {
      const live = running(group);
      for (let n = live.length; n < targets[group]; n++) launch(group);
      const excess = live.length - targets[group];
      if (excess <= 0) continue;
      const chosen = new Set(
        pickWorkersToStop(
          live.map((worker, index) => ({
            id: String(index),
            activeJobs: worker.pid === undefined ? null : (activity.get(worker.pid) ?? null),
            startedAt: worker.startedAt,
          })),
          excess,
        ),
      );
      live.forEach((worker, index) => {
        if (!chosen.has(String(index))) return;
        stopping.add(worker);
        const activeJobs = worker.pid === undefined ? undefined : activity.get(worker.pid);
        logger.info({ group, pid: worker.pid, activeJobs }, 'worker:process:stopping');
        void worker.stop();
      });
    }
  };

  const record = (decision: ScaleDecision, now: number): ScaleDecisionRecord => ({
    action: decision.action,
    target_workers: decision.target,
    reason: decision.reason,
    at: new Date(now).toISOString(),
  });

  const checkOnce = async (): Promise<void> => {
    const now = Date.now();
    try {
      const [control, depths] = await Promise.all([
        readScaleControl(redis, prefix),
        readQueueDepths(queues),
      ]);
      scale = resolveScale(control, defaults);
      backlog = depths;
    } catch (err) {
      // Without Redis there is nothing to decide on, and workers could not run jobs anyway.
      logger.warn({ err: coerceError(err) }, 'supervisor:check:failed');
      await reconcile();
      return;
    }
    const before = desiredTotal();
    const laneChanges: string[] = [];
    for (const lane of WORK_LANES) {
      const wanted = scale.lanes[lane] ?? 0;
      if (wanted !== targets[lane]) {
        laneChanges.push(
          wanted === 0
            ? `${lane} no longer has workers of its own`
            : `${lane} fixed at ${wanted} worker${wanted === 1 ? '' : 's'} of its own by an operator`,
        );
      }
      targets[lane] = wanted;
    }
    const decision = decideScale({
      current: targets.general,
      dedicated: dedicatedWorkers(scale.lanes),
      backlog,
      minWorkers: scale.minWorkers,
      maxWorkers: scale.maxWorkers,
      scaleUpThreshold: settings.scaleUpThreshold,
      scaleDownThreshold: settings.scaleDownThreshold,
      fixedWorkers: scale.fixedWorkers,
      lastChangeAt,
      now,
      cooldownMs: settings.cooldownMs,
    });
    targets.general = decision.target;
    const after = desiredTotal();
    const action = after > before ? 'up' : after < before ? 'down' : decision.action;
    // A hold's reason says nothing about what the lanes' change did.
    const reasons =
      decision.action === 'hold' && laneChanges.length > 0
        ? laneChanges
        : [...laneChanges, decision.reason];
    const reason = reasons.join('; ');
    lastDecision = record({ action, target: decision.target, reason }, now);
    if (after !== before || decision.action !== 'hold') {
      recentChanges.push(lastDecision);
      if (recentChanges.length > RECENT_CHANGES) recentChanges.shift();
      // Starting up is not a change the cooldown should hold against the first burst.
      if (!isFirstCheck) lastChangeAt = now;
      logger.info(
        { from: before, to: after, reason, backlog },
        `worker:scale:${action === 'hold' ? 'change' : action}`,
      );
    } else {
      logger.debug({ workers: after, reason, backlog }, 'worker:scale:hold');
    }
    isFirstCheck = false;
    await reconcile();
    published = snapshot(now);
    await publishSupervisorState(redis, prefix, published).catch((err: unknown) => {
      logger.warn({ err: coerceError(err) }, 'supervisor:state:failed');
    });
  };

  // One check at a time; a request during one runs another right after it.
  let checking: Promise<void> | null = null;
  let again = false;
  // Read through functions: they change while a check awaits.
  const isRerunWanted = (): boolean => again;
  const check = (): Promise<void> => {
    if (closing) return Promise.resolve();
    if (checking) {
      again = true;
      return checking;
    }
    checking = (async () => {
      do {
        again = false;
        await checkOnce();
      } while (isRerunWanted() && !isClosing());
    })().finally(() => {
      checking = null;
    });
    return checking;
  };

  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined); // reconnects and resubscribes by itself
  await subscriber.connect();
  await subscriber.subscribe(keys(prefix).scaleChannel());
  subscriber.on('message', () => {
    if (!closing) void check();
  });
  await check();
  const timer = setInterval(() => {
    void check();
  }, settings.intervalMs);
  logger.info(
    {
      id,
      minWorkers: scale.minWorkers,
      maxWorkers: scale.maxWorkers,
      mode: scale.mode,
      intervalMs: settings.intervalMs,
    },
    'supervisor:started',
  );

  return {
    id,
    state: () => published,
    processes: () =>
      [...workers].map((worker) => ({
        pid: worker.pid,
        group: worker.group,
        stopping: stopping.has(worker),
      })),
    check,
    async close() {
      closing = true;
      clearInterval(timer);
      subscriber.disconnect();
      await checking?.catch(() => undefined);
      await Promise.all(
        [...workers].map((worker) => {
          stopping.add(worker);
          return worker.stop();
        }),
      );
      await removeSupervisorState(redis, prefix, id).catch((err: unknown) => {
        logger.warn({ err: coerceError(err) }, 'supervisor:state:remove:failed');
      });
      await closeQueues(queues);
      redis.disconnect();
    },
  };
}
