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
  if (warning) logger.warn(warning);
  const events = createQueueEvents({ url: redisUrl }, config.prefix);
  let app: FastifyInstance | undefined;
  let address: string;
  try {
    app = await buildApp(config, { jobs, events, logger });
    address = await app.listen({ port: config.http.port, host: config.http.host });
  } catch (err) {
    // Nothing may keep the process alive after a failed start (bad auth settings, port taken).
    await app?.close();
    await closeQueueEvents(events);
    await jobs.close();
    throw err;
  }
  const started = app;
  return {
    app: started,
    url: address,
    async close() {
      await started.close();
      await closeQueueEvents(events);
      await jobs.close();
    },
  };
}
