import { loadConfig, type Config } from '../../config/config.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import {
  assertSupervisorAllowed,
  startSupervisor,
  type Supervisor,
} from '../../worker/supervisor/supervisor.ts';
import { resolveRedis } from '../local-redis.ts';
import { onShutdown } from '../shutdown.ts';
import { createWorkerLauncher } from '../worker-processes.ts';
import { SHUTDOWN_CLOSE_MS } from './worker.ts';

/** Past the workers' own deadline, which the supervisor waits for when it stops them. */
const SUPERVISOR_CLOSE_MARGIN_MS = 20_000;

/** The supervisor with `phishnet worker` children, as `start` and `supervisor` run it. */
export function runSupervisor(
  config: Config,
  redisUrl: string,
  logger: Logger,
): Promise<Supervisor> {
  return startSupervisor({
    config,
    redisUrl,
    logger,
    launch: createWorkerLauncher({
      env: { ...process.env, REDIS_URL: redisUrl },
      concurrency: config.workers.concurrency,
      logger,
    }),
  });
}

/** `phishnet supervisor`: this host's worker processes, scaled on queue depth. */
export async function supervisorCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    name: 'supervisor',
  });
  // Refused before touching Redis: in Kubernetes mode nothing here should run.
  assertSupervisorAllowed(config);
  const redis = await resolveRedis(config);
  try {
    const supervisor = await runSupervisor(config, redis.url, logger);
    onShutdown(
      logger,
      async () => {
        await supervisor.close();
        await redis.stop();
      },
      {
        deadlineMs: config.workers.shutdownGraceMs + SHUTDOWN_CLOSE_MS + SUPERVISOR_CLOSE_MARGIN_MS,
      },
    );
  } catch (err) {
    await redis.stop();
    throw err;
  }
}
