import { randomUUID } from 'node:crypto';
import { VERDICTS, type Verdict } from '../contracts/analysis-result.ts';
import type { BatchStatus, BatchSummary, BulkSubmitResponse } from '../contracts/api.ts';
import {
  analysisTypeSchema,
  type AnalysisType,
  type Priority,
  type WorkLane,
} from '../contracts/queues.ts';
import type { RecordDeps } from './job-record.ts';
import {
  comprehensiveFlow,
  getJobStatus,
  isFlow,
  prepareJob,
  withRedis,
  type JobsDeps,
  type PreparedJob,
  type Submission,
} from './jobs.ts';
import { keys } from './keys.ts';
import { luaScript, runLuaScript } from './redis.ts';

/** Emails prepared at once: enough to keep Redis busy, few enough to bound memory. */
const PREPARE_CHUNK = 250;

export interface BulkSubmission {
  emails: Omit<Submission, 'analysisType' | 'priority' | 'owner'>[];
  analysisType: AnalysisType;
  priority: Priority;
  /** The `sub` of the submitter, owner of the batch and of each of its jobs. */
  owner: string;
}

/**
 * Enqueues a mailbox sweep as one batch: every email stored and recorded, then
 * all jobs added with `addBulk` (flows with the FlowProducer's), and the batch
 * recorded so its progress can be read without touching every job.
 */
export async function submitBulk(
  deps: JobsDeps,
  bulk: BulkSubmission,
): Promise<BulkSubmitResponse> {
  return withRedis(async () => {
    const batchId = randomUUID();
    const batch = { id: batchId, realtimeQueued: 0 };
    const prepared = [];
    for (let start = 0; start < bulk.emails.length; start += PREPARE_CHUNK) {
      const chunk = bulk.emails.slice(start, start + PREPARE_CHUNK);
      prepared.push(
        ...(await Promise.all(
          chunk.map((email) =>
            prepareJob(
              deps,
              {
                ...email,
                analysisType: bulk.analysisType,
                priority: bulk.priority,
                owner: bulk.owner,
              },
              batch,
            ),
          ),
        )),
      );
    }
    const ids = prepared.map((job) => job.payload.job_id);
    const k = keys(deps.prefix);
    const batchKey = k.batch(batchId);
    const jobsKey = k.batchJobs(batchId);
    const createdMs = Date.now();
    await deps.redis
      .multi()
      .hset(batchKey, {
        total: ids.length,
        analysis_type: bulk.analysisType,
        owner: bulk.owner,
        created_at: new Date(createdMs).toISOString(),
      })
      .rpush(jobsKey, ...ids)
      .pexpire(batchKey, deps.retention.resultTtlMs)
      .pexpire(jobsKey, deps.retention.resultTtlMs)
      .zadd(k.batchIndex(), createdMs, batchId)
      .zremrangebyscore(k.batchIndex(), '-inf', `(${createdMs - deps.retention.resultTtlMs}`)
      .exec();
    const flows = prepared.filter(isFlow);
    if (flows.length > 0) {
      await deps.flows.addBulk(flows.map((job) => comprehensiveFlow(job.payload, job.options)));
    }
    // Routing can send a batch's jobs to different lanes (size, load): one addBulk per lane.
    const byLane = new Map<WorkLane, PreparedJob[]>();
    for (const job of prepared) {
      if (isFlow(job)) continue;
      const lane = job.payload.routing.lane;
      const jobs = byLane.get(lane);
      if (jobs) jobs.push(job);
      else byLane.set(lane, [job]);
    }
    for (const [lane, jobs] of byLane) {
      await deps.queues[lane].addBulk(
        jobs.map((job) => ({ name: job.payload.task, data: job.payload, opts: job.options })),
      );
    }
    return {
      batch_id: batchId,
      job_ids: ids,
      total_jobs: ids.length,
      status_url: `/api/v1/analysis/batch/${batchId}`,
      websocket_url: `/ws/batches/${batchId}`,
    };
  });
}

/** Who submitted a batch; null when there is no such batch (or it has expired). */
export async function readBatchOwner(deps: RecordDeps, batchId: string): Promise<string | null> {
  return withRedis(async () => {
    const [total, owner] = await deps.redis.hmget(
      keys(deps.prefix).batch(batchId),
      'total',
      'owner',
    );
    return total === null ? null : (owner ?? '');
  });
}

/** The batch counter an outcome adds to: `failed`, or `verdict:{verdict}`. */
export function batchOutcomeField(outcome: Verdict | 'failed'): string {
  return outcome === 'failed' ? 'failed' : `verdict:${outcome}`;
}

const COUNT_BATCH_OUTCOME = luaScript(`
--[[
  KEYS[1] the batch, HASH {prefix}:batch:{batch_id}; ARGV[1] the counter; ARGV[2] by how much.
  A batch that has expired is not counted in: HINCRBY would bring it back as a hash of one
  counter that never expires.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2]) end
`);

/**
 * Workers count each finished job of a batch, so progress is one hash read. One HINCRBY
 * per job: `completed` is the sum of the `verdict:*` counters, not a counter of its own.
 * A replayed dead letter takes its failure back (`by` -1), so it is not counted twice.
 */
export async function recordBatchOutcome(
  deps: RecordDeps,
  batchId: string,
  outcome: Verdict | 'failed',
  by = 1,
): Promise<void> {
  await runLuaScript(
    deps.redis,
    COUNT_BATCH_OUTCOME,
    [keys(deps.prefix).batch(batchId)],
    [batchOutcomeField(outcome), by],
  );
}

/**
 * The batch a job counts in: only a top-level job (the API's own, whose task id is its
 * job_id) counts; a flow's children (their id is their parent's plus the task) count
 * through their parent.
 */
export function topLevelBatch(
  taskId: string | undefined,
  payload: { job_id: string; batch_id?: string | undefined },
): string | undefined {
  return payload.job_id === taskId ? payload.batch_id : undefined;
}

export async function getBatchSummary(
  deps: JobsDeps,
  batchId: string,
): Promise<BatchSummary | null> {
  return withRedis(async () => {
    const fields = await deps.redis.hgetall(keys(deps.prefix).batch(batchId));
    const analysisType = analysisTypeSchema.safeParse(fields.analysis_type);
    if (!analysisType.success) return null;
    const count = (name: string): number => Number(fields[name] ?? 0);
    const total = count('total');
    // Batches recorded before `completed` was derived kept it as a counter too; never less.
    const completed = Math.max(
      count('completed'),
      Object.entries(fields).reduce(
        (sum, [name, value]) => (name.startsWith('verdict:') ? sum + Number(value) : sum),
        0,
      ),
    );
    const failed = count('failed');
    const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, count(`verdict:${v}`)])) as Record<
      Verdict,
      number
    >;
    return {
      batch_id: batchId,
      analysis_type: analysisType.data,
      total_jobs: total,
      progress: total === 0 ? 100 : Math.round(((completed + failed) / total) * 1000) / 10,
      counts: { pending: Math.max(0, total - completed - failed), completed, failed },
      verdicts,
      created_at: fields.created_at ?? '',
    };
  });
}

export async function getBatchStatus(
  deps: JobsDeps,
  batchId: string,
  page: number,
  pageSize: number,
): Promise<BatchStatus | null> {
  const summary = await getBatchSummary(deps, batchId);
  if (!summary) return null;
  const start = (page - 1) * pageSize;
  const ids = await withRedis(() =>
    deps.redis.lrange(keys(deps.prefix).batchJobs(batchId), start, start + pageSize - 1),
  );
  const statuses = await Promise.all(ids.map((id) => getJobStatus(deps, id)));
  return {
    ...summary,
    page,
    page_size: pageSize,
    jobs: statuses.flatMap((status) =>
      status
        ? [
            {
              job_id: status.job_id,
              status: status.status,
              verdict: status.result?.verdict ?? null,
              score: status.result?.score ?? null,
            },
          ]
        : [],
    ),
  };
}
