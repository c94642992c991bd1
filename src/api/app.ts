import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { QueueEvents } from 'bullmq';
import type { WorkLane } from '../contracts/queues.ts';
import type { Config } from '../config/config.ts';
import type { JobsDeps } from '../jobs/jobs.ts';
import type { Logger } from '../lib/logger.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { registerMetrics } from './plugins/metrics.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { registerQueueDashboard } from './plugins/queue-dashboard.ts';
import { registerWebApp } from './plugins/web-app.ts';
import { JobEventHub } from './realtime/job-events.ts';
import { SystemStatusBroadcaster } from './realtime/system-status.ts';
import { wsRoutes } from './realtime/ws-routes.ts';
import { healthRoutes } from './routes/health.ts';
import { analysisRoutes } from './routes/v1/analysis.ts';
import { workersRoutes } from './routes/v1/workers.ts';

export interface ApiDeps {
  jobs: JobsDeps;
  events: Record<WorkLane, QueueEvents>;
  logger: Logger;
}

/** Small JSON and WebSocket messages are all clients send besides emails. */
const WS_MAX_PAYLOAD_BYTES = 4 * 1024;
const JSON_OVERHEAD_BYTES = 1024 * 1024;

/** Builds the HTTP and WebSocket API. It never listens, so tests use `inject()` or listen themselves. */
export async function buildApp(config: Config, deps: ApiDeps): Promise<FastifyInstance> {
  const maxEmailBytes = config.limits.maxEmailBytes;
  const app = Fastify({
    loggerInstance: deps.logger,
    // base64 makes an email a third larger; the JSON around it is small.
    bodyLimit: Math.ceil((maxEmailBytes * 4) / 3) + JSON_OVERHEAD_BYTES,
    requestIdHeader: 'x-request-id',
  }) as unknown as FastifyInstance;
  // JSON and multipart uploads only: anything else is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, { exposeStacks: config.logLevel === 'debug' });
  registerMetrics(app, { jobs: deps.jobs, token: config.metricsToken });

  await registerOpenApi(app, '0.1.0');
  await app.register(multipart, { limits: { fileSize: maxEmailBytes, files: 1, fields: 10 } });
  await app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD_BYTES } });

  const hub = new JobEventHub(deps.jobs, deps.events);
  const system = new SystemStatusBroadcaster(deps.jobs.queues, config.systemStatusIntervalMs);
  app.addHook('onClose', () => {
    system.stop();
    hub.close();
  });

  healthRoutes(app, { redis: deps.jobs.redis });
  await app.register(
    (v1, _opts, done) => {
      analysisRoutes(v1, {
        jobs: deps.jobs,
        maxEmailBytes,
        bulkMaxEmails: config.limits.bulkMaxEmails,
      });
      workersRoutes(v1, {
        jobs: deps.jobs,
        metricsSnapshotMs: config.metricsSnapshotMs,
        scale: config.scale,
      });
      done();
    },
    { prefix: '/api/v1' },
  );
  wsRoutes(app, { jobs: deps.jobs, hub, system });
  await registerQueueDashboard(app, deps.jobs.queues);
  await registerWebApp(app);
  return app;
}
