import type { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AnalysisResult } from '../../contracts/analysis-result.ts';
import { WORK_LANES, type WorkLane } from '../../contracts/queues.ts';
import type { JobMessage } from '../../contracts/ws.ts';
import { readJobRecord } from '../../jobs/job-record.ts';
import type { JobsDeps } from '../../jobs/jobs.ts';
import { keys } from '../../jobs/keys.ts';

export type JobListener = (message: JobMessage) => void;

/**
 * Fans BullMQ's QueueEvents (Redis streams, so events from any worker on any
 * host) and cancellations (Redis pub/sub) out to this API instance's WebSocket
 * clients, by job id.
 */
export class JobEventHub {
  private readonly listeners = new Map<string, Set<JobListener>>();
  private readonly jobs: JobsDeps;
  private readonly subscriber: Redis;

  constructor(jobs: JobsDeps, events: Record<WorkLane, QueueEvents>) {
    this.jobs = jobs;
    for (const lane of WORK_LANES) {
      const laneEvents = events[lane];
      // Every job's events reach every API instance; only watched ones are worth decoding.
      laneEvents.on('progress', ({ jobId, data }) => {
        if (typeof data === 'number' && this.listeners.has(jobId)) {
          this.emit(jobId, { type: 'progress_update', job_id: jobId, progress: data });
        }
      });
      laneEvents.on('completed', ({ jobId, returnvalue }) => {
        if (!this.listeners.has(jobId)) return;
        const result = (
          typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue
        ) as AnalysisResult;
        this.emit(jobId, { type: 'job_completed', job_id: jobId, result });
      });
      laneEvents.on('failed', ({ jobId, failedReason }) => {
        if (this.listeners.has(jobId)) void this.emitFailure(jobId, failedReason);
      });
    }
    this.subscriber = jobs.redis.duplicate({ enableOfflineQueue: true });
    this.subscriber.on('error', () => undefined);
    void this.subscriber.subscribe(keys(jobs.prefix).cancelChannel()).catch(() => undefined);
    this.subscriber.on('message', (_channel: string, jobId: string) => {
      this.emit(jobId, { type: 'job_cancelled', job_id: jobId });
    });
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

  close(): void {
    this.subscriber.disconnect();
  }

  /** The record holds the failure's code and class; a cancellation was announced already. */
  private async emitFailure(jobId: string, failedReason: string): Promise<void> {
    const record = await readJobRecord(this.jobs, jobId).catch(() => null);
    if (record?.cancelled_at) return;
    const error =
      record?.error_code !== undefined
        ? {
            code: record.error_code,
            message: record.error_message ?? failedReason,
            ...(record.error_class ? { class: record.error_class } : {}),
          }
        : { code: 'TASK_FAILED', message: failedReason };
    this.emit(jobId, { type: 'job_failed', job_id: jobId, error });
  }

  private emit(jobId: string, message: JobMessage): void {
    for (const listener of this.listeners.get(jobId) ?? []) listener(message);
  }
}
