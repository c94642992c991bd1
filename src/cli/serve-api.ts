import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.ts';
import type { Config } from '../config/config.ts';
import { openJobs } from '../jobs/jobs.ts';
import { closeQueueEvents, createQueueEvents } from '../jobs/queues.ts';
import { assertNoEviction } from '../jobs/redis.ts';
import type { Logger } from '../lib/logger.ts';

/** Connects to Redis, checks it keeps jobs safe, builds the API and listens. */
export async function serveApi(
  config: Config,
  redisUrl: string,
  logger: Logger,
): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const jobs = await openJobs(config, redisUrl);
  const warning = await assertNoEviction(jobs.redis, config.allowEviction).catch(
    async (err: unknown) => {
      await jobs.close();
      throw err;
    },
  );
  if (warning) logger.warn(`${warning} (PHISHNET_ALLOW_EVICTION is set)`);
  const events = createQueueEvents({ url: redisUrl }, config.prefix);
  const app = await buildApp(config, { jobs, events, logger });
  const address = await app.listen({ port: config.http.port, host: config.http.host });
  return {
    app,
    url: address,
    async close() {
      await app.close();
      await closeQueueEvents(events);
      await jobs.close();
    },
  };
}
