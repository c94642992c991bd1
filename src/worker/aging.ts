/**
 * Priority aging (the `priority_aging` monitoring job): lifts waiting jobs one BullMQ
 * priority step for each `afterMs` they have waited, one step per run, never past urgent's
 * value, so a flood of low-priority work cannot starve forever behind newer, better work.
 * A PhishNet job's record gets the new routing, so its status says so.
 */
import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { WORK_LANES, type WorkLane } from '../contracts/queues.ts';
import { readJobRecord, recordRouting } from '../jobs/job-record.ts';
import type { Queues } from '../jobs/queues.ts';
import { ageRouting, nextAgedPriority } from '../jobs/routing.ts';

/** BullMQ scores a prioritized job `priority × 2^32 + counter`. */
const PRIORITY_SCORE_STEP = 0x100000000;
/** Prioritized jobs read per round trip. */
const SCAN_CHUNK = 1_000;

export interface AgingDeps {
  redis: Redis;
  queues: Queues;
  prefix: string;
  afterMs: number;
  /** Retention of job records, for a record that expires while it is being updated. */
  ttlMs: number;
}

export interface AgingResult {
  scanned: number;
  lifted: number;
  byLane: Partial<Record<WorkLane, number>>;
}

interface Candidate {
  id: string;
  next: number;
  waitedMs: number;
}

export async function agePriorities(deps: AgingDeps, now = Date.now()): Promise<AgingResult> {
  const result: AgingResult = { scanned: 0, lifted: 0, byLane: {} };
  for (const lane of WORK_LANES) {
    const { candidates, scanned } = await findDue(deps, lane, now);
    result.scanned += scanned;
    let lifted = 0;
    for (const candidate of candidates) {
      if (await lift(deps, lane, candidate)) lifted += 1;
    }
    if (lifted > 0) result.byLane[lane] = lifted;
    result.lifted += lifted;
  }
  return result;
}

/**
 * Reads every prioritized job's current priority (from its score), original priority
 * (BullMQ keeps it in `opts`) and submission time, a chunk at a time. The whole scan comes
 * first: lifting a job moves it within the set.
 */
async function findDue(
  deps: AgingDeps,
  lane: WorkLane,
  now: number,
): Promise<{ candidates: Candidate[]; scanned: number }> {
  const queue = deps.queues[lane];
  const key = queue.toKey('prioritized');
  const candidates: Candidate[] = [];
  let scanned = 0;
  for (let start = 0; ; start += SCAN_CHUNK) {
    const flat = await deps.redis.zrange(key, start, start + SCAN_CHUNK - 1, 'WITHSCORES');
    if (flat.length === 0) break;
    const entries: { id: string; current: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      entries.push({
        id: flat[i] ?? '',
        current: Math.floor(Number(flat[i + 1]) / PRIORITY_SCORE_STEP),
      });
    }
    const pipeline = deps.redis.pipeline();
    for (const entry of entries) pipeline.hmget(queue.toKey(entry.id), 'timestamp', 'opts');
    const replies = (await pipeline.exec()) ?? [];
    entries.forEach((entry, i) => {
      const [err, fields] = replies[i] ?? [null, null];
      if (err || !Array.isArray(fields)) return;
      const [timestamp, opts] = fields as (string | null)[];
      const submittedAt = Number(timestamp);
      if (!Number.isFinite(submittedAt) || submittedAt <= 0) return;
      const waitedMs = now - submittedAt;
      const next = nextAgedPriority({
        originalPriority: originalPriorityOf(opts ?? null) ?? entry.current,
        currentPriority: entry.current,
        waitedMs,
        afterMs: deps.afterMs,
      });
      if (next !== null) candidates.push({ id: entry.id, next, waitedMs });
    });
    scanned += entries.length;
    if (entries.length < SCAN_CHUNK) break;
  }
  return { candidates, scanned };
}

function originalPriorityOf(opts: string | null): number | null {
  if (!opts) return null;
  try {
    const priority = (JSON.parse(opts) as { priority?: unknown }).priority;
    return typeof priority === 'number' && priority > 0 ? priority : null;
  } catch {
    return null;
  }
}

/** Lifts one job, if it is still waiting; records the new routing on a PhishNet job. */
async function lift(deps: AgingDeps, lane: WorkLane, candidate: Candidate): Promise<boolean> {
  const queue = deps.queues[lane];
  // Only a job still in the prioritized set moves: one taken meanwhile is left alone.
  if ((await deps.redis.zscore(queue.toKey('prioritized'), candidate.id)) === null) return false;
  const job = await Job.fromId(queue, candidate.id);
  if (!job) return false;
  try {
    await job.changePriority({ priority: candidate.next });
  } catch {
    return false; // removed meanwhile
  }
  // Flow children have no record of their own; their parent's status shows the flow.
  const record = await readJobRecord(deps, candidate.id);
  if (record) {
    await recordRouting(
      deps,
      candidate.id,
      ageRouting(record.routing, candidate.next, candidate.waitedMs),
      deps.ttlMs,
    );
  }
  return true;
}
