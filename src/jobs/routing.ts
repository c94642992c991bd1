import type { AnalysisType, JobKind, Priority, Routing, WorkLane } from '../contracts/queues.ts';
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

/** What the email is, as far as a cheap look at its bytes tells (see email-facts.ts). */
export interface EmailFacts {
  bytes: number;
  attachments: number;
  attachmentBytes: number;
  links: number;
}

/** How loaded the realtime lane is (see load.ts); read at most once per cache period. */
export interface LoadSnapshot {
  /** Jobs waiting on realtime: waiting and prioritized. */
  realtimeBacklog: number;
  /** How long the oldest of them has waited, in seconds; null when none waits. */
  realtimeOldestWaitSeconds: number | null;
}

export interface RoutingThresholds {
  /** A quick scan of a larger email is not realtime work: it runs on `standard`. */
  realtimeMaxEmailBytes: number;
  realtimeMaxAttachments: number;
  realtimeMaxLinks: number;
  /** A full scan of a larger email runs on `heavy`. */
  standardMaxEmailBytes: number;
  /** Low-priority realtime work spills to `background` from this many waiting jobs… */
  spillBacklog: number;
  /** …or once the oldest waiting realtime job has waited this long. */
  spillOldestWaitSeconds: number;
}

/** The configuration's defaults (src/config/env-schema.ts), for callers without a config. */
export const DEFAULT_ROUTING_THRESHOLDS: RoutingThresholds = {
  realtimeMaxEmailBytes: 1024 * 1024,
  realtimeMaxAttachments: 5,
  realtimeMaxLinks: 100,
  standardMaxEmailBytes: 10 * 1024 * 1024,
  spillBacklog: 1_000,
  spillOldestWaitSeconds: 30,
};

export interface RoutingInput {
  analysisType: AnalysisType;
  priority: Priority;
  /** Part of a bulk submission (which defaults to `low` priority). */
  bulk?: boolean;
  email?: EmailFacts;
  load?: LoadSnapshot;
  thresholds?: RoutingThresholds;
}

/**
 * Picks lane and priority from the analysis type, the requested priority, what the email is
 * and the load, and says why: the reason names every factor that moved the job off its
 * task's usual lane. Pure, so it is tested with tables.
 *
 *   quick (realtime) ── email too large, too many attachments or links ──▶ standard
 *   standard ── email too large ──▶ heavy
 *   realtime at low priority ── realtime backlog or oldest wait past a threshold ──▶ background
 *
 * A comprehensive analysis is a flow whose children have lanes of their own: it is not moved.
 */
export function routeSubmission(input: RoutingInput): Routing {
  const thresholds = input.thresholds ?? DEFAULT_ROUTING_THRESHOLDS;
  const task = ANALYSIS_TASK[input.analysisType];
  const usual: WorkLane = TASKS[task].lane;
  let lane: WorkLane = usual;
  const factors: string[] = [];

  if (input.email && lane === 'realtime') {
    const heavy = realtimeExcess(input.email, thresholds);
    if (heavy.length > 0) {
      lane = 'standard';
      factors.push(`not realtime work: ${heavy.join(', ')}`);
    }
  } else if (input.email && lane === 'standard') {
    if (input.email.bytes > thresholds.standardMaxEmailBytes) {
      lane = 'heavy';
      factors.push(
        `heavy work: the email is ${formatBytes(input.email.bytes)} (over ${formatBytes(thresholds.standardMaxEmailBytes)})`,
      );
    }
  }

  if (input.load && lane === 'realtime' && input.priority === 'low') {
    const busy = realtimeOverload(input.load, thresholds);
    if (busy.length > 0) {
      lane = 'background';
      factors.push(`spilled from realtime: ${busy.join(', ')}`);
    }
  }

  const who = input.bulk ? 'bulk submission: ' : '';
  const base = `${who}${input.analysisType} analysis runs ${task} on the ${lane} lane at ${input.priority} priority`;
  return {
    lane,
    task,
    priority: input.priority,
    bullmq_priority: BULLMQ_PRIORITY[input.priority],
    reason: factors.length === 0 ? base : `${base} (${usual} by default); ${factors.join('; ')}`,
  };
}

function realtimeExcess(email: EmailFacts, t: RoutingThresholds): string[] {
  const excess: string[] = [];
  if (email.bytes > t.realtimeMaxEmailBytes) {
    excess.push(
      `the email is ${formatBytes(email.bytes)} (over ${formatBytes(t.realtimeMaxEmailBytes)})`,
    );
  }
  if (email.attachments > t.realtimeMaxAttachments) {
    excess.push(
      `${email.attachments} attachments of ${formatBytes(email.attachmentBytes)} (over ${t.realtimeMaxAttachments})`,
    );
  }
  if (email.links > t.realtimeMaxLinks) {
    excess.push(`${email.links} links (over ${t.realtimeMaxLinks})`);
  }
  return excess;
}

function realtimeOverload(load: LoadSnapshot, t: RoutingThresholds): string[] {
  const busy: string[] = [];
  if (load.realtimeBacklog >= t.spillBacklog) {
    busy.push(`${load.realtimeBacklog} jobs waiting there (threshold ${t.spillBacklog})`);
  }
  const oldest = load.realtimeOldestWaitSeconds;
  if (oldest !== null && oldest >= t.spillOldestWaitSeconds) {
    busy.push(
      `its oldest job has waited ${Math.round(oldest)} s (threshold ${t.spillOldestWaitSeconds} s)`,
    );
  }
  return busy;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** The priority level a BullMQ priority has reached: the best level it is at or past. */
export function priorityLevelOf(bullmqPriority: number): Priority {
  if (bullmqPriority <= BULLMQ_PRIORITY.urgent) return 'urgent';
  if (bullmqPriority <= BULLMQ_PRIORITY.high) return 'high';
  if (bullmqPriority <= BULLMQ_PRIORITY.normal) return 'normal';
  return 'low';
}

/**
 * Aging: the BullMQ priority a waiting job moves to now, or null when it stays. A job earns
 * one step for every `afterMs` it has waited since it was submitted, and takes one step per
 * call, so each aging run lifts it at most once; never past urgent's value.
 */
export function nextAgedPriority(job: {
  originalPriority: number;
  currentPriority: number;
  waitedMs: number;
  afterMs: number;
}): number | null {
  if (job.currentPriority <= BULLMQ_PRIORITY.urgent) return null;
  const earned = Math.floor(Math.max(0, job.waitedMs) / job.afterMs);
  const taken = Math.max(0, job.originalPriority - job.currentPriority);
  return earned > taken ? job.currentPriority - 1 : null;
}

/** The routing after an aging step: new priority, level, and the reason saying so. */
export function ageRouting(routing: Routing, lifted: number, waitedMs: number): Routing {
  const base = routing.reason.split(AGED_MARK)[0] ?? routing.reason;
  const from = routing.aged_from ?? routing.bullmq_priority;
  const minutes = Math.round(waitedMs / 60_000);
  return {
    ...routing,
    priority: priorityLevelOf(lifted),
    bullmq_priority: lifted,
    aged_from: from,
    reason: `${base}${AGED_MARK}waited ${minutes} min, lifted from BullMQ priority ${from} to ${lifted} (${priorityLevelOf(lifted)})`,
  };
}

const AGED_MARK = '; aged: ';
