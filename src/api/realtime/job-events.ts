import type { QueueEvents } from 'bullmq';
import type { AnalysisResult } from '../../contracts/analysis-result.ts';
import { WORK_LANES, type WorkLane } from '../../contracts/queues.ts';
import type { JobMessage } from '../../contracts/ws.ts';
import { getJobError, type JobsDeps } from '../../jobs/jobs.ts';

export type JobListener = (message: JobMessage) => void;

/**
 * Fans BullMQ's QueueEvents (Redis streams, so events from any worker on any
 * host) out to the WebSocket clients of this API instance, by job id.
 */
export class JobEventHub {
  private readonly listeners = new Map<string, Set<JobListener>>();
  private readonly jobs: JobsDeps;

  constructor(jobs: JobsDeps, events: Record<WorkLane, QueueEvents>) {
    this.jobs = jobs;
    for (const lane of WORK_LANES) {
      const laneEvents = events[lane];
      laneEvents.on('progress', ({ jobId, data }) => {
        if (typeof data === 'number') {
          this.emit(jobId, { type: 'progress_update', job_id: jobId, progress: data });
        }
      });
      laneEvents.on('completed', ({ jobId, returnvalue }) => {
        const result = (
          typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue
        ) as AnalysisResult;
        this.emit(jobId, { type: 'job_completed', job_id: jobId, result });
      });
      laneEvents.on('failed', ({ jobId, failedReason }) => {
        if (!this.listeners.has(jobId)) return;
        void getJobError(this.jobs, { id: jobId, failedReason }).then(
          (error) => {
            this.emit(jobId, { type: 'job_failed', job_id: jobId, error });
          },
          () => {
            this.emit(jobId, {
              type: 'job_failed',
              job_id: jobId,
              error: { code: 'API_INTERNAL', message: failedReason },
            });
          },
        );
      });
    }
  }

  subscribe(jobId: string, listener: JobListener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) {
      set = new Set();
      this.listeners.set(jobId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }

  private emit(jobId: string, message: JobMessage): void {
    for (const listener of this.listeners.get(jobId) ?? []) listener(message);
  }
}
