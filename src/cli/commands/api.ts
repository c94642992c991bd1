import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../lib/logger.ts';
import { resolveRedis } from '../local-redis.ts';
import { serveApi } from '../serve-api.ts';
import { onShutdown } from '../shutdown.ts';

/** `phishnet api`: the HTTP and WebSocket API alone. */
export async function apiCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, name: 'api' });
  const redis = await resolveRedis(config);
  const api = await serveApi(config, redis.url, logger);
  onShutdown(logger, async () => {
    await api.close();
    await redis.stop();
  });
  // Announced only once a SIGTERM would be handled, so whoever waits for this line may send one.
  process.stdout.write(`PhishNet API listening on ${api.url}\n`);
}
