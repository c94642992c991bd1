import type { FastifyInstance } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import {
  clientMessageSchema,
  type BatchProgressMessage,
  type JobMessage,
} from '../../contracts/ws.ts';

/** Batch progress is one hash read, so polling it is cheaper than following thousands of jobs. */
const BATCH_POLL_MS = 500;
import { getBatchSummary } from '../../jobs/batches.ts';
import { getJobStatus, type JobsDeps } from '../../jobs/jobs.ts';
import type { JobEventHub } from './job-events.ts';
import type { SystemStatusBroadcaster } from './system-status.ts';

export interface WsRoutesOptions {
  jobs: JobsDeps;
  hub: JobEventHub;
  system: SystemStatusBroadcaster;
}

function send(socket: WebSocket, message: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

/** Answers `{type:"ping"}` with `{type:"pong"}`; anything else gets an error message. */
function answerPings(socket: WebSocket): void {
  socket.on('message', (data: Buffer) => {
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
  const { jobs, hub, system } = options;

  app.get<{ Params: { job_id: string } }>(
    '/ws/jobs/:job_id',
    { websocket: true, schema: { hide: true } },
    async (socket, request) => {
      const jobId = request.params.job_id;
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
      answerPings(socket);
      const status = await getJobStatus(jobs, jobId).catch(() => null);
      if (!status) {
        send(socket, {
          type: 'error',
          error: { code: 'API_JOB_NOT_FOUND', message: `no job ${jobId}` },
        });
        unsubscribe();
        socket.close(4404, 'job not found');
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
    (socket, request) => {
      const batchId = request.params.batch_id;
      answerPings(socket);
      let last = '';
      const tick = async (): Promise<void> => {
        const summary = await getBatchSummary(jobs, batchId).catch(() => undefined);
        if (summary === undefined) return; // Redis away: try again on the next beat.
        if (summary === null) {
          send(socket, {
            type: 'error',
            error: { code: 'API_BATCH_NOT_FOUND', message: `no batch ${batchId}` },
          });
          socket.close(4404, 'batch not found');
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

  app.get('/ws/system', { websocket: true, schema: { hide: true } }, async (socket) => {
    const unsubscribe = system.subscribe((message) => {
      send(socket, message);
    });
    socket.on('close', unsubscribe);
    answerPings(socket);
    send(socket, await system.snapshot().catch(() => null));
  });
}
