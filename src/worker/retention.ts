/**
 * Retention, as monitoring jobs (the seed's Celery beat cleanups):
 *
 * - `dlq_retention` trims the dead-letter queue to PHISHNET_DLQ_MAX_AGE_DAYS and
 *   PHISHNET_DLQ_MAX_ENTRIES. Inserts trim too, but only a periodic pass ages entries
 *   out while nothing new fails.
 * - `result_retention` removes what PHISHNET_RESULT_TTL_SECONDS says is over and no Redis
 *   TTL will remove: BullMQ applies `removeOnComplete`/`removeOnFail` by age only when
 *   another job of the lane finishes, so a lane that went quiet keeps its old results;
 *   and a key written after its TTL lapsed (a record touched after it expired, a batch
 *   counter written before counting checked that its batch exists) comes back without one.
 *   Such keys get the TTL they should have had, or are deleted when that is already past.
 */
import type { Redis } from 'ioredis';
import { WORK_LANES } from '../contracts/queues.ts';
import type { DeadLetterQueue } from '../jobs/dead-letters.ts';
import type { Queues } from '../jobs/queues.ts';

export async function trimDeadLetters(
  deadLetters: DeadLetterQueue,
): Promise<{ byAge: number; byCount: number }> {
  return deadLetters.trim({ all: true });
}

export interface ResultRetentionDeps {
  redis: Redis;
  queues: Queues;
  prefix: string;
  ttlMs: number;
}

export interface ResultRetentionResult {
  /** Finished BullMQ jobs removed, completed and failed, over the work lanes. */
  jobs: number;
  /** PhishNet keys without a TTL that were given one. */
  expiring: number;
  /** PhishNet keys without a TTL whose retention had already passed, deleted. */
  deleted: number;
}

const SCAN_COUNT = 1_000;

/** The kinds of key PhishNet writes with the results' TTL, and where each says when it began. */
const RETAINED = [
  { pattern: 'job:*', startedField: 'submitted_at' },
  { pattern: 'batch:*', startedField: 'created_at' },
  { pattern: 'blob:*', startedField: null },
] as const;

export async function removeExpiredResults(
  deps: ResultRetentionDeps,
  now = Date.now(),
): Promise<ResultRetentionResult> {
  const result: ResultRetentionResult = { jobs: 0, expiring: 0, deleted: 0 };
  for (const lane of WORK_LANES) {
    for (const state of ['completed', 'failed'] as const) {
      // 0: no limit; BullMQ cleans 10,000 per call until none is older than the grace.
      result.jobs += (await deps.queues[lane].clean(deps.ttlMs, 0, state)).length;
    }
  }
  for (const { pattern, startedField } of RETAINED) {
    let cursor = '0';
    do {
      const [next, found] = await deps.redis.scan(
        cursor,
        'MATCH',
        `${deps.prefix}:${pattern}`,
        'COUNT',
        SCAN_COUNT,
      );
      cursor = next;
      if (found.length > 0) await settleKeys(deps, found, startedField, now, result);
    } while (cursor !== '0');
  }
  return result;
}

/** Gives each key without a TTL the rest of its retention, from when it began. */
async function settleKeys(
  deps: ResultRetentionDeps,
  found: string[],
  startedField: string | null,
  now: number,
  result: ResultRetentionResult,
): Promise<void> {
  const ttls = deps.redis.pipeline();
  for (const key of found) ttls.pttl(key);
  const replies = (await ttls.exec()) ?? [];
  const lasting = found.filter((_, i) => {
    const [err, ttl] = replies[i] ?? [null, null];
    return !err && ttl === -1;
  });
  if (lasting.length === 0) return;
  const started = deps.redis.pipeline();
  for (const key of lasting) {
    // A job's `:done` set or a batch's `:jobs` list is no hash: it just gets the full period.
    if (startedField) started.type(key).hget(key, startedField);
  }
  const startedReplies = startedField ? ((await started.exec()) ?? []) : [];
  const settle = deps.redis.pipeline();
  lasting.forEach((key, i) => {
    const [, type] = startedReplies[i * 2] ?? [null, null];
    const [, value] = startedReplies[i * 2 + 1] ?? [null, null];
    const startedAt = type === 'hash' && typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isFinite(startedAt)) {
      const remainingMs = startedAt + deps.ttlMs - now;
      if (remainingMs <= 0) {
        settle.del(key);
        result.deleted += 1;
      } else {
        settle.pexpire(key, remainingMs);
        result.expiring += 1;
      }
    } else if (type === 'hash' && startedField === 'created_at') {
      // A batch hash with counters but no `created_at`: written by a job that finished
      // after its batch had expired. Nothing reads it.
      settle.del(key);
      result.deleted += 1;
    } else {
      settle.pexpire(key, deps.ttlMs);
      result.expiring += 1;
    }
  });
  await settle.exec();
}
