/**
 * Search over jobs and batches: newest first, from the time-ordered indexes
 * `{prefix}:jobs:by-time` and `{prefix}:batches:by-time` (ZSETs scored by
 * submission time), filtered on what each job's record keeps. BullMQ's
 * dashboards cannot search; this can, within bounds:
 *
 *   - one request examines at most `SCAN_BUDGET` index entries and returns a
 *     cursor to continue, so a rare match never turns into a full scan;
 *   - the cursor is `{score}:{id}`, the last entry examined, and the next page
 *     starts strictly after it in the index's order (time, then id, both
 *     descending). Equal timestamps are neither skipped nor repeated, even when
 *     entries (that one included) are removed between pages.
 */
import type { Redis } from 'ioredis';
import type { BatchList, BatchSummary, JobList, JobStatus, JobSummary } from '../contracts/api.ts';
import type { Verdict } from '../contracts/analysis-result.ts';
import { getBatchSummary } from './batches.ts';
import { readJobRecord, type JobRecord } from './job-record.ts';
import { getJobStatus, withRedis, type JobsDeps } from './jobs.ts';
import { keys } from './keys.ts';

/** Index entries read per round trip. */
const SCAN_CHUNK = 200;
/** Index entries one request may examine before it returns a cursor. */
export const SCAN_BUDGET = 5_000;

export interface JobSearch {
  sender?: string | undefined;
  subject?: string | undefined;
  verdict?: Verdict | undefined;
  batchId?: string | undefined;
  /**
   * The only owner whose jobs may be listed (an analyst's own `sub`); unset lists
   * everyone's. Records without an `owner` field never match a set owner.
   */
  owner?: string | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
}

export interface Page {
  cursor?: string | undefined;
  limit: number;
}

/** The record fields a filter reads; one HMGET per examined job. */
const FILTER_FIELDS = ['subject', 'sender', 'verdict', 'batch_id', 'owner'] as const;
type FilterFields = Record<(typeof FILTER_FIELDS)[number], string | null>;

/** Every search condition, in one place (ownership included). */
function matches(fields: FilterFields, search: JobSearch): boolean {
  if (search.owner !== undefined && fields.owner !== search.owner) return false;
  if (search.verdict !== undefined && fields.verdict !== search.verdict) return false;
  if (search.batchId !== undefined && fields.batch_id !== search.batchId) return false;
  if (!contains(fields.sender, search.sender)) return false;
  return contains(fields.subject, search.subject);
}

function contains(value: string | null, needle: string | undefined): boolean {
  if (needle === undefined) return true;
  return (value ?? '').toLowerCase().includes(needle.toLowerCase());
}

export async function searchJobs(deps: JobsDeps, search: JobSearch, page: Page): Promise<JobList> {
  return withRedis(async () => {
    const k = keys(deps.prefix);
    const found: string[] = [];
    const stale: IndexEntry[] = [];
    const walk = await walkIndex(deps.redis, k.jobIndex(), search, page, async (entries) => {
      const ids = entries.map((entry) => entry.id);
      const pipeline = deps.redis.pipeline();
      for (const id of ids) pipeline.hmget(k.job(id), ...FILTER_FIELDS);
      const replies = (await pipeline.exec()) ?? [];
      return entries.map(({ id, scoreMs }, index) => {
        const values = (replies[index]?.[1] ?? []) as (string | null)[];
        // A record that has expired leaves all fields null; its index entry is stale.
        if (values.every((value) => value === null)) {
          stale.push({ id, scoreMs });
          return false;
        }
        const fields = Object.fromEntries(
          FILTER_FIELDS.map((field, i) => [field, values[i] ?? null]),
        ) as FilterFields;
        if (!matches(fields, search)) return false;
        found.push(id);
        return true;
      });
    });
    await dropStale(deps.redis, k.jobIndex(), stale);
    const jobs = await Promise.all(found.slice(0, page.limit).map((id) => summarizeJob(deps, id)));
    return {
      jobs: jobs.filter((job): job is JobSummary => job !== null),
      next_cursor: walk.nextCursor,
      searched_until: walk.lastScoreMs === null ? null : new Date(walk.lastScoreMs).toISOString(),
    };
  });
}

export async function listBatches(
  deps: JobsDeps,
  search: Pick<JobSearch, 'fromMs' | 'toMs'>,
  page: Page,
): Promise<BatchList> {
  return withRedis(async () => {
    const k = keys(deps.prefix);
    const found: BatchSummary[] = [];
    const stale: IndexEntry[] = [];
    // Every batch is taken, so a chunk the size of the page wastes no reads.
    const walk = await walkIndex(
      deps.redis,
      k.batchIndex(),
      search,
      page,
      async (entries) => {
        const summaries = await Promise.all(entries.map(({ id }) => getBatchSummary(deps, id)));
        return summaries.map((summary, index) => {
          if (!summary) {
            const entry = entries[index];
            if (entry) stale.push(entry);
            return false;
          }
          found.push(summary);
          return true;
        });
      },
      page.limit,
    );
    await dropStale(deps.redis, k.batchIndex(), stale);
    return { batches: found.slice(0, page.limit), next_cursor: walk.nextCursor };
  });
}

interface IndexEntry {
  id: string;
  scoreMs: number;
}

interface Walk {
  nextCursor: string | null;
  lastScoreMs: number | null;
}

/**
 * Removes index entries whose record has expired (the age pruning on submit
 * catches the rest). The cursor may rest on one: it needs no entry to resume.
 */
async function dropStale(redis: Redis, key: string, stale: IndexEntry[]): Promise<void> {
  if (stale.length > 0) await redis.zrem(key, ...stale.map((entry) => entry.id));
}

/**
 * Walks a time index newest first, handing chunks of entries to `accept` (which
 * answers, per entry, whether it is taken), until `limit` are taken, the budget
 * is spent or the range ends. The cursor is the last entry examined.
 */
async function walkIndex(
  redis: Redis,
  key: string,
  range: Pick<JobSearch, 'fromMs' | 'toMs'>,
  page: Page,
  accept: (entries: IndexEntry[]) => Promise<boolean[]>,
  chunkSize = SCAN_CHUNK,
): Promise<Walk> {
  let after = decodeCursor(page.cursor);
  if (range.toMs !== undefined && (after === null || range.toMs < after.scoreMs)) {
    after = { scoreMs: range.toMs, id: null };
  }
  const min = range.fromMs === undefined ? '-inf' : String(range.fromMs);
  let taken = 0;
  let examined = 0;
  let last: IndexEntry | null = null;
  const walked = (nextCursor: string | null): Walk => ({
    nextCursor,
    lastScoreMs: last?.scoreMs ?? null,
  });
  for (;;) {
    const chunk = Math.min(chunkSize, SCAN_BUDGET - examined);
    const { entries, isLast } = await readAfter(redis, key, after, min, chunk);
    const accepted = entries.length > 0 ? await accept(entries) : [];
    for (const [i, entry] of entries.entries()) {
      last = entry;
      after = entry;
      examined += 1;
      if (accepted[i]) taken += 1;
      // Whatever `accept` took beyond this entry, the caller drops (it keeps `limit`).
      if (taken === page.limit) return walked(encodeCursor(entry));
    }
    if (isLast) return walked(null);
    if (examined >= SCAN_BUDGET && last !== null) return walked(encodeCursor(last));
  }
}

/** A walk resumes strictly after this entry; with `id` null, at the newest entry of `scoreMs`. */
interface Position {
  scoreMs: number;
  id: string | null;
}

/**
 * Up to `count` entries strictly after `after`, newest first. Redis orders a
 * ZSET by score, then member bytes; the read starts at `after`'s score and
 * drops the entries of that score that do not sort below its id, so the bound
 * holds whether or not that entry still exists.
 */
async function readAfter(
  redis: Redis,
  key: string,
  after: Position | null,
  min: string,
  count: number,
): Promise<{ entries: IndexEntry[]; isLast: boolean }> {
  const max = after === null ? '+inf' : String(after.scoreMs);
  // Only a run of equal times longer than `count` before the bound takes more than one read.
  for (let offset = 0; ; offset += count) {
    const reply = await redis.zrevrangebyscore(key, max, min, 'WITHSCORES', 'LIMIT', offset, count);
    const entries: IndexEntry[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const entry = { id: reply[i] ?? '', scoreMs: Number(reply[i + 1]) };
      if (after === null || isAfter(entry, after)) entries.push(entry);
    }
    const isLast = reply.length < 2 * count;
    if (entries.length > 0 || isLast) return { entries, isLast };
  }
}

function isAfter(entry: IndexEntry, position: Position): boolean {
  if (entry.scoreMs !== position.scoreMs) return entry.scoreMs < position.scoreMs;
  return (
    position.id === null || Buffer.compare(Buffer.from(entry.id), Buffer.from(position.id)) < 0
  );
}

function encodeCursor(entry: IndexEntry): string {
  return `${entry.scoreMs}:${entry.id}`;
}

function decodeCursor(cursor: string | undefined): Position | null {
  if (cursor === undefined) return null;
  const colon = cursor.indexOf(':');
  const scoreMs = Number(cursor.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(scoreMs)) return null;
  return { scoreMs, id: cursor.slice(colon + 1) };
}

/** A job as one list row: its status without the full result. */
async function summarizeJob(deps: JobsDeps, jobId: string): Promise<JobSummary | null> {
  const [record, status] = await Promise.all([
    readJobRecord(deps, jobId),
    getJobStatus(deps, jobId),
  ]);
  if (!record) return null;
  return {
    job_id: jobId,
    ...(status ? fromStatus(status) : fromRecord(record)),
    analysis_type: record.analysis_type,
    lane: record.lane,
    routing: record.routing,
    subject: record.subject ?? '',
    sender: record.sender ?? '',
    verdict: status?.result?.verdict ?? record.verdict ?? null,
    score: status?.result?.score ?? record.score ?? null,
    batch_id: record.batch_id ?? null,
    submitted_at: record.submitted_at,
  };
}

function fromStatus(
  status: JobStatus,
): Pick<JobSummary, 'status' | 'progress' | 'error' | 'finished_at'> {
  return {
    status: status.status,
    progress: status.progress,
    error: status.error,
    finished_at: status.finished_at,
  };
}

/** BullMQ has dropped the job (count retention); its record still says how it ended. */
function fromRecord(
  record: JobRecord,
): Pick<JobSummary, 'status' | 'progress' | 'error' | 'finished_at'> {
  if (record.verdict) return { status: 'completed', progress: 100, error: null, finished_at: null };
  if (record.cancelled_at) {
    return { status: 'cancelled', progress: 0, error: null, finished_at: record.cancelled_at };
  }
  return {
    status: 'failed',
    progress: 0,
    error: record.error_code
      ? {
          code: record.error_code,
          message: record.error_message ?? '',
          ...(record.error_class ? { class: record.error_class } : {}),
        }
      : null,
    finished_at: null,
  };
}
