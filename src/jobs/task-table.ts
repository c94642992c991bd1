import type { JobKind, TaskName, WorkLane } from '../contracts/queues.ts';
import { MINUTE_MS, SECOND_MS } from '../lib/time.ts';

export interface TaskSpec {
  lane: WorkLane;
  /** Per-task override of the global time limit (the seed's task_time_limit). */
  timeLimitMs?: number;
  /** What an analyst is told to expect. */
  estimatedCompletion: string;
}

/** Every task of the seed, the lane it runs on, and how long it may take. */
export const TASKS = {
  quick_email_scan: {
    lane: 'realtime',
    timeLimitMs: 10 * SECOND_MS,
    estimatedCompletion: '10 seconds',
  },
  link_safety_check: {
    lane: 'realtime',
    timeLimitMs: 30 * SECOND_MS,
    estimatedCompletion: '10 seconds',
  },
  full_email_scan: {
    lane: 'standard',
    timeLimitMs: 2 * MINUTE_MS,
    estimatedCompletion: '60 seconds',
  },
  ml_threat_detection: {
    lane: 'standard',
    timeLimitMs: MINUTE_MS,
    estimatedCompletion: '60 seconds',
  },
  threat_intelligence_lookup: {
    lane: 'standard',
    timeLimitMs: 2 * MINUTE_MS,
    estimatedCompletion: '60 seconds',
  },
  deep_attachment_scan: { lane: 'heavy', estimatedCompletion: '5 minutes' },
  sandbox_analysis: { lane: 'heavy', estimatedCompletion: '5 minutes' },
  comprehensive_analysis: { lane: 'heavy', estimatedCompletion: '5 minutes' },
} as const satisfies Record<JobKind, TaskSpec>;

/** The children of a comprehensive analysis; the parent aggregates their results. */
export const COMPREHENSIVE_CHILDREN = [
  'full_email_scan',
  'deep_attachment_scan',
  'sandbox_analysis',
  'threat_intelligence_lookup',
] as const satisfies readonly TaskName[];

export function taskTimeLimitMs(task: JobKind, defaultMs: number): number {
  const spec: TaskSpec = TASKS[task];
  return spec.timeLimitMs ?? defaultMs;
}
