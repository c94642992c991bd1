import { describe, expect, it } from 'vitest';
import {
  ageRouting,
  BULLMQ_PRIORITY,
  DEFAULT_ROUTING_THRESHOLDS,
  nextAgedPriority,
  routeSubmission,
  type EmailFacts,
  type LoadSnapshot,
} from '../../src/jobs/routing.ts';
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

const MIB = 1024 * 1024;
const small: EmailFacts = { bytes: 4_000, attachments: 0, attachmentBytes: 0, links: 3 };
const idle: LoadSnapshot = { realtimeBacklog: 0, realtimeOldestWaitSeconds: null };
const thresholds = { ...DEFAULT_ROUTING_THRESHOLDS, spillBacklog: 500, spillOldestWaitSeconds: 20 };

describe('routeSubmission with what the email is and the load', () => {
  it.each([
    // analysis, priority, email, load, lane, words the reason must contain
    ['quick', 'normal', small, idle, 'realtime', []],
    [
      'quick',
      'urgent',
      { ...small, bytes: 20 * MIB, attachments: 2, attachmentBytes: 19 * MIB },
      idle,
      'standard',
      ['not realtime work', '20.0 MiB (over 1.0 MiB)'],
    ],
    [
      'quick',
      'normal',
      { ...small, attachments: 6, attachmentBytes: 300_000 },
      idle,
      'standard',
      ['6 attachments of 293.0 KiB (over 5)'],
    ],
    ['quick', 'normal', { ...small, links: 250 }, idle, 'standard', ['250 links (over 100)']],
    [
      'quick',
      'low',
      small,
      { realtimeBacklog: 500, realtimeOldestWaitSeconds: 2 },
      'background',
      ['spilled from realtime', '500 jobs waiting there (threshold 500)'],
    ],
    [
      'quick',
      'low',
      small,
      { realtimeBacklog: 3, realtimeOldestWaitSeconds: 25 },
      'background',
      ['oldest job has waited 25 s (threshold 20 s)'],
    ],
    [
      'quick',
      'low',
      small,
      { realtimeBacklog: 499, realtimeOldestWaitSeconds: 19 },
      'realtime',
      [],
    ],
    // Only low-priority work spills.
    [
      'quick',
      'normal',
      small,
      { realtimeBacklog: 10_000, realtimeOldestWaitSeconds: 600 },
      'realtime',
      [],
    ],
    [
      'quick',
      'urgent',
      small,
      { realtimeBacklog: 10_000, realtimeOldestWaitSeconds: 600 },
      'realtime',
      [],
    ],
    [
      'standard',
      'normal',
      { ...small, bytes: 12 * MIB },
      idle,
      'heavy',
      ['heavy work', '12.0 MiB (over 10.0 MiB)'],
    ],
    [
      'standard',
      'low',
      small,
      { realtimeBacklog: 10_000, realtimeOldestWaitSeconds: 600 },
      'standard',
      [],
    ],
    [
      'comprehensive',
      'normal',
      { ...small, bytes: 50 * MIB, attachments: 40, links: 900 },
      idle,
      'heavy',
      [],
    ],
  ] as const)(
    '%s at %s priority goes to the lane the email and the load call for',
    (analysisType, priority, email, load, lane, words) => {
      const routing = routeSubmission({ analysisType, priority, email, load, thresholds });
      expect(routing.lane).toBe(lane);
      expect(routing.priority).toBe(priority);
      expect(routing.bullmq_priority).toBe(BULLMQ_PRIORITY[priority]);
      expect(routing.reason).toContain(`on the ${lane} lane`);
      for (const word of words) expect(routing.reason).toContain(word);
      // Nothing changed the decision: the reason lists no factor.
      if (words.length === 0) expect(routing.reason).not.toContain(';');
    },
  );

  it('names every factor when several move the same job', () => {
    const routing = routeSubmission({
      analysisType: 'quick',
      priority: 'low',
      email: { bytes: 3 * MIB, attachments: 9, attachmentBytes: 2 * MIB, links: 120 },
      load: { realtimeBacklog: 900, realtimeOldestWaitSeconds: 40 },
      thresholds,
    });
    // Too big for realtime, so it is on standard and the realtime load does not matter.
    expect(routing.lane).toBe('standard');
    expect(routing.reason).toContain('3.0 MiB');
    expect(routing.reason).toContain('9 attachments');
    expect(routing.reason).toContain('120 links');
    expect(routing.reason).not.toContain('spilled');
  });

  it('says when a job came in bulk', () => {
    const routing = routeSubmission({ analysisType: 'quick', priority: 'low', bulk: true });
    expect(routing.reason).toMatch(/^bulk submission: /);
  });
});

describe('aging', () => {
  const after = 60_000;
  it.each([
    // original, current, waited (periods), next
    [16, 16, 0.5, null],
    [16, 16, 1, 15],
    [16, 15, 1.9, null],
    [16, 15, 2, 14],
    // Earned many steps: still one per run.
    [16, 16, 10, 15],
    [8, 2, 100, 1],
    // Never past urgent.
    [8, 1, 100, null],
    [1, 1, 100, null],
  ] as const)('from %i, now at %i, after %s periods: %s', (original, current, periods, next) => {
    expect(
      nextAgedPriority({
        originalPriority: original,
        currentPriority: current,
        waitedMs: periods * after,
        afterMs: after,
      }),
    ).toBe(next);
  });

  it('records the lift in the routing, keeping the original reason once', () => {
    const routing = routeSubmission({ analysisType: 'quick', priority: 'low' });
    const once = ageRouting(routing, 15, 5 * 60_000);
    const twice = ageRouting(once, 8, 45 * 60_000);
    expect(twice).toMatchObject({ priority: 'normal', bullmq_priority: 8, aged_from: 16 });
    expect(twice.reason).toBe(
      `${routing.reason}; aged: waited 45 min, lifted from BullMQ priority 16 to 8 (normal)`,
    );
  });
});

describe('the task table', () => {
  it('names all seven tasks of the seed, each on a work lane', () => {
    expect(Object.keys(TASKS).sort()).toEqual([...TASK_NAMES, FLOW_PARENT].sort());
    expect(TASKS.quick_email_scan.lane).toBe('realtime');
    expect(TASKS.sandbox_analysis.lane).toBe('heavy');
  });
});
