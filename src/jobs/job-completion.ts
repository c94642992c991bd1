/**
 * What a worker writes when a top-level job completes, in one script: one command sent per job
 * instead of a MULTI of up to six and a batch counter beside it.
 */
import type { AnalysisResult } from '../contracts/analysis-result.ts';
import { batchOutcomeField } from './batches.ts';
import type { RecordDeps } from './job-record.ts';
import { keys } from './keys.ts';
import { luaScript, runLuaScript } from './redis.ts';

const RECORD_JOB_COMPLETION = luaScript(`
--[[
  Records a completed top-level job.
  Input:
    KEYS[1] the job's record, HASH {prefix}:job:{job_id}
    KEYS[2] its batch, HASH {prefix}:batch:{batch_id} (absent when not in a batch)
    ARGV[1] verdict
    ARGV[2] score
    ARGV[3] subject parsed from the email ('' when none)
    ARGV[4] sender parsed from the email ('' when none)
    ARGV[5] retention of the record, ms
    ARGV[6] the batch's counter for this outcome (see batchOutcomeField)
  Output: nothing
  The verdict and score go on the record for search; the parsed subject and sender only fill in
  what the submission did not say (HSETNX). PEXPIRE NX keeps the record's expiry, and gives one
  back to a record that had already expired. A batch that has expired is not counted in:
  HINCRBY would bring it back as a hash of one counter that never expires.
]]
redis.call('HSET', KEYS[1], 'verdict', ARGV[1], 'score', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSETNX', KEYS[1], 'subject', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSETNX', KEYS[1], 'sender', ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5], 'NX')
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HINCRBY', KEYS[2], ARGV[6], 1) end
`);

/**
 * A completed top-level job: its verdict kept on its record, and counted in its batch when it
 * has one (a flow's children count through their parent, so only top-level jobs come here).
 */
export async function recordJobCompletion(
  deps: RecordDeps,
  completion: {
    jobId: string;
    batchId?: string | undefined;
    result: Pick<AnalysisResult, 'verdict' | 'score' | 'email'>;
    ttlMs: number;
  },
): Promise<void> {
  const k = keys(deps.prefix);
  const { jobId, batchId, result, ttlMs } = completion;
  await runLuaScript(
    deps.redis,
    RECORD_JOB_COMPLETION,
    batchId === undefined ? [k.job(jobId)] : [k.job(jobId), k.batch(batchId)],
    [
      result.verdict,
      String(result.score),
      result.email.subject,
      result.email.from,
      ttlMs,
      batchOutcomeField(result.verdict),
    ],
  );
}
