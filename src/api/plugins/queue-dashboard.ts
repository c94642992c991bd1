import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queues } from '../../jobs/queues.ts';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board answers its own errors; give each the request id every PhishNet
 * error body carries, so a failed dashboard call can be found in the logs.
 */
function addRequestId(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (reply.statusCode < 400 || typeof payload !== 'string') return payload;
  if (!String(reply.getHeader('content-type') ?? '').includes('json')) return payload;
  try {
    const body: unknown = JSON.parse(payload);
    if (typeof body !== 'object' || body === null || Array.isArray(body) || 'requestId' in body) {
      return payload;
    }
    return JSON.stringify({ ...body, requestId: request.id });
  } catch {
    return payload;
  }
}

/** bull-board: BullMQ's own view of every lane, jobs and their data (admins only; see plugins/auth.ts). */
export async function registerQueueDashboard(app: FastifyInstance, queues: Queues): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(queues).map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'PhishNet queues' } },
  });
  await app.register(async (scope) => {
    scope.addHook('onSend', async (request, reply, payload) =>
      addRequestId(request, reply, payload),
    );
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}
