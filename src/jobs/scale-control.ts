/**
 * How many worker processes the supervisors should run, and what they report
 * back, kept in Redis so that any API instance and any supervisor, on any host,
 * see the same (see docs/redis-keys.md):
 *
 *   {prefix}:scale:control        STRING, JSON `ScaleControl`: written by the API
 *                                 (compare-and-set), read by every supervisor
 *   {prefix}:scale:changed        pub/sub: the new control, published with each write,
 *                                 so supervisors act at once instead of at their next check
 *   {prefix}:supervisor:{id}      STRING, JSON `SupervisorState`, rewritten after every
 *                                 decision; TTL = 3 of the supervisor's intervals
 *   {prefix}:supervisors          ZSET id → last update (ms); a member whose state has
 *                                 expired is dropped by the next reader
 *
 * The control applies to each supervisor on its own host: `fixed` 4 means four
 * worker processes per supervisor, not four in the cluster.
 */
import type { Redis } from 'ioredis';
import { WORK_LANES, type WorkLane } from '../contracts/queues.ts';
import {
  scaleControlSchema,
  supervisorStateSchema,
  type ScaleAccepted,
  type ScaleControl,
  type ScaleMode,
  type ScaleRequest,
  type ScaleStatus,
  type SupervisorState,
  type SupervisorStatus,
} from '../contracts/workers.ts';
import { AppError } from '../lib/errors.ts';
import { DEAD_AFTER_INTERVALS } from './heartbeats.ts';
import { keys } from './keys.ts';

/** The bounds a supervisor (or the API) uses while operators have set none. */
export interface ScaleDefaults {
  minWorkers: number;
  maxWorkers: number;
}

/** The control with every default filled in: what a supervisor acts on. */
export interface EffectiveScale {
  mode: ScaleMode;
  /** General worker processes, while `mode` is `fixed`. */
  fixedWorkers: number | null;
  minWorkers: number;
  maxWorkers: number;
  /** Worker processes that take only one lane. */
  lanes: Partial<Record<WorkLane, number>>;
}

export function resolveScale(
  control: ScaleControl | null,
  defaults: ScaleDefaults,
): EffectiveScale {
  return {
    mode: control?.mode ?? 'auto',
    fixedWorkers: control?.mode === 'fixed' ? control.fixed_workers : null,
    minWorkers: control?.min_workers ?? defaults.minWorkers,
    maxWorkers: control?.max_workers ?? defaults.maxWorkers,
    lanes: { ...control?.lanes },
  };
}

export function dedicatedWorkers(lanes: Partial<Record<WorkLane, number>>): number {
  return Object.values(lanes).reduce((sum, count) => sum + count, 0);
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function parseControl(raw: string | null): ScaleControl | null {
  const parsed = scaleControlSchema.safeParse(parseJson(raw));
  return parsed.success ? parsed.data : null;
}

export async function readScaleControl(redis: Redis, prefix: string): Promise<ScaleControl | null> {
  return parseControl(await redis.get(keys(prefix).scaleControl()));
}

function invalid(field: string, message: string): AppError {
  return new AppError('API_REQUEST_INVALID', `${field}: ${message}`, {
    details: [{ field: `body.${field}`, message }],
  });
}

/**
 * The control after `request`, or a 400 naming the field that cannot be met.
 * `fixed` with a lane sets that lane's dedicated workers (0 removes them) and
 * leaves the general mode alone; `auto` with a lane undoes just that lane;
 * `auto` alone returns everything to automatic.
 */
export function nextScaleControl(
  current: ScaleControl | null,
  request: ScaleRequest,
  defaults: ScaleDefaults,
  now: number,
): ScaleControl {
  const minWorkers = request.min_workers ?? current?.min_workers;
  const maxWorkers = request.max_workers ?? current?.max_workers;
  const min = minWorkers ?? defaults.minWorkers;
  const max = maxWorkers ?? defaults.maxWorkers;
  if (min > max) {
    throw request.min_workers === undefined
      ? invalid('max_workers', `${max} is less than min_workers (${min})`)
      : invalid('min_workers', `${min} is more than max_workers (${max})`);
  }
  let mode: ScaleMode = current?.mode ?? 'auto';
  let fixedWorkers = current?.mode === 'fixed' ? current.fixed_workers : null;
  const laneCounts = new Map(WORK_LANES.map((lane) => [lane, current?.lanes[lane] ?? 0]));
  if (request.mode === 'fixed') {
    if (request.lane === undefined) {
      mode = 'fixed';
      fixedWorkers = request.workers;
    } else {
      laneCounts.set(request.lane, request.workers);
    }
  } else if (request.lane === undefined) {
    mode = 'auto';
    fixedWorkers = null;
    laneCounts.clear();
  } else {
    laneCounts.delete(request.lane);
  }
  // A lane with none of its own is simply not listed.
  const lanes: Partial<Record<WorkLane, number>> = Object.fromEntries(
    [...laneCounts].filter(([, count]) => count > 0),
  );
  const dedicated = dedicatedWorkers(lanes);
  const general = mode === 'fixed' ? (fixedWorkers ?? 0) : 0;
  if (general + dedicated > max) {
    const parts =
      dedicated === 0
        ? `${general} worker processes`
        : general === 0
          ? `${dedicated} worker processes dedicated to lanes`
          : `${general} general worker processes and ${dedicated} dedicated to lanes`;
    throw request.mode === 'fixed'
      ? invalid(
          'workers',
          `${parts} would be more than max_workers (${max}) allows on one host; raise max_workers in the same request`,
        )
      : invalid('max_workers', `${max} is less than the ${parts} fixed now`);
  }
  return {
    mode,
    fixed_workers: mode === 'fixed' ? fixedWorkers : null,
    ...(minWorkers === undefined ? {} : { min_workers: minWorkers }),
    ...(maxWorkers === undefined ? {} : { max_workers: maxWorkers }),
    lanes,
    updated_at: new Date(now).toISOString(),
  };
}

/**
 * Sets KEYS[1] to ARGV[2] only if it still holds ARGV[1] ('' for none), and
 * publishes the new value on channel ARGV[3].
 * Returns 1 when written, 0 when another writer came first.
 */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[2])
return 1
`;
const MAX_WRITE_ATTEMPTS = 10;

/** Applies an operator's request (validated against what is stored), tells the supervisors, and says what will happen. */
export async function applyScaleRequest(
  redis: Redis,
  prefix: string,
  request: ScaleRequest,
  defaults: ScaleDefaults,
  now = Date.now(),
): Promise<ScaleAccepted> {
  const k = keys(prefix);
  for (let attempt = 1; ; attempt++) {
    const raw = await redis.get(k.scaleControl());
    const next = nextScaleControl(parseControl(raw), request, defaults, now);
    const written = await redis.eval(
      COMPARE_AND_SET,
      1,
      k.scaleControl(),
      raw ?? '',
      JSON.stringify(next),
      k.scaleChannel(),
    );
    if (written === 1) {
      const supervisors = (await listSupervisors(redis, prefix, now)).length;
      return describeScaleChange(request, resolveScale(next, defaults), supervisors);
    }
    // Two operators at once: read again and decide on what the other one wrote.
    if (attempt >= MAX_WRITE_ATTEMPTS) {
      throw new AppError('QUEUE_UNAVAILABLE', 'the scale setting kept changing; try again');
    }
  }
}

function whoApplies(supervisors: number): string {
  if (supervisors === 0) return '';
  return supervisors === 1
    ? 'The supervisor (1 running) '
    : `Each of the ${supervisors} running supervisors `;
}

/** The 202 answer: the request's effect, in words an operator can check. */
export function describeScaleChange(
  request: ScaleRequest,
  scale: EffectiveScale,
  supervisors: number,
): ScaleAccepted {
  const bounds = `between ${scale.minWorkers} and ${scale.maxWorkers}`;
  const dedicated = dedicatedWorkers(scale.lanes);
  const who = whoApplies(supervisors);
  let effect: string;
  if (request.mode === 'fixed' && request.lane !== undefined) {
    effect =
      request.workers === 0
        ? `stops the worker processes it ran for ${request.lane} alone; its general workers keep taking ${request.lane} jobs.`
        : `keeps ${request.workers} worker processes that take only ${request.lane} jobs, besides its general workers; {"mode":"auto","lane":"${request.lane}"} undoes it.`;
  } else if (request.mode === 'fixed') {
    effect = `keeps ${request.workers} general worker processes on its host, starting or stopping them now (stopping with SIGTERM, idle ones first); autoscaling is off until {"mode":"auto"}.`;
  } else if (request.lane !== undefined) {
    effect = `stops the worker processes it ran for ${request.lane} alone; its general workers keep taking ${request.lane} jobs.`;
  } else {
    effect = `scales its worker processes ${bounds} on queue depth; changes wait for the cooldown since the last one.`;
  }
  const sentence = who === '' ? effect : who + effect;
  const extra =
    request.mode === 'auto' || request.lane !== undefined || dedicated === 0
      ? ''
      : ` ${dedicated} more stay dedicated to single lanes.`;
  const message =
    supervisors === 0
      ? `Stored, but no supervisor is running, so nothing changes yet: when one starts (phishnet start, phishnet supervisor), it ${effect}`
      : `${sentence[0]?.toUpperCase() ?? ''}${sentence.slice(1)}${extra}`;
  return {
    mode: scale.mode,
    ...(request.mode === 'fixed' ? { target_workers: request.workers } : {}),
    min_workers: scale.minWorkers,
    max_workers: scale.maxWorkers,
    ...(request.lane === undefined ? {} : { lane: request.lane }),
    supervisors,
    message,
  };
}

// ---- What supervisors report. ----

export async function publishSupervisorState(
  redis: Redis,
  prefix: string,
  state: SupervisorState,
): Promise<void> {
  const k = keys(prefix);
  await redis
    .multi()
    .set(
      k.supervisor(state.id),
      JSON.stringify(state),
      'PX',
      DEAD_AFTER_INTERVALS * state.interval_ms,
    )
    .zadd(k.supervisors(), Date.parse(state.updated_at), state.id)
    .exec();
}

/** A supervisor that stops cleanly leaves the list at once. */
export async function removeSupervisorState(
  redis: Redis,
  prefix: string,
  id: string,
): Promise<void> {
  const k = keys(prefix);
  await redis.multi().del(k.supervisor(id)).zrem(k.supervisors(), id).exec();
}

/** The supervisors that reported within 3 of their intervals, newest first. */
export async function listSupervisors(
  redis: Redis,
  prefix: string,
  now = Date.now(),
): Promise<SupervisorStatus[]> {
  const k = keys(prefix);
  const ids = await redis.zrevrange(k.supervisors(), 0, -1);
  if (ids.length === 0) return [];
  const raws = await redis.mget(...ids.map((id) => k.supervisor(id)));
  const alive: SupervisorStatus[] = [];
  const gone: string[] = [];
  ids.forEach((id, i) => {
    const parsed = supervisorStateSchema.safeParse(parseJson(raws[i] ?? null));
    if (!parsed.success) {
      gone.push(id);
      return;
    }
    const state = parsed.data;
    if (now - Date.parse(state.updated_at) > DEAD_AFTER_INTERVALS * state.interval_ms) return;
    const until = state.cooldown_until === null ? now : Date.parse(state.cooldown_until);
    alive.push({
      ...state,
      cooldown_remaining_seconds: Math.max(0, Math.ceil((until - now) / 100) / 10),
    });
  });
  if (gone.length > 0) await redis.zrem(k.supervisors(), ...gone);
  return alive;
}

/** The body of GET /api/v1/workers/scale: the operators' setting and what the supervisors did with it. */
export async function readScaleStatus(
  redis: Redis,
  prefix: string,
  options: ScaleDefaults & { orchestrator: ScaleStatus['orchestrator'] },
  now = Date.now(),
): Promise<ScaleStatus> {
  const [control, instances] = await Promise.all([
    readScaleControl(redis, prefix),
    listSupervisors(redis, prefix, now),
  ]);
  const scale = resolveScale(control, options);
  const sum = (pick: (state: SupervisorStatus) => number): number =>
    instances.reduce((total, state) => total + pick(state), 0);
  const fixedLanes = WORK_LANES.filter((lane) => scale.lanes[lane] !== undefined);
  const lanes = Object.fromEntries(
    fixedLanes.map((lane) => [
      lane,
      {
        workers: scale.lanes[lane] ?? 0,
        current_workers: sum((state) => state.lanes[lane]?.current_workers ?? 0),
        desired_workers: sum((state) => state.lanes[lane]?.desired_workers ?? 0),
      },
    ]),
  );
  const decisions = instances
    .map((state) => state.last_decision)
    .filter((decision) => decision !== null)
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return {
    timestamp: new Date(now).toISOString(),
    orchestrator: options.orchestrator,
    mode: scale.mode,
    min_workers: scale.minWorkers,
    max_workers: scale.maxWorkers,
    current_workers: sum((state) => state.current_workers),
    desired_workers: sum((state) => state.desired_workers),
    ...(fixedLanes.length > 0 ? { lanes } : {}),
    last_decision: decisions[0] ?? null,
    cooldown_remaining_seconds: Math.max(
      0,
      ...instances.map((state) => state.cooldown_remaining_seconds),
    ),
    supervisors: instances.length,
    instances,
  };
}
