import { loadConfig } from '../../config/config.ts';
import type { Supervisor } from '../../worker/supervisor/supervisor.ts';
import { createLogger } from '../../lib/logger.ts';
import { startScheduler } from '../../worker/scheduler.ts';
import { redact, resolveRedis } from '../local-redis.ts';
import { serveApi } from '../serve-api.ts';
import { onShutdown } from '../shutdown.ts';
import { runSupervisor } from './supervisor.ts';
import { prepareSessionAuth } from '../session-auth.ts';

/** `phishnet start` (and `npm start`): API, scheduler, and the supervisor with its workers, on one machine. */
export async function startCommand(): Promise<void> {
  // No secret configured: one for this session, an admin token printed once, loopback only.
  const auth = await prepareSessionAuth(loadConfig());
  const { config } = auth;
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    name: 'phishnet',
  });
  const redis = await resolveRedis(config);
  try {
    const api = await serveApi(config, redis.url, logger);
    const scheduler = await startScheduler({ config, redisUrl: redis.url, logger });
    // In Kubernetes mode KEDA runs the workers; a supervisor here would fight it.
    const supervisor =
      config.scale.orchestrator === 'local' ? await runSupervisor(config, redis.url, logger) : null;
    const base = api.url.replace('127.0.0.1', 'localhost');
    process.stdout.write(
      [
        '',
        `PhishNet is running (Redis: ${redact(redis.url)}, ${redis.origin})`,
        `  Workers      ${describeWorkers(supervisor)}`,
        `  Web app      ${base}/ (submit, jobs, verdicts; a token signs in)`,
        `  Dashboard    ${base}/api/v1/workers/dashboard`,
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
      await supervisor?.close();
      await redis.stop();
    });
  } catch (err) {
    await redis.stop();
    throw err;
  }
}

/** What the supervisor decided at start, in one line; the setting may come from Redis. */
function describeWorkers(supervisor: Supervisor | null): string {
  if (!supervisor) {
    return 'none here: PHISHNET_ORCHESTRATOR=kubernetes, so KEDA scales the worker deployments';
  }
  const state = supervisor.state();
  const count = `${state.desired_workers} worker process${state.desired_workers === 1 ? '' : 'es'} starting`;
  const how =
    state.mode === 'auto'
      ? `scaled between ${state.min_workers} and ${state.max_workers} on queue depth`
      : 'fixed by an operator (POST /api/v1/workers/scale {"mode":"auto"} resumes scaling)';
  return `${count}, ${how}; see GET /api/v1/workers/scale`;
}
