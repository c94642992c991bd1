import { describe, expect, it } from 'vitest';
import { routeSubmission } from '../../src/jobs/routing.ts';
import { TASKS } from '../../src/jobs/task-table.ts';
import { FLOW_PARENT, TASK_NAMES } from '../../src/contracts/queues.ts';

describe('routeSubmission', () => {
  it.each([
    ['quick', 'normal', 'realtime', 'quick_email_scan', 8],
    ['quick', 'urgent', 'realtime', 'quick_email_scan', 1],
    ['standard', 'high', 'standard', 'full_email_scan', 4],
    ['standard', 'low', 'standard', 'full_email_scan', 16],
    ['comprehensive', 'normal', 'heavy', 'comprehensive_analysis', 8],
  ] as const)(
    'routes %s at %s priority to %s',
    (analysisType, priority, lane, task, bullmqPriority) => {
      const routing = routeSubmission({ analysisType, priority });
      expect(routing).toMatchObject({ lane, task, priority, bullmq_priority: bullmqPriority });
      expect(routing.reason).toContain(lane);
    },
  );

  it('serves urgent before high before normal before low', () => {
    const order = (['urgent', 'high', 'normal', 'low'] as const).map(
      (priority) => routeSubmission({ analysisType: 'quick', priority }).bullmq_priority,
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

describe('the task table', () => {
  it('names all seven tasks of the seed, each on a work lane', () => {
    expect(Object.keys(TASKS).sort()).toEqual([...TASK_NAMES, FLOW_PARENT].sort());
    expect(TASKS.quick_email_scan.lane).toBe('realtime');
    expect(TASKS.sandbox_analysis.lane).toBe('heavy');
  });
});
