import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../lib/logger.ts';
import { startScheduler } from '../../worker/scheduler.ts';
import { resolveRedis } from '../local-redis.ts';
import { onShutdown } from '../shutdown.ts';

/** `phishnet scheduler`: registers the periodic tasks. */
export async function schedulerCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    name: 'scheduler',
  });
  const redis = await resolveRedis(config);
  const scheduler = await startScheduler({ config, redisUrl: redis.url, logger });
  onShutdown(logger, async () => {
    await scheduler.close();
    await redis.stop();
  });
}
