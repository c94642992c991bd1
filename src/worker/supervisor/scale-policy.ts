/**
 * The supervisor's decisions, as pure functions of numbers: how many general
 * worker processes to run, and which to stop first.
 *
 * Steps:
 * - Up: when the busiest lane has more than `scaleUpThreshold` jobs waiting
 *   (waiting + prioritized + delayed), add one worker per started block of
 *   `scaleUpThreshold` jobs beyond the threshold: ceil((backlog − T) / T), at
 *   least one. 11 waiting over 10 adds 1, 25 adds 2, 100 adds 9. A burst is met
 *   in one step instead of one worker per cooldown.
 * - Down: when every lane has fewer than `scaleDownThreshold` waiting, remove one
 *   worker. Shrinking slowly costs a little idle memory; shrinking fast costs
 *   restarts when the next burst comes.
 * - Either waits for `cooldownMs` after the last change. The bounds and an
 *   operator's fixed count apply at once: they are orders, not estimates.
 * Lane-dedicated processes count against the bounds, so the host never runs
 * more than `maxWorkers` in all.
 */
import type { ScaleAction } from '../../contracts/workers.ts';
import { WORK_LANES, type WorkLane } from '../../contracts/queues.ts';

export interface ScaleInput {
  /** General worker processes the supervisor keeps now (its current target). */
  current: number;
  /** Processes dedicated to single lanes by an operator; they count against the bounds. */
  dedicated: number;
  /** Waiting + prioritized + delayed jobs per work lane. */
  backlog: Readonly<Partial<Record<WorkLane, number>>>;
  minWorkers: number;
  maxWorkers: number;
  scaleUpThreshold: number;
  scaleDownThreshold: number;
  /** An operator's count of general workers; null while scaling automatically. */
  fixedWorkers: number | null;
  /** When the count last changed (ms since the epoch); null if it never has. */
  lastChangeAt: number | null;
  now: number;
  cooldownMs: number;
}

export interface ScaleDecision {
  action: ScaleAction;
  /** General worker processes to run. */
  target: number;
  /** Why, in plain words, for logs and GET /api/v1/workers/scale. */
  reason: string;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function moveTo(current: number, target: number, reason: string): ScaleDecision {
  const action: ScaleAction = target > current ? 'up' : target < current ? 'down' : 'hold';
  return { action, target, reason };
}

export function decideScale(input: ScaleInput): ScaleDecision {
  const { current, dedicated } = input;
  const workers = (n: number): string => plural(n, 'worker process', 'worker processes');

  if (input.fixedWorkers !== null) {
    const fixed = input.fixedWorkers;
    return moveTo(
      current,
      fixed,
      current === fixed
        ? `fixed at ${workers(fixed)} by an operator`
        : `fixed at ${workers(fixed)} by an operator: ${fixed > current ? 'starting' : 'stopping'} ${Math.abs(fixed - current)}`,
    );
  }

  // Dedicated processes use up part of the bounds.
  const ofWhich = dedicated > 0 ? ` (${dedicated} of them dedicated to single lanes)` : '';
  const low = Math.max(0, input.minWorkers - dedicated);
  const high = Math.max(0, input.maxWorkers - dedicated);
  if (current < low) {
    return moveTo(
      current,
      low,
      `${workers(current + dedicated)} is below the minimum of ${input.minWorkers}${ofWhich}: starting ${low - current}`,
    );
  }
  if (current > high) {
    return moveTo(
      current,
      high,
      `${workers(current + dedicated)} is above the maximum of ${input.maxWorkers}${ofWhich}: stopping ${current - high}`,
    );
  }

  const [busiestLane, busiest] = busiestLaneOf(input.backlog);
  const waiting = `${busiestLane} has ${plural(busiest, 'job')} waiting`;
  const sinceLast =
    input.lastChangeAt === null ? Infinity : Math.max(0, input.now - input.lastChangeAt);
  const cooling = sinceLast < input.cooldownMs;
  const coolingWords = `the last change was ${formatSeconds(sinceLast)} ago (cooldown ${formatSeconds(input.cooldownMs)})`;

  if (busiest > input.scaleUpThreshold) {
    const above = `${waiting}, more than the scale-up threshold of ${input.scaleUpThreshold}`;
    if (current >= high) {
      return {
        action: 'hold',
        target: current,
        reason: `${above}, but ${workers(current + dedicated)} is the maximum${ofWhich}`,
      };
    }
    if (cooling)
      return { action: 'hold', target: current, reason: `${above}, but ${coolingWords}` };
    const step = Math.max(
      1,
      Math.ceil((busiest - input.scaleUpThreshold) / input.scaleUpThreshold),
    );
    const target = Math.min(high, current + step);
    const capped = target < current + step ? `, capped by the maximum of ${input.maxWorkers}` : '';
    return {
      action: 'up',
      target,
      reason: `${above}: adding ${target - current} (one per started ${input.scaleUpThreshold} beyond the threshold${capped})`,
    };
  }

  if (busiest < input.scaleDownThreshold) {
    const below =
      busiest === 0
        ? 'no lane has jobs waiting'
        : `every lane has fewer than ${input.scaleDownThreshold} jobs waiting (busiest: ${waiting.replace(' has ', ', ')})`;
    if (current <= low) {
      return {
        action: 'hold',
        target: current,
        reason: `${below}; ${workers(current + dedicated)} is the minimum${ofWhich}`,
      };
    }
    if (cooling)
      return { action: 'hold', target: current, reason: `${below}, but ${coolingWords}` };
    return { action: 'down', target: current - 1, reason: `${below}: removing one worker process` };
  }

  return {
    action: 'hold',
    target: current,
    reason: `${waiting}, between the thresholds (${input.scaleDownThreshold} and ${input.scaleUpThreshold})`,
  };
}

function busiestLaneOf(backlog: ScaleInput['backlog']): [WorkLane, number] {
  let best: [WorkLane, number] = [WORK_LANES[0], backlog[WORK_LANES[0]] ?? 0];
  for (const lane of WORK_LANES) {
    const depth = backlog[lane] ?? 0;
    if (depth > best[1]) best = [lane, depth];
  }
  return best;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1_000;
  return `${seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds)} s`;
}

export interface StopCandidate {
  id: string;
  /** Jobs it runs now, from its heartbeat; null when it has not reported yet (still starting). */
  activeJobs: number | null;
  /** When it was started (ms). */
  startedAt: number;
}

/**
 * Which `count` workers to stop: idle ones first (a worker that has not
 * reported yet is starting and holds no job), then the least busy; among
 * equals the youngest, which has the least warm cache to lose.
 */
export function pickWorkersToStop(candidates: readonly StopCandidate[], count: number): string[] {
  return [...candidates]
    .sort((a, b) => (a.activeJobs ?? 0) - (b.activeJobs ?? 0) || b.startedAt - a.startedAt)
    .slice(0, Math.max(0, count))
    .map((candidate) => candidate.id);
}
