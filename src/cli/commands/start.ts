import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../lib/logger.ts';
import { startScheduler } from '../../worker/scheduler.ts';
import { redact, resolveRedis } from '../local-redis.ts';
import { serveApi } from '../serve-api.ts';
import { onShutdown } from '../shutdown.ts';
import { prepareSessionAuth } from '../session-auth.ts';
import { runWorkerProcesses } from '../worker-processes.ts';

/** `phishnet start` (and `npm start`): API, workers and scheduler on one machine. */
export async function startCommand(): Promise<void> {
  // No secret configured: one for this session, an admin token printed once, loopback only.
  const auth = await prepareSessionAuth(loadConfig());
  const { config } = auth;
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
        `  API          ${base}/api/v1`,
        `  API docs     ${base}/docs`,
        `  WebSocket    ${base.replace(/^http/, 'ws')}/ws/jobs/{job_id}, /ws/system`,
        `  Queues       ${base}/admin/queues (BullMQ dashboard; admins sign in at ${base}/admin/login)`,
        `  Health       ${base}/healthz, ${base}/readyz`,
        ...auth.banner,
        '',
        'Try it:',
        `  curl -s -X POST ${base}/api/v1/analysis/submit -H "authorization: Bearer $${auth.tokenVariable}" \\`,
        `    -H 'content-type: application/json' \\`,
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
