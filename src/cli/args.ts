import { LANES, laneSchema, type Lane } from '../contracts/queues.ts';
import { AppError } from '../lib/errors.ts';

/** `realtime,standard` → lanes; an unknown name is an error that lists the valid ones. */
export function parseLanes(value: string | undefined, fallback: readonly Lane[]): Lane[] {
  if (value === undefined) return [...fallback];
  const lanes = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const bad = lanes.filter((lane) => !laneSchema.safeParse(lane).success);
  if (bad.length > 0 || lanes.length === 0) {
    throw new AppError(
      'CONFIG_INVALID',
      `--queues: unknown lane(s) ${bad.join(', ') || '(none given)'}; choose from ${LANES.join(', ')}`,
    );
  }
  return lanes as Lane[];
}

export function parsePositiveInt(
  name: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new AppError('CONFIG_INVALID', `${name}: expected a whole number ≥ 1, got "${value}"`);
  }
  return parsed;
}
