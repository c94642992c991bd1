/** Lanes, tasks, analysis types and priorities: the vocabulary of the queue system. */
import { z } from 'zod';

/** Work lanes are BullMQ queues; `dlq` and `monitoring` are queues too, with their own roles. */
export const WORK_LANES = ['realtime', 'standard', 'heavy', 'background'] as const;
export const LANES = [...WORK_LANES, 'dlq', 'monitoring'] as const;
export type WorkLane = (typeof WORK_LANES)[number];
export type Lane = (typeof LANES)[number];
export const workLaneSchema = z.enum(WORK_LANES);
export const laneSchema = z.enum(LANES);

export const TASK_NAMES = [
  'quick_email_scan',
  'full_email_scan',
  'link_safety_check',
  'ml_threat_detection',
  'threat_intelligence_lookup',
  'deep_attachment_scan',
  'sandbox_analysis',
] as const;
export const taskNameSchema = z.enum(TASK_NAMES);
export type TaskName = z.infer<typeof taskNameSchema>;

/** The parent of the comprehensive flow: it aggregates its children's results. */
export const FLOW_PARENT = 'comprehensive_analysis';
/** What a job on a work lane runs: one of the seven tasks, or the flow parent. */
export const jobKindSchema = z.enum([...TASK_NAMES, FLOW_PARENT]);
export type JobKind = z.infer<typeof jobKindSchema>;

export const ANALYSIS_TYPES = ['quick', 'standard', 'comprehensive'] as const;
export const analysisTypeSchema = z.enum(ANALYSIS_TYPES);
export type AnalysisType = z.infer<typeof analysisTypeSchema>;

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const prioritySchema = z.enum(PRIORITIES);
export type Priority = z.infer<typeof prioritySchema>;

/** Why a job went where it went; stored on the job and shown in its status. */
export const routingSchema = z.object({
  lane: workLaneSchema,
  task: jobKindSchema,
  priority: prioritySchema,
  /** BullMQ priority within the lane: 1 is served first. Aging lowers it while the job waits. */
  bullmq_priority: z.number().int().positive(),
  /** Set once aging has lifted the job: the BullMQ priority it was submitted with. */
  aged_from: z.number().int().positive().optional(),
  /** Why: the lane's default, and every factor (size, load, bulk, aging) that changed it. */
  reason: z.string(),
});
export type Routing = z.infer<typeof routingSchema>;

/**
 * The payload of every analysis job.
 * Input:  `email_ref` — sha256 of the raw email in the blob store (never the bytes);
 *         `input` — the seed's fields, kept for search and display.
 * Output: the job's return value is an `AnalysisResult`.
 */
export const taskPayloadSchema = z.object({
  /** The API's job id; for a flow child, its parent's. */
  job_id: z.uuid(),
  task: jobKindSchema,
  analysis_type: analysisTypeSchema,
  email_ref: z.string().regex(/^[0-9a-f]{64}$/),
  email_bytes: z.number().int().nonnegative(),
  input: z.object({ subject: z.string(), sender: z.string() }),
  routing: routingSchema,
  submitted_at: z.iso.datetime(),
  /** Set when the job is part of a bulk submission. */
  batch_id: z.uuid().optional(),
});
export type TaskPayload = z.infer<typeof taskPayloadSchema>;

/** Every failure is one of these; each has its own retry policy (see src/jobs/retry-policy.ts). */
export const FAILURE_CLASSES = [
  'temporary',
  'permanent',
  'resource',
  'external',
  'infrastructure',
] as const;
export const failureClassSchema = z.enum(FAILURE_CLASSES);
export type FailureClass = z.infer<typeof failureClassSchema>;
