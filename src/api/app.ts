import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { QueueEvents } from 'bullmq';
import type { WorkLane } from '../contracts/queues.ts';
import type { Config } from '../config/config.ts';
import type { JobsDeps } from '../jobs/jobs.ts';
import { AppError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { createTokenVerifier, hasTokenKeys, type TokenVerifier } from './auth/tokens.ts';
import { registerAuth, selectSubprotocol } from './plugins/auth.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { registerMetrics } from './plugins/metrics.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { registerQueueDashboard } from './plugins/queue-dashboard.ts';
import { registerWebApp } from './plugins/web-app.ts';
import { registerRateLimits } from './plugins/rate-limit.ts';
import { JobEventHub } from './realtime/job-events.ts';
import { SystemStatusBroadcaster } from './realtime/system-status.ts';
import { wsRoutes } from './realtime/ws-routes.ts';
import { adminLoginRoutes } from './routes/admin-login.ts';
import { healthRoutes } from './routes/health.ts';
import { analysisRoutes } from './routes/v1/analysis.ts';
import { authRoutes } from './routes/v1/auth.ts';
import { workersRoutes } from './routes/v1/workers.ts';

export interface ApiDeps {
  jobs: JobsDeps;
  events: Record<WorkLane, QueueEvents>;
  logger: Logger;
}

/** Small JSON and WebSocket messages are all clients send besides emails. */
const WS_MAX_PAYLOAD_BYTES = 4 * 1024;
/** A client's own request id is kept when it is this tame; otherwise a fresh one is made. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The token check for this configuration: null when authentication is off
 * (said loudly), and a refusal to start when there is nothing to check against.
 */
function tokenVerifier(config: Config, logger: Logger): TokenVerifier | null {
  if (config.auth.disabled) {
    logger.warn(
      'AUTHENTICATION IS DISABLED (PHISHNET_AUTH_DISABLED=true): every request acts as an admin. Never expose this instance.',
    );
    return null;
  }
  if (!hasTokenKeys(config.auth)) {
    throw new AppError(
      'CONFIG_INVALID',
      'invalid configuration: no way to check tokens; set PHISHNET_JWT_SECRET (or PHISHNET_JWT_SECRET_FILE) or PHISHNET_JWKS_URL (PHISHNET_AUTH_DISABLED=true turns authentication off)',
    );
  }
  return createTokenVerifier(config.auth);
}

/** Builds the HTTP and WebSocket API. It never listens, so tests use `inject()` or listen themselves. */
export async function buildApp(config: Config, deps: ApiDeps): Promise<FastifyInstance> {
  const verify = tokenVerifier(config, deps.logger);
  const app = Fastify({
    loggerInstance: deps.logger,
    // Routes that take an email raise this for themselves.
    bodyLimit: config.limits.maxJsonBodyBytes,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    },
  }) as unknown as FastifyInstance;
  // JSON and multipart uploads only: anything else is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, { exposeStacks: config.logLevel === 'debug' });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      // PhishNet is often reached over plain HTTP inside a network; upgrading would break it.
      directives: { upgradeInsecureRequests: null },
    },
  });
  // Closed unless origins are listed: no CORS headers, so browsers keep other sites out.
  const corsOrigins = [...config.cors.origins];
  await app.register(cors, {
    origin: corsOrigins.length > 0 ? corsOrigins : false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    exposedHeaders: [
      'retry-after',
      'x-request-id',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
    ],
    maxAge: 600,
  });

  // Before the auth hooks: its own hook marks upgrade requests, so a refused upgrade's socket is closed.
  await app.register(websocket, {
    options: { maxPayload: WS_MAX_PAYLOAD_BYTES, handleProtocols: selectSubprotocol },
  });
  const credentials = { redis: deps.jobs.redis, prefix: deps.jobs.prefix };
  registerAuth(app, { verify, credentials, corsOrigins });
  const rateLimits = registerRateLimits(app, {
    redis: deps.jobs.redis,
    prefix: deps.jobs.prefix,
    limits: config.rateLimits,
  });
  registerMetrics(app, { jobs: deps.jobs, token: config.metricsToken });

  await registerOpenApi(app, '0.1.0');
  const { limits } = config;
  await app.register(multipart, {
    limits: { fileSize: limits.maxEmailBytes, files: 1, fields: 10, parts: 11 },
  });

  const hub = new JobEventHub(deps.jobs, deps.events);
  const system = new SystemStatusBroadcaster(deps.jobs.queues, config.systemStatusIntervalMs);
  app.addHook('onClose', () => {
    system.stop();
    hub.close();
  });

  healthRoutes(app, { redis: deps.jobs.redis });
  adminLoginRoutes(app);
  await app.register(
    (v1, _opts, done) => {
      authRoutes(v1, { credentials });
      analysisRoutes(v1, { jobs: deps.jobs, limits, rateLimits });
      workersRoutes(v1, {
        jobs: deps.jobs,
        metricsSnapshotMs: config.metricsSnapshotMs,
        scale: config.scale,
      });
      done();
    },
    { prefix: '/api/v1' },
  );
  wsRoutes(app, {
    jobs: deps.jobs,
    hub,
    system,
    maxMessagesPerSecond: config.rateLimits.wsMessagesPerSecond,
  });
  await registerQueueDashboard(app, deps.jobs.queues);
  await registerWebApp(app);
  return app;
}
