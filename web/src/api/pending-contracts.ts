/**
 * Bodies agreed in the cross-team brief whose schemas are being written in other
 * branches (`auth` by the security work, `scale` by the scaling work). They mirror
 * the brief word for word; once those land in `src/contracts`, import from there
 * and delete this file.
 */
import { z } from 'zod';
import { WORK_LANES } from '../../../src/contracts/queues.ts';

/** `GET /api/v1/auth/me`. */
export const meSchema = z.object({
  sub: z.string(),
  role: z.enum(['analyst', 'admin']),
});
export type Me = z.infer<typeof meSchema>;
export type Role = Me['role'];

/** `POST /api/v1/workers/scale`. */
export type ScaleRequest =
  | { mode: 'fixed'; workers: number; lane?: (typeof WORK_LANES)[number] }
  | { mode: 'auto'; min_workers?: number; max_workers?: number };

export const scaleResponseSchema = z.object({
  mode: z.enum(['fixed', 'auto']),
  target_workers: z.number().int().optional(),
  min_workers: z.number().int(),
  max_workers: z.number().int(),
  lane: z.string().optional(),
  message: z.string(),
});
export type ScaleResponse = z.infer<typeof scaleResponseSchema>;

/** `GET /api/v1/workers/scale`: the supervisor's state. */
export const scaleStateSchema = z.object({
  mode: z.enum(['fixed', 'auto']),
  min_workers: z.number().int(),
  max_workers: z.number().int(),
  current_workers: z.number().int(),
  desired_workers: z.number().int(),
  lanes: z.unknown().optional(),
  last_decision: z
    .object({
      action: z.enum(['up', 'down', 'hold']),
      reason: z.string(),
      at: z.string(),
    })
    .nullable(),
  cooldown_remaining_seconds: z.number(),
  supervisors: z.unknown(),
});
export type ScaleState = z.infer<typeof scaleStateSchema>;
