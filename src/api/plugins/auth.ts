/**
 * Who is calling, decided once per request in an `onRequest` hook, by path:
 *
 * | path | needs |
 * |---|---|
 * | `/api/v1/workers/*` | an admin's bearer token |
 * | `/api/v1/*` (the rest) | a bearer token (analyst or admin) |
 * | `/ws/jobs/*`, `/ws/batches/*` | a token in `Sec-WebSocket-Protocol`, a `?ticket=`, or a bearer header; an allowed `Origin` |
 * | `/ws/system` | the same, from an admin |
 * | `/admin/*` (bull-board), `GET /api/v1/workers/dashboard*` | an admin: bearer header, or the dashboard session cookie; changes must come from this origin |
 * | everything else (`/healthz`, `/readyz`, `/docs`, `/metrics`, the web app) | nothing (`/metrics` has its own token) |
 *
 * The path is the matched route's pattern (so `%2F` or `%77orkers` tricks match
 * the same rule as the route they reach), or the decoded URL for no route. The
 * WebSocket hooks run before the upgrade, so a refused client gets an HTTP
 * error, never a socket. `request.principal` carries the result.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WS_BEARER_PROTOCOL, type Role } from '../../contracts/auth.ts';
import { AppError } from '../../lib/errors.ts';
import { refuseWith } from './errors.ts';
import {
  readCookie,
  readSession,
  redeemWsTicket,
  SESSION_COOKIE,
  type CredentialStore,
} from '../auth/credentials.ts';
import type { TokenVerifier, VerifiedPrincipal } from '../auth/tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every route that needs one; null on public routes. */
    principal: VerifiedPrincipal | null;
  }
}

export const LOGIN_PATH = '/admin/login';
/** Paths a browser opens directly, so they also take the session cookie. */
export const DASHBOARD_PATHS = ['/admin/queues', '/api/v1/workers/dashboard'] as const;

/** With PHISHNET_AUTH_DISABLED every request is this admin. */
export const ANONYMOUS_ADMIN: VerifiedPrincipal = Object.freeze({
  sub: 'anonymous',
  role: 'admin',
  expiresAtMs: Number.POSITIVE_INFINITY,
});

export type Access =
  | { kind: 'public' }
  | { kind: 'api'; role: Role; cookie: boolean }
  | { kind: 'dashboard' }
  | { kind: 'websocket'; role: Role };

const under = (path: string, prefix: string): boolean =>
  path === prefix || path.startsWith(`${prefix}/`);

/** The rule for a request, from its method and route path (see the table above). */
export function accessFor(method: string, path: string): Access {
  if (method === 'OPTIONS') return { kind: 'public' };
  if (path === LOGIN_PATH || path === `${LOGIN_PATH}.js`) return { kind: 'public' };
  if (under(path, '/admin')) return { kind: 'dashboard' };
  if (under(path, '/api/v1/workers/dashboard') && (method === 'GET' || method === 'HEAD')) {
    return { kind: 'dashboard' };
  }
  if (under(path, '/api/v1/workers')) return { kind: 'api', role: 'admin', cookie: false };
  if (path === '/api/v1/auth/session' && method === 'DELETE') {
    return { kind: 'api', role: 'analyst', cookie: true };
  }
  if (under(path, '/api')) return { kind: 'api', role: 'analyst', cookie: false };
  if (path === '/ws/system') return { kind: 'websocket', role: 'admin' };
  if (under(path, '/ws')) return { kind: 'websocket', role: 'analyst' };
  return { kind: 'public' };
}

function routePath(request: FastifyRequest): string {
  const pattern = request.routeOptions.url;
  // A wildcard (the web app's catch-all) says nothing about the path: judge the path itself.
  if (pattern !== undefined && !pattern.includes('*')) return pattern;
  const raw = request.url.split('?', 1)[0] ?? '/';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Whether an `Origin` is this API's own (same host) or one PHISHNET_CORS_ORIGINS lists. */
export function isAllowedOrigin(
  origin: string,
  host: string | undefined,
  corsOrigins: readonly string[],
): boolean {
  if (!URL.canParse(origin)) return false;
  const url = new URL(origin);
  if (corsOrigins.includes(url.origin)) return true;
  // `Host: example.com:80` and `Origin: http://example.com` are the same place.
  const own = host === undefined ? '' : `${url.protocol}//${host}`;
  return URL.canParse(own) && new URL(own).host === url.host;
}

/**
 * A cookie-authenticated change must come from a page of this origin. Browsers
 * send `Sec-Fetch-Site` (recent ones) or at least `Origin` with every non-GET
 * fetch; a request with neither did not come from a browser page, so it has no
 * business carrying the cookie.
 */
function isSameOriginChange(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = request.headers.origin;
  return origin !== undefined && isAllowedOrigin(origin, request.headers.host, []);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new AppError('API_UNAUTHORIZED', 'expected `Authorization: Bearer <token>`');
  }
  return match[1];
}

function subprotocols(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** For `ws`'s `handleProtocols`: answer the bearer subprotocol, never echo the token. */
export function selectSubprotocol(protocols: Set<string>): string | false {
  return protocols.has(WS_BEARER_PROTOCOL) ? WS_BEARER_PROTOCOL : false;
}

export interface AuthOptions {
  /** Null only when authentication is disabled. */
  verify: TokenVerifier | null;
  credentials: CredentialStore;
  corsOrigins: readonly string[];
}

const NO_TOKEN =
  'a bearer token is required: `Authorization: Bearer <token>` (see `phishnet token`, or GET /api/v1/auth/me to check one)';

export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  const { verify, credentials, corsOrigins } = options;
  app.decorateRequest('principal', null);
  if (!verify) {
    // Authentication is off (PHISHNET_AUTH_DISABLED): every protected route has an admin.
    app.addHook('onRequest', (request, _reply, done) => {
      if (accessFor(request.method, routePath(request)).kind !== 'public') {
        request.principal = ANONYMOUS_ADMIN;
      }
      done();
    });
    return;
  }

  const unauthorized = (reply: FastifyReply, message: string): AppError => {
    reply.header('www-authenticate', 'Bearer realm="phishnet"');
    return new AppError('API_UNAUTHORIZED', message);
  };

  const checkToken = async (reply: FastifyReply, token: string): Promise<VerifiedPrincipal> => {
    try {
      return await verify(token);
    } catch (err) {
      if (err instanceof AppError && err.code === 'API_UNAUTHORIZED') {
        reply.header('www-authenticate', 'Bearer realm="phishnet", error="invalid_token"');
      }
      throw err;
    }
  };

  /** Bearer header first; the session cookie only where `cookie` allows it. */
  const fromHeaderOrCookie = async (
    request: FastifyRequest,
    reply: FastifyReply,
    cookie: boolean,
  ): Promise<VerifiedPrincipal | null> => {
    const token = bearerToken(request.headers.authorization);
    if (token !== undefined) return checkToken(reply, token);
    if (!cookie) return null;
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (!id) return null;
    const principal = await readSession(credentials, id);
    if (principal && !SAFE_METHODS.has(request.method) && !isSameOriginChange(request)) {
      throw new AppError(
        'API_CROSS_SITE_REFUSED',
        'a change made with the dashboard cookie must come from a page of this site',
      );
    }
    return principal;
  };

  const fromWebSocket = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<VerifiedPrincipal | null> => {
    const origin = request.headers.origin;
    if (origin !== undefined && !isAllowedOrigin(origin, request.headers.host, corsOrigins)) {
      throw new AppError(
        'API_CROSS_SITE_REFUSED',
        `WebSocket connections from origin ${origin} are not allowed (PHISHNET_CORS_ORIGINS)`,
      );
    }
    const offered = subprotocols(request.headers['sec-websocket-protocol']);
    if (offered.includes(WS_BEARER_PROTOCOL)) {
      const token = offered.find((protocol) => protocol !== WS_BEARER_PROTOCOL);
      if (token === undefined) {
        throw unauthorized(
          reply,
          `subprotocol ${WS_BEARER_PROTOCOL} must be followed by the token`,
        );
      }
      return checkToken(reply, token);
    }
    const ticket = (request.query as Record<string, unknown> | undefined)?.ticket;
    if (typeof ticket === 'string' && ticket !== '') {
      const principal = await redeemWsTicket(credentials, ticket);
      if (!principal) throw unauthorized(reply, 'the ticket is unknown, used or expired');
      return principal;
    }
    return fromHeaderOrCookie(request, reply, false);
  };

  const authenticate = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const path = routePath(request);
    const access = accessFor(request.method, path);
    if (access.kind === 'public') return;
    let principal: VerifiedPrincipal | null;
    switch (access.kind) {
      case 'api':
        principal = await fromHeaderOrCookie(request, reply, access.cookie);
        break;
      case 'websocket':
        principal = await fromWebSocket(request, reply);
        break;
      case 'dashboard':
        principal = await fromHeaderOrCookie(request, reply, true);
        if (!principal && request.method === 'GET' && acceptsHtml(request)) {
          const next = request.url.split('?', 1)[0] ?? '/';
          await reply.redirect(`${LOGIN_PATH}?next=${encodeURIComponent(next)}`, 302);
          return;
        }
        break;
    }
    if (!principal) {
      throw unauthorized(
        reply,
        access.kind === 'dashboard'
          ? `the dashboards need an admin: sign in at ${LOGIN_PATH}, or send \`Authorization: Bearer <token>\``
          : NO_TOKEN,
      );
    }
    const role = access.kind === 'dashboard' ? 'admin' : access.role;
    if (role === 'admin' && principal.role !== 'admin') {
      throw new AppError('API_FORBIDDEN', `${request.method} ${path} needs the admin role`);
    }
    request.principal = principal;
  };

  app.addHook('onRequest', (request, reply) =>
    refuseWith(request, reply, () => authenticate(request, reply)),
  );
}

function acceptsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/.test(request.headers.accept ?? '');
}

/** The caller of a route the auth hook protects. */
export function principalOf(request: FastifyRequest): VerifiedPrincipal {
  const { principal } = request;
  if (!principal) {
    // Only a route outside the hook's table could get here: a bug, not a client error.
    throw new Error(`no principal on ${request.method} ${request.url}: route is not protected`);
  }
  return principal;
}

/** Admins see everything; analysts what they submitted. */
export function mayAccess(principal: VerifiedPrincipal, owner: string): boolean {
  return principal.role === 'admin' || owner === principal.sub;
}
