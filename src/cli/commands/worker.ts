import { parseArgs } from 'node:util';
import { WORK_LANES, type Lane } from '../../contracts/queues.ts';
import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../lib/logger.ts';
import { startWorkers } from '../../worker/worker-runtime.ts';
import { parseLanes, parsePositiveInt } from '../args.ts';
import { resolveRedis } from '../local-redis.ts';
import { onShutdown } from '../shutdown.ts';

/** Time allowed after the grace period for handing jobs back and closing connections. */
export const SHUTDOWN_CLOSE_MS = 10_000;

export const DEFAULT_WORKER_LANES: readonly Lane[] = [...WORK_LANES, 'monitoring'];

/** `phishnet worker --queues realtime,standard --concurrency 4` */
export async function workerCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { queues: { type: 'string' }, concurrency: { type: 'string' } },
  });
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'worker' });
  const lanes = parseLanes(values.queues, DEFAULT_WORKER_LANES);
  const concurrency = parsePositiveInt(
    '--concurrency',
    values.concurrency,
    config.workers.concurrency,
  );
  const redis = await resolveRedis(config);
  const runtime = await startWorkers({ config, redisUrl: redis.url, lanes, concurrency, logger });
  onShutdown(
    logger,
    async () => {
      await runtime.close();
      await redis.stop();
    },
    // The grace period, then a bound on handing jobs back and closing connections.
    { deadlineMs: config.workers.shutdownGraceMs + SHUTDOWN_CLOSE_MS },
  );
}
