import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '../../../contracts/api.ts';
import { authMeSchema, authSessionSchema, wsTicketSchema } from '../../../contracts/auth.ts';
import { withRedis } from '../../../jobs/jobs.ts';
import { AppError } from '../../../lib/errors.ts';
import {
  clearedSessionCookie,
  closeSession,
  issueWsTicket,
  openSession,
  readCookie,
  sessionCookie,
  SESSION_COOKIE,
  type CredentialStore,
} from '../../auth/credentials.ts';
import { principalOf } from '../../plugins/auth.ts';

/** Secure cookies over HTTPS, also when a TLS-terminating proxy says so (a lie only hurts the liar). */
function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

export function authRoutes(app: FastifyInstance, options: { credentials: CredentialStore }): void {
  const { credentials } = options;
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get('/auth/me', {
    schema: {
      summary: 'Who the bearer token says you are',
      tags: ['auth'],
      response: { 200: authMeSchema, 401: errorBodySchema },
    },
    handler: (request) => {
      const { sub, role } = principalOf(request);
      return { sub, role };
    },
  });

  typed.post('/ws-ticket', {
    schema: {
      summary: 'A single-use ticket for one WebSocket connection',
      description:
        'Pass it as `?ticket=…` when opening `/ws/…`; it is good for 30 seconds (never longer than the token) and for one connection, on any API instance. The alternative is the subprotocol pair `["phishnet.bearer", <token>]`.',
      tags: ['auth'],
      response: { 200: wsTicketSchema, 401: errorBodySchema, 503: errorBodySchema },
    },
    handler: (request) => withRedis(() => issueWsTicket(credentials, principalOf(request))),
  });

  typed.post('/auth/session', {
    schema: {
      summary: 'Sign a browser in to the admin dashboards',
      description:
        "Exchanges an admin's bearer token for an HttpOnly, SameSite=Strict cookie (Secure over HTTPS) that only `/admin/queues` and `/api/v1/workers/dashboard` accept, for at most 8 hours and never past the token's expiry. Changes made with the cookie must come from a page of this site. `/admin/login` does this from a form.",
      tags: ['auth'],
      response: { 200: authSessionSchema, 401: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role !== 'admin') {
        throw new AppError('API_FORBIDDEN', 'only admins may open the dashboards');
      }
      const session = await withRedis(() => openSession(credentials, principal));
      reply.header('set-cookie', sessionCookie(session.id, session.ttlSeconds, isHttps(request)));
      reply.header('cache-control', 'no-store');
      return { sub: principal.sub, role: principal.role, expires_in_seconds: session.ttlSeconds };
    },
  });

  typed.delete('/auth/session', {
    schema: {
      summary: 'Sign the browser out of the dashboards',
      tags: ['auth'],
      response: { 204: z.null(), 401: errorBodySchema },
    },
    handler: async (request, reply) => {
      const id = readCookie(request.headers.cookie, SESSION_COOKIE);
      if (id) await withRedis(() => closeSession(credentials, id));
      reply.header('set-cookie', clearedSessionCookie(isHttps(request)));
      return reply.code(204).send(null);
    },
  });
}
