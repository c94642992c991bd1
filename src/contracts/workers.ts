/**
 * Worker heartbeats, queue statistics and their history: the bodies of
 * `GET /api/v1/workers/{status,stats,queues,history}`. Shared with the browser.
 */
import { z } from 'zod';
import { LANES, WORK_LANES, laneSchema } from './queues.ts';
import { laneDepthSchema } from './ws.ts';

/**
 * `alive`: heartbeating and idle; `busy`: heartbeating with at least one job
 * active (compare `active_jobs` with `capacity` for saturation); `dead`: no
 * heartbeat for three of its intervals. Dead workers stay listed for
 * PHISHNET_WORKER_DEAD_RETENTION_SECONDS, then disappear.
 */
export const WORKER_STATES = ['alive', 'busy', 'dead'] as const;
export const workerStateSchema = z.enum(WORKER_STATES);
export type WorkerState = z.infer<typeof workerStateSchema>;

/** What a worker process publishes every heartbeat interval. */
export const heartbeatSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  lanes: z.array(laneSchema),
  /** Jobs one lane of this process runs at once. */
  concurrency: z.number().int(),
  /** Jobs the whole process can run at once (concurrency × work lanes, +1 for monitoring). */
  capacity: z.number().int(),
  active_jobs: z.number().int().nonnegative(),
  /** Jobs this process completed since it started. */
  processed: z.number().int().nonnegative(),
  /** Jobs that failed for good in this process since it started (retried attempts not counted). */
  failed: z.number().int().nonnegative(),
  memory_rss_bytes: z.number().int().nonnegative(),
  uptime_seconds: z.number().nonnegative(),
  started_at: z.iso.datetime(),
  last_seen: z.iso.datetime(),
  heartbeat_interval_ms: z.number().int().positive(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const workerStatusSchema = heartbeatSchema.extend({
  state: workerStateSchema,
  /** Seconds since the last heartbeat. */
  last_seen_seconds_ago: z.number().nonnegative(),
});
export type WorkerStatus = z.infer<typeof workerStatusSchema>;

export const workersStatusSchema = z.object({
  timestamp: z.iso.datetime(),
  counts: z.record(workerStateSchema, z.number().int()),
  workers: z.array(workerStatusSchema),
});
export type WorkersStatus = z.infer<typeof workersStatusSchema>;

/** The seed's statistics, over the last 24 hours, the same from every API instance. */
export const workerStatsSchema = z.object({
  timestamp: z.iso.datetime(),
  /** Workers heartbeating (`alive` or `busy`). */
  active_workers: z.number().int(),
  /** Waiting, prioritized and delayed jobs on all work lanes. */
  total_pending: z.number().int(),
  /** Jobs completed in the last 24 hours. */
  jobs_processed_24h: z.number().int(),
  /** Jobs that failed for good in the last 24 hours (retried attempts are not failures). */
  jobs_failed_24h: z.number().int(),
  /** Mean seconds from start to end of the jobs finished in the last 24 hours; null when none. */
  avg_processing_time: z.number().nullable(),
  /** Completed over finished jobs in the last 24 hours, in percent; null when none finished. */
  success_rate: z.number().nullable(),
  /** Per work lane: waiting + prioritized + delayed. */
  queue_depths: z.record(z.enum(WORK_LANES), z.number().int()),
});
export type WorkerStats = z.infer<typeof workerStatsSchema>;

export const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'completed',
  'failed',
  'waiting-children',
] as const;

export const laneStateSchema = z.object({
  lane: laneSchema,
  paused: z.boolean(),
  counts: z.record(z.enum(QUEUE_STATES), z.number().int()),
  /**
   * Jobs completed on this lane in the last minute and the last five minutes,
   * from per-minute counters (the oldest, partial minute is prorated).
   */
  processing_rate: z.object({
    completed_last_minute: z.number().int(),
    completed_last_5_minutes: z.number().int(),
    per_minute_5m: z.number(),
  }),
  /** Age of the oldest job waiting (wait list or prioritized) in seconds; null when none waits. */
  oldest_waiting_age_seconds: z.number().nullable(),
});
export type LaneState = z.infer<typeof laneStateSchema>;

export const queuesStatusSchema = z.object({
  timestamp: z.iso.datetime(),
  lanes: z.array(laneStateSchema),
});

/** A lane in a path: any string, so an unknown one is a 404, not a 400. */
export const laneParamsSchema = z.object({ lane: z.string().min(1).max(100) });
export const KNOWN_LANES: readonly string[] = LANES;

export const historyQuerySchema = z.object({
  minutes: z.coerce.number().int().min(1).max(1_440).default(60),
});

export const historySnapshotSchema = z.object({
  timestamp: z.string(),
  lanes: z.record(z.enum(WORK_LANES), laneDepthSchema),
  workers: z.record(workerStateSchema, z.number().int()).optional(),
});
export type HistorySnapshot = z.infer<typeof historySnapshotSchema>;

export const throughputPointSchema = z.object({
  /** Start of the minute. */
  minute: z.iso.datetime(),
  completed: z.number().int(),
  failed: z.number().int(),
  /** Mean seconds of the jobs that finished in this minute; null when none did. */
  avg_processing_time: z.number().nullable(),
});
export type ThroughputPoint = z.infer<typeof throughputPointSchema>;

export const historySchema = z.object({
  minutes: z.number().int(),
  /** Queue-depth snapshots of the monitoring lane, oldest first, at most one per minute. */
  snapshots: z.array(historySnapshotSchema),
  /** One point per minute of the window, oldest first, zeros where nothing finished. */
  throughput: z.array(throughputPointSchema),
});
export type History = z.infer<typeof historySchema>;

// ---- Scaling: the body and answer of POST and GET /api/v1/workers/scale, and the supervisor's state. ----

/** Highest worker count any bound or fixed count may name, on one host. */
export const MAX_WORKERS_LIMIT = 256;

/** `auto`: the supervisor scales on queue depth between the bounds; `fixed`: an operator set the count. */
export const SCALE_MODES = ['auto', 'fixed'] as const;
export const scaleModeSchema = z.enum(SCALE_MODES);
export type ScaleMode = z.infer<typeof scaleModeSchema>;

export const SCALE_ACTIONS = ['up', 'down', 'hold'] as const;
export const scaleActionSchema = z.enum(SCALE_ACTIONS);
export type ScaleAction = z.infer<typeof scaleActionSchema>;

const workerCount = z.number().int().min(0).max(MAX_WORKERS_LIMIT);
const boundFields = {
  min_workers: workerCount
    .optional()
    .describe('New lower bound for every supervisor (replaces PHISHNET_MIN_WORKERS).'),
  max_workers: workerCount
    .min(1)
    .optional()
    .describe(
      'New upper bound for every supervisor, lane-dedicated workers included (replaces PHISHNET_MAX_WORKERS).',
    ),
};
const laneField = z
  .enum(WORK_LANES)
  .optional()
  .describe('A work lane: its own worker processes (`--queues <lane>`), besides the general ones.');

export const scaleRequestSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('fixed'),
    workers: workerCount.describe(
      'Worker processes per supervisor: general ones, or with `lane` ones that take only that lane.',
    ),
    lane: laneField,
    ...boundFields,
  }),
  z.strictObject({
    mode: z.literal('auto'),
    lane: laneField.describe(
      "Undo only this lane's fixed count; without it, everything returns to automatic.",
    ),
    ...boundFields,
  }),
]);
export type ScaleRequest = z.infer<typeof scaleRequestSchema>;

export const scaleAcceptedSchema = z.object({
  mode: scaleModeSchema,
  /** The fixed count just set (per supervisor). */
  target_workers: z.number().int().optional(),
  min_workers: z.number().int(),
  max_workers: z.number().int(),
  lane: z.enum(WORK_LANES).optional(),
  /** Supervisors alive now, each of which applies the change to its own host. */
  supervisors: z.number().int(),
  message: z.string(),
});
export type ScaleAccepted = z.infer<typeof scaleAcceptedSchema>;

/**
 * What operators asked for, kept in Redis and read by every supervisor.
 * Bounds left unset fall back to each supervisor's PHISHNET_MIN_WORKERS / PHISHNET_MAX_WORKERS.
 */
export const scaleControlSchema = z.object({
  mode: scaleModeSchema,
  /** General worker processes per supervisor while `mode` is `fixed`. */
  fixed_workers: z.number().int().nullable(),
  min_workers: z.number().int().optional(),
  max_workers: z.number().int().optional(),
  /** Worker processes per supervisor that take only one lane. */
  lanes: z.partialRecord(z.enum(WORK_LANES), z.number().int()),
  updated_at: z.iso.datetime(),
});
export type ScaleControl = z.infer<typeof scaleControlSchema>;

export const scaleDecisionSchema = z.object({
  action: scaleActionSchema,
  /** General worker processes the supervisor keeps after this decision. */
  target_workers: z.number().int(),
  /** Why, in plain words. */
  reason: z.string(),
  at: z.iso.datetime(),
});
export type ScaleDecisionRecord = z.infer<typeof scaleDecisionSchema>;

const laneWorkersSchema = z.object({
  current_workers: z.number().int(),
  desired_workers: z.number().int(),
});

/** What each supervisor writes to Redis after every decision. */
export const supervisorStateSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  mode: scaleModeSchema,
  min_workers: z.number().int(),
  max_workers: z.number().int(),
  scale_up_threshold: z.number().int(),
  scale_down_threshold: z.number().int(),
  cooldown_seconds: z.number(),
  /** Worker processes running (general and lane-dedicated), not counting those stopping. */
  current_workers: z.number().int(),
  /** Worker processes it means to run. */
  desired_workers: z.number().int(),
  /** Worker processes told to stop (SIGTERM) that are finishing their jobs. */
  stopping_workers: z.number().int(),
  /** Lane-dedicated worker processes, by lane. */
  lanes: z.partialRecord(z.enum(WORK_LANES), laneWorkersSchema),
  /** Waiting + prioritized + delayed per work lane, as last read. */
  backlog: z.record(z.enum(WORK_LANES), z.number().int()),
  last_decision: scaleDecisionSchema.nullable(),
  /** The last decisions that changed the count, oldest first (at most 10). */
  recent_changes: z.array(scaleDecisionSchema),
  /** Until when automatic changes wait; null when none happened yet. */
  cooldown_until: z.iso.datetime().nullable(),
  interval_ms: z.number().int().positive(),
  started_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
export type SupervisorState = z.infer<typeof supervisorStateSchema>;

export const supervisorStatusSchema = supervisorStateSchema.extend({
  cooldown_remaining_seconds: z.number().nonnegative(),
});
export type SupervisorStatus = z.infer<typeof supervisorStatusSchema>;

export const scaleStatusSchema = z.object({
  timestamp: z.iso.datetime(),
  /** `kubernetes`: KEDA scales the workers and no supervisor runs. */
  orchestrator: z.enum(['local', 'kubernetes']),
  mode: scaleModeSchema,
  min_workers: z.number().int(),
  max_workers: z.number().int(),
  /** Summed over the alive supervisors. */
  current_workers: z.number().int(),
  desired_workers: z.number().int(),
  /** Lanes with a fixed count of their own: that count per supervisor, and the sums. */
  lanes: z
    .partialRecord(z.enum(WORK_LANES), laneWorkersSchema.extend({ workers: z.number().int() }))
    .optional(),
  /** The newest decision of any supervisor. */
  last_decision: scaleDecisionSchema.nullable(),
  /** The longest any supervisor still waits before an automatic change. */
  cooldown_remaining_seconds: z.number().nonnegative(),
  /** Supervisors alive now. */
  supervisors: z.number().int(),
  /** Each alive supervisor's own state. */
  instances: z.array(supervisorStatusSchema),
});
export type ScaleStatus = z.infer<typeof scaleStatusSchema>;
