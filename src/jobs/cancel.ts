import type { JobState } from 'bullmq';
import { AppError } from '../lib/errors.ts';
import { markCancelled, readJobRecord } from './job-record.ts';
import { withRedis, type JobsDeps } from './jobs.ts';
import { keys } from './keys.ts';

const FINISHED: ReadonlySet<JobState | 'unknown'> = new Set(['completed', 'failed']);

/**
 * Cancels a job: one that has not started is removed; one that runs is told to
 * stop through Redis pub/sub, which reaches its worker on whatever host, and
 * every API instance, which tells its WebSocket clients.
 */
export async function cancelJob(
  deps: JobsDeps,
  jobId: string,
): Promise<{ how: 'removed' | 'aborted' } | null> {
  return withRedis(async () => {
    const record = await readJobRecord(deps, jobId);
    if (!record) return null;
    const queue = deps.queues[record.lane];
    const state = await queue.getJobState(jobId);
    if (record.cancelled_at) return { how: state === 'active' ? 'aborted' : 'removed' };
    if (FINISHED.has(state)) {
      throw new AppError(
        'API_JOB_FINISHED',
        `job ${jobId} has already ${state === 'completed' ? 'completed' : 'failed'}`,
      );
    }
    await markCancelled(deps, jobId);
    let how: 'removed' | 'aborted' = 'aborted';
    if (state !== 'active') {
      const job = await queue.getJob(jobId);
      // A job that started meanwhile cannot be removed (it is locked): it is aborted instead.
      how =
        (await job?.remove({ removeChildren: true }).then(
          () => 'removed' as const,
          () => 'aborted' as const,
        )) ?? 'removed';
    }
    await deps.redis.publish(keys(deps.prefix).cancelChannel(), jobId);
    return { how };
  });
}
