import type { AnalysisType, JobKind, Priority, Routing } from '../contracts/queues.ts';
import { TASKS } from './task-table.ts';

/** BullMQ priorities: 1 is served first. Gaps leave room for aging to lift a job. */
export const BULLMQ_PRIORITY = { urgent: 1, high: 4, normal: 8, low: 16 } as const satisfies Record<
  Priority,
  number
>;

export const ANALYSIS_TASK = {
  quick: 'quick_email_scan',
  standard: 'full_email_scan',
  comprehensive: 'comprehensive_analysis',
} as const satisfies Record<AnalysisType, JobKind>;

export interface RoutingInput {
  analysisType: AnalysisType;
  priority: Priority;
}

/** Picks lane and priority, and says why. Pure, so it is tested with tables. */
export function routeSubmission(input: RoutingInput): Routing {
  const task = ANALYSIS_TASK[input.analysisType];
  const lane = TASKS[task].lane;
  return {
    lane,
    task,
    priority: input.priority,
    bullmq_priority: BULLMQ_PRIORITY[input.priority],
    reason: `${input.analysisType} analysis runs ${task} on the ${lane} lane at ${input.priority} priority`,
  };
}
