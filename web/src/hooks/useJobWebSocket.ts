/**
 * The seed's hook: `useJobWebSocket({ url, jobId, onUpdate })` → `{ isConnected, lastUpdate }`,
 * following one job over `/ws/jobs/{job_id}` until it completes, fails or is cancelled.
 * `url` is the WebSocket base (`ws://host/ws`); the token comes from the
 * signed-in user unless given.
 */
import { useState } from 'react';
import { jobMessageSchema, type JobMessage } from '../../../src/contracts/ws.ts';
import { useLiveSocket, type LiveSocket, type LiveSocketOptions } from './useLiveSocket.ts';

export type JobUpdate = Exclude<JobMessage, { type: 'pong' }>;

export interface UseJobWebSocketOptions extends Pick<
  LiveSocketOptions,
  'token' | 'createSocket' | 'pingIntervalMs' | 'initialBackoffMs' | 'maxBackoffMs'
> {
  url: string;
  /** Null or undefined: not following any job. */
  jobId: string | null | undefined;
  onUpdate?: (update: JobUpdate) => void;
}

export interface JobWebSocket extends LiveSocket {
  lastUpdate: JobUpdate | null;
}

const FINAL_TYPES: ReadonlySet<string> = new Set([
  'job_completed',
  'job_failed',
  'job_cancelled',
  'error',
]);

export function useJobWebSocket(options: UseJobWebSocketOptions): JobWebSocket {
  const { url, jobId, onUpdate, ...socketOptions } = options;
  const [last, setLast] = useState<{ jobId: string; update: JobUpdate } | null>(null);
  const socketUrl = jobId ? `${url.replace(/\/+$/, '')}/jobs/${encodeURIComponent(jobId)}` : null;
  const live = useLiveSocket({
    ...socketOptions,
    url: socketUrl,
    onMessage: (message) => {
      const parsed = jobMessageSchema.safeParse(message);
      if (!parsed.success || parsed.data.type === 'pong' || !jobId) return;
      const update = parsed.data;
      setLast({ jobId, update });
      onUpdate?.(update);
    },
    isFinal: (message) => {
      const parsed = jobMessageSchema.safeParse(message);
      return parsed.success && FINAL_TYPES.has(parsed.data.type);
    },
  });
  return { ...live, lastUpdate: last && last.jobId === jobId ? last.update : null };
}
