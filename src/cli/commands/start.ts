import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../lib/logger.ts';
import { startScheduler } from '../../worker/scheduler.ts';
import { redact, resolveRedis } from '../local-redis.ts';
import { serveApi } from '../serve-api.ts';
import { onShutdown } from '../shutdown.ts';
import { runWorkerProcesses } from '../worker-processes.ts';

/** `phishnet start` (and `npm start`): API, workers and scheduler on one machine. */
export async function startCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'phishnet' });
  const redis = await resolveRedis(config);
  try {
    const api = await serveApi(config, redis.url, logger);
    const scheduler = await startScheduler({ config, redisUrl: redis.url, logger });
    const workers = runWorkerProcesses({
      count: config.workers.processes,
      args: ['--concurrency', String(config.workers.concurrency)],
      env: { ...process.env, REDIS_URL: redis.url },
      logger,
    });
    const base = api.url.replace('127.0.0.1', 'localhost');
    process.stdout.write(
      [
        '',
        `PhishNet is running (Redis: ${redact(redis.url)}, ${redis.origin}; ${config.workers.processes} worker processes)`,
        `  Web app      ${base}/ (submit, jobs, verdicts; a token signs in)`,
        `  Workers      ${base}/api/v1/workers/dashboard`,
        `  API          ${base}/api/v1`,
        `  API docs     ${base}/docs`,
        `  WebSocket    ${base.replace(/^http/, 'ws')}/ws/jobs/{job_id}, /ws/system`,
        `  Queues       ${base}/admin/queues (BullMQ dashboard)`,
        `  Health       ${base}/healthz, ${base}/readyz`,
        '',
        'Try it:',
        `  curl -s -X POST ${base}/api/v1/analysis/submit -H 'content-type: application/json' \\`,
        `    -d '{"subject":"Verify your account","sender":"PayPal <alert@paypa1-secure.com>","content":"<a href=\\"http://192.0.2.7/login\\">https://www.paypal.com/signin</a>","analysis_type":"quick"}'`,
        '',
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
    onShutdown(logger, async () => {
      await api.close();
      await scheduler.close();
      await workers.stop();
      await redis.stop();
    });
  } catch (err) {
    await redis.stop();
    throw err;
  }
}
