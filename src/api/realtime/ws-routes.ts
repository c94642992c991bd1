import type { FastifyInstance } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import { WS_CLOSE } from '../../contracts/auth.ts';
import {
  clientMessageSchema,
  type BatchProgressMessage,
  type JobMessage,
} from '../../contracts/ws.ts';
import { getBatchSummary, readBatchOwner } from '../../jobs/batches.ts';
import { readJobOwner } from '../../jobs/job-record.ts';
import { getJobStatus, type JobsDeps } from '../../jobs/jobs.ts';
import type { VerifiedPrincipal } from '../auth/tokens.ts';
import { mayAccess, principalOf } from '../plugins/auth.ts';
import type { JobEventHub } from './job-events.ts';
import type { SystemStatusBroadcaster } from './system-status.ts';

/** Batch progress is one hash read, so polling it is cheaper than following thousands of jobs. */
const BATCH_POLL_MS = 500;
/** setTimeout's ceiling; a token valid for longer is not watched (it outlives any connection). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WsRoutesOptions {
  jobs: JobsDeps;
  hub: JobEventHub;
  system: SystemStatusBroadcaster;
  /** Messages a client may send per second before it is disconnected. */
  maxMessagesPerSecond: number;
}

function send(socket: WebSocket, message: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

/** A connection lives no longer than the token that opened it. */
function closeWhenTokenExpires(socket: WebSocket, principal: VerifiedPrincipal): void {
  const leftMs = principal.expiresAtMs - Date.now();
  if (!(leftMs < MAX_TIMER_MS)) return;
  const timer = setTimeout(
    () => {
      socket.close(WS_CLOSE.tokenExpired, 'token expired');
    },
    Math.max(0, leftMs),
  );
  socket.on('close', () => {
    clearTimeout(timer);
  });
}

/**
 * Answers `{type:"ping"}` with `{type:"pong"}`; anything else gets an error
 * message. A client sending more than `maxPerSecond` messages is disconnected:
 * nothing it may send needs more.
 */
function answerPings(socket: WebSocket, maxPerSecond: number): void {
  let windowStart = Date.now();
  let count = 0;
  socket.on('message', (data: Buffer) => {
    const now = Date.now();
    if (now - windowStart >= 1_000) {
      windowStart = now;
      count = 0;
    }
    count++;
    if (count > maxPerSecond) {
      if (count === maxPerSecond + 1) {
        send(socket, {
          type: 'error',
          error: {
            code: 'API_RATE_LIMITED',
            message: `more than ${maxPerSecond} messages per second`,
          },
        });
        socket.close(WS_CLOSE.rateLimited, 'message rate limit exceeded');
      }
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (clientMessageSchema.safeParse(parsed).success) send(socket, { type: 'pong' });
    else
      send(socket, {
        type: 'error',
        error: { code: 'API_REQUEST_INVALID', message: 'expected {"type":"ping"}' },
      });
  });
}

export function wsRoutes(app: FastifyInstance, options: WsRoutesOptions): void {
  const { jobs, hub, system, maxMessagesPerSecond } = options;

  /** What every connection gets, attached before any await so no early message is missed. */
  const accept = (socket: WebSocket, principal: VerifiedPrincipal): void => {
    closeWhenTokenExpires(socket, principal);
    answerPings(socket, maxMessagesPerSecond);
  };

  app.get<{ Params: { job_id: string } }>(
    '/ws/jobs/:job_id',
    { websocket: true, schema: { hide: true } },
    async (socket, request) => {
      const jobId = request.params.job_id;
      const principal = principalOf(request);
      accept(socket, principal);
      const refuse = (): void => {
        // Another user's job is refused exactly as a missing one, so ids cannot be probed.
        send(socket, {
          type: 'error',
          error: { code: 'API_JOB_NOT_FOUND', message: `no job ${jobId}` },
        });
        socket.close(WS_CLOSE.notFound, 'job not found');
      };
      const owner = await readJobOwner(jobs, jobId).catch(() => null);
      if (owner === null || !mayAccess(principal, owner)) {
        refuse();
        return;
      }
      let finished = false;
      const deliver = (message: JobMessage): void => {
        if (finished) return;
        if (
          message.type === 'job_completed' ||
          message.type === 'job_failed' ||
          message.type === 'job_cancelled'
        ) {
          finished = true;
        }
        send(socket, message);
      };
      // Subscribe before reading the state, so nothing that happens in between is missed.
      const unsubscribe = hub.subscribe(jobId, deliver);
      socket.on('close', unsubscribe);
      const status = await getJobStatus(jobs, jobId).catch(() => null);
      if (!status) {
        unsubscribe();
        refuse();
        return;
      }
      if (status.status === 'completed' && status.result) {
        deliver({ type: 'job_completed', job_id: jobId, result: status.result });
      } else if (status.status === 'failed' && status.error) {
        deliver({ type: 'job_failed', job_id: jobId, error: status.error });
      } else if (status.status === 'cancelled') {
        deliver({ type: 'job_cancelled', job_id: jobId });
      } else {
        deliver({ type: 'progress_update', job_id: jobId, progress: status.progress });
      }
    },
  );

  app.get<{ Params: { batch_id: string } }>(
    '/ws/batches/:batch_id',
    { websocket: true, schema: { hide: true } },
    async (socket, request) => {
      const batchId = request.params.batch_id;
      const principal = principalOf(request);
      accept(socket, principal);
      const refuse = (): void => {
        send(socket, {
          type: 'error',
          error: { code: 'API_BATCH_NOT_FOUND', message: `no batch ${batchId}` },
        });
        socket.close(WS_CLOSE.notFound, 'batch not found');
      };
      const owner = await readBatchOwner(jobs, batchId).catch(() => null);
      if (owner === null || !mayAccess(principal, owner)) {
        refuse();
        return;
      }
      let last = '';
      const tick = async (): Promise<void> => {
        const summary = await getBatchSummary(jobs, batchId).catch(() => undefined);
        if (summary === undefined) return; // Redis away: try again on the next beat.
        if (summary === null) {
          refuse();
          return;
        }
        const done = summary.counts.pending === 0;
        const message: BatchProgressMessage = {
          type: done ? 'batch_completed' : 'batch_progress',
          batch_id: batchId,
          total_jobs: summary.total_jobs,
          progress: summary.progress,
          counts: summary.counts,
        };
        const text = JSON.stringify(message);
        if (text !== last) send(socket, message);
        last = text;
        if (done) socket.close(1000, 'batch completed');
      };
      const timer = setInterval(() => void tick(), BATCH_POLL_MS);
      socket.on('close', () => {
        clearInterval(timer);
      });
      void tick();
    },
  );

  app.get('/ws/system', { websocket: true, schema: { hide: true } }, async (socket, request) => {
    accept(socket, principalOf(request));
    const unsubscribe = system.subscribe((message) => {
      send(socket, message);
    });
    socket.on('close', unsubscribe);
    send(socket, await system.snapshot().catch(() => null));
  });
}
