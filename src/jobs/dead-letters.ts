import type { Job } from 'bullmq';
import { FAILURE_CLASSES, type FailureClass, type TaskPayload } from '../contracts/queues.ts';
import type { DeadLetter, DlqFilter, DlqList } from '../contracts/dlq.ts';
import type { Redis } from 'ioredis';
import { keys } from './keys.ts';
import type { Queues } from './queues.ts';

export interface DeadLetterLimits {
  maxEntries: number;
  maxAgeMs: number;
}

/** A dead letter, with the payload it needs to run again. */
export interface StoredDeadLetter extends DeadLetter {
  payload: TaskPayload;
}

const ENTRY_NAME = 'dead_letter';
const CLEAN_BATCH = 1_000;
/** Long enough for one take to finish; short enough that a crashed taker does not block for long. */
const CLAIM_TTL_MS = 30_000;

function matches(entry: DeadLetter, filter: DlqFilter): boolean {
  return (
    (filter.class === undefined || entry.error.class === filter.class) &&
    (filter.lane === undefined || entry.lane === filter.lane) &&
    (filter.task === undefined || entry.task === filter.task)
  );
}

function publicEntry({ payload: _payload, ...entry }: StoredDeadLetter): DeadLetter {
  return entry;
}

/**
 * The `dlq` lane holds one BullMQ job per dead letter, keyed by the failed
 * job's id; nothing consumes it. It survives restarts with Redis and is
 * trimmed by count and age on every insert, as Sidekiq trims its dead set, and
 * periodically (see src/worker/retention.ts).
 */
export class DeadLetterQueue {
  private readonly redis: Redis;
  private readonly queues: Queues;
  private readonly keys: ReturnType<typeof keys>;
  private readonly limits: DeadLetterLimits;

  constructor(redis: Redis, queues: Queues, prefix: string, limits: DeadLetterLimits) {
    this.redis = redis;
    this.queues = queues;
    this.keys = keys(prefix);
    this.limits = limits;
  }

  /** Records a dead letter; an entry for the same job (an earlier death) is replaced. */
  async add(entry: StoredDeadLetter): Promise<void> {
    const previous = await this.queues.dlq.getJob(entry.task_id);
    await previous?.remove().catch(() => undefined);
    await this.queues.dlq.add(ENTRY_NAME, entry, {
      jobId: entry.task_id,
      removeOnComplete: true,
      removeOnFail: true,
    });
    await this.trim();
  }

  async has(taskId: string): Promise<boolean> {
    return (await this.queues.dlq.getJob(taskId)) !== undefined;
  }

  async list(filter: DlqFilter, page: number, pageSize: number): Promise<DlqList> {
    const all = await this.entries();
    const counts = Object.fromEntries(FAILURE_CLASSES.map((c) => [c, 0])) as Record<
      FailureClass,
      number
    >;
    for (const entry of all) counts[entry.error.class] += 1;
    const selected = all.filter((entry) => matches(entry, filter));
    const start = (page - 1) * pageSize;
    return {
      entries: selected.slice(start, start + pageSize).map(publicEntry),
      total: selected.length,
      page,
      page_size: pageSize,
      counts_by_class: counts,
    };
  }

  /**
   * Removes an entry and hands it back, once: of two callers racing for the
   * same entry, only the one whose removal succeeds gets it.
   */
  async take(taskId: string): Promise<StoredDeadLetter | null> {
    const claim = this.keys.dlqClaim(taskId);
    if ((await this.redis.set(claim, '1', 'PX', CLAIM_TTL_MS, 'NX')) !== 'OK') return null;
    try {
      const job = (await this.queues.dlq.getJob(taskId)) as Job<StoredDeadLetter> | undefined;
      if (!job) return null;
      await job.remove();
      return job.data;
    } finally {
      await this.redis.del(claim);
    }
  }

  /** Removes the matching entries and returns their ids. */
  async clear(filter: DlqFilter): Promise<string[]> {
    const removed: string[] = [];
    for (const entry of await this.entries()) {
      if (matches(entry, filter) && (await this.take(entry.task_id))) removed.push(entry.task_id);
    }
    return removed;
  }

  async matching(filter: DlqFilter): Promise<StoredDeadLetter[]> {
    return (await this.entries()).filter((entry) => matches(entry, filter));
  }

  /** Newest first. */
  private async entries(): Promise<StoredDeadLetter[]> {
    const jobs = (await this.queues.dlq.getJobs(['wait'], 0, -1, false)) as Job<StoredDeadLetter>[];
    return jobs.map((job) => job.data).filter(Boolean);
  }

  /**
   * Drops entries past the age limit, then the oldest beyond the count limit. Runs on every
   * insert (a bounded step) and from the `dlq_retention` monitoring job (`all`: until done),
   * so entries age out even when nothing new arrives.
   */
  async trim(options: { all?: boolean } = {}): Promise<{ byAge: number; byCount: number }> {
    const byAge = (
      await this.queues.dlq.clean(this.limits.maxAgeMs, options.all ? 0 : CLEAN_BATCH, 'wait')
    ).length;
    let byCount = 0;
    for (;;) {
      const excess = (await this.queues.dlq.count()) - this.limits.maxEntries;
      if (excess <= 0) break;
      const oldest = await this.queues.dlq.getJobs(
        ['wait'],
        0,
        Math.min(excess, CLEAN_BATCH) - 1,
        true,
      );
      if (oldest.length === 0) break;
      await Promise.all(oldest.map((job) => job.remove().catch(() => undefined)));
      byCount += oldest.length;
      if (!options.all) break;
    }
    return { byAge, byCount };
  }
}
