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
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, name: 'worker' });
  const lanes = parseLanes(values.queues, DEFAULT_WORKER_LANES);
  const concurrency = parsePositiveInt(
    '--concurrency',
    values.concurrency,
    config.workers.concurrency,
  );
  // A supervisor may stop a worker that is still starting: remember the signal until
  // the shutdown below can honour it, instead of dying with a heartbeat left behind.
  const pending: { signal: NodeJS.Signals | null } = { signal: null };
  const early = (signal: NodeJS.Signals): void => {
    // A second one means "now", as it would without this handler.
    if (pending.signal !== null) process.exit(1);
    pending.signal = signal;
  };
  process.on('SIGTERM', early);
  process.on('SIGINT', early);
  let redis: Awaited<ReturnType<typeof resolveRedis>>;
  let runtime: Awaited<ReturnType<typeof startWorkers>>;
  try {
    redis = await resolveRedis(config);
    runtime = await startWorkers({ config, redisUrl: redis.url, lanes, concurrency, logger });
  } finally {
    process.off('SIGTERM', early);
    process.off('SIGINT', early);
  }
  onShutdown(
    logger,
    async () => {
      await runtime.close();
      await redis.stop();
    },
    // The grace period, then a bound on handing jobs back and closing connections.
    { deadlineMs: config.workers.shutdownGraceMs + SHUTDOWN_CLOSE_MS },
  );
  // Started by a supervisor (an IPC channel exists): if it dies without stopping this
  // worker, stop cleanly rather than run on where nobody counts or stops it.
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => {
      logger.warn('worker:supervisor:gone');
      // Through the SIGTERM listeners, not a signal: one already shutting down ignores it,
      // where a real second SIGTERM would find no listener and kill the process.
      process.emit('SIGTERM', 'SIGTERM');
    });
  }
  if (pending.signal !== null) process.emit(pending.signal, pending.signal);
}
