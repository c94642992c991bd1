import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { healthSchema, readySchema } from '../../contracts/api.ts';

const READY_TIMEOUT_MS = 1_000;

export function healthRoutes(app: FastifyInstance, options: { redis: Redis }): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/healthz', {
    schema: { summary: 'The process is up', tags: ['health'], response: { 200: healthSchema } },
    handler: () => ({ status: 'ok' as const }),
  });
  typed.get('/readyz', {
    schema: {
      summary: 'Redis is reachable, so jobs can be accepted',
      tags: ['health'],
      response: { 200: readySchema, 503: readySchema },
    },
    handler: async (_request, reply) => {
      const up = await pingWithin(options.redis, READY_TIMEOUT_MS);
      return reply
        .code(up ? 200 : 503)
        .send({ status: up ? 'ready' : 'not_ready', redis: up ? 'up' : 'down' });
    },
  });
}

async function pingWithin(redis: Redis, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      redis.ping().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
