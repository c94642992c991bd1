/**
 * Authentication and authorization of the HTTP API, against the running app
 * and a real Redis: who gets in with which token, and what each role may do.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFor } from '../../src/api/plugins/auth.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { isAppError } from '../../src/lib/errors.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const JOB = '00000000-0000-4000-8000-000000000000';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('bearer tokens on /api/v1', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const me = (authorization?: string) =>
    stack.inject({
      url: '/api/v1/auth/me',
      headers: authorization === undefined ? { authorization: '' } : { authorization },
    });

  it.each([
    ['GET', '/api/v1/auth/me'],
    ['GET', `/api/v1/analysis/status/${JOB}`],
    ['POST', '/api/v1/analysis/submit'],
    ['POST', '/api/v1/analysis/submit-bulk'],
    ['DELETE', `/api/v1/analysis/${JOB}`],
    ['GET', '/api/v1/workers/status'],
    ['POST', '/api/v1/ws-ticket'],
    ['GET', '/api/v1/no-such-route'],
  ])(
    'answers %s %s without a token with 401, a request id and WWW-Authenticate',
    async (method, url) => {
      const response = await stack.app.inject({
        method: method as 'GET',
        url,
        ...(method === 'POST' ? { payload: { content: 'x', analysis_type: 'quick' } } : {}),
      });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      const body = response.json<{ error: { code: string; message: string }; requestId: string }>();
      expect(body.error.code).toBe('API_UNAUTHORIZED');
      expect(body.error.message).toMatch(/bearer token is required/);
      expect(body.requestId).toBe(response.headers['x-request-id']);
    },
  );

  it('names the caller of a valid token', async () => {
    const response = await me(`Bearer ${await stack.token('alice', 'analyst')}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sub: 'alice', role: 'analyst' });
  });

  it.each([
    ['an expired token', { claims: { exp: Math.floor(Date.now() / 1000) - 60 } }, /expired/],
    ['a token signed with another secret', { secret: 'x'.repeat(40) }, /signature/],
    ['a token for another audience', { claims: { aud: 'someone-else' } }, /`aud`/],
    ['a token from another issuer', { claims: { iss: 'https://evil.example' } }, /`iss`/],
    ['a token without a role', { claims: { role: undefined } }, /role/],
    ['a token with an unknown role', { claims: { role: 'root' } }, /role/],
    ['a token without a subject', { claims: { sub: undefined } }, /`sub`|sub/],
    ['a token not yet valid', { claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } }, /`nbf`/],
  ])('refuses %s with 401 saying why', async (_name, overrides, reason) => {
    const response = await me(`Bearer ${await stack.token('alice', 'analyst', overrides)}`);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('invalid_token');
    expect(response.json<{ error: { message: string } }>().error.message).toMatch(reason);
  });

  it('refuses a token with alg "none"', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
      sub: 'mallory',
      role: 'admin',
      iss: 'phishnet',
      aud: 'phishnet',
      exp: now + 600,
    })}.`;
    const response = await me(`Bearer ${unsigned}`);
    expect(response.statusCode).toBe(401);
    expect(response.json<{ error: { message: string } }>().error.message).toMatch(
      /algorithm|malformed/,
    );
  });

  it('refuses HS384 and HS512 even with the right secret: only HS256 is configured', async () => {
    for (const alg of ['HS384', 'HS512']) {
      const token = await new SignJWT({
        sub: 'alice',
        role: 'admin',
        iss: 'phishnet',
        aud: 'phishnet',
      })
        .setProtectedHeader({ alg })
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(stack.config.auth.jwtSecret));
      const response = await me(`Bearer ${token}`);
      expect(response.statusCode).toBe(401);
      expect(response.json<{ error: { message: string } }>().error.message).toMatch(/algorithm/);
    }
  });

  it.each([
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['no token after Bearer', 'Bearer'],
    ['garbage', 'Bearer not.a.jwt'],
  ])('refuses %s with 401', async (_name, header) => {
    const response = await me(header);
    expect(response.statusCode).toBe(401);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('API_UNAUTHORIZED');
  });

  it('leaves health, readiness, docs and the login page open', async () => {
    for (const url of ['/healthz', '/readyz', '/docs/json', '/admin/login']) {
      const response = await stack.app.inject({ url });
      expect(response.statusCode, url).toBe(200);
    }
  });

  it('documents the bearer scheme on every /api route of the OpenAPI document', async () => {
    const doc = (await stack.app.inject({ url: '/docs/json' })).json<{
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown }>>;
    }>();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ scheme: 'bearer' });
    const apiOperations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([, operations]) => Object.values(operations));
    expect(apiOperations.length).toBeGreaterThan(10);
    for (const operation of apiOperations) expect(operation.security).toEqual([{ bearerAuth: [] }]);
  });
});

describe('roles', () => {
  let stack: TestStack;
  let analyst: string;
  beforeAll(async () => {
    stack = await startTestStack();
    analyst = `Bearer ${await stack.token('alice', 'analyst')}`;
  });
  afterAll(async () => {
    await stack.close();
  });

  it.each([
    ['GET', '/api/v1/workers/status'],
    ['GET', '/api/v1/workers/stats'],
    ['GET', '/api/v1/workers/queues'],
    ['POST', '/api/v1/workers/queues/realtime/pause'],
    ['POST', '/api/v1/workers/queues/realtime/resume'],
    ['GET', '/api/v1/workers/history'],
    ['GET', '/api/v1/workers/dlq'],
    ['POST', '/api/v1/workers/dlq/some-task/replay'],
    ['POST', '/api/v1/workers/dlq/replay-all'],
    ['DELETE', '/api/v1/workers/dlq/clear'],
    ['GET', '/api/v1/workers/scale'],
    ['POST', '/api/v1/workers/scale'],
    ['GET', '/api/v1/%77orkers/status'],
    ['GET', '/admin/queues'],
    ['GET', '/admin/queues/api/queues'],
  ])('answers an analyst on %s %s with 403', async (method, url) => {
    const response = await stack.inject({ method, url, headers: { authorization: analyst } });
    expect(response.statusCode).toBe(403);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('API_FORBIDDEN');
  });

  it('lets an admin through the same routes', async () => {
    for (const url of [
      '/api/v1/workers/status',
      '/api/v1/workers/dlq',
      '/admin/queues/api/queues',
    ]) {
      expect((await stack.inject({ url })).statusCode, url).toBe(200);
    }
    expect(await stack.jobs.queues.realtime.isPaused()).toBe(false);
  });

  it('did not pause the lane the analyst asked to pause', async () => {
    expect(await stack.jobs.queues.realtime.isPaused()).toBe(false);
  });
});

describe('the access table', () => {
  it.each([
    ['GET', '/healthz', 'public'],
    ['GET', '/metrics', 'public'],
    ['GET', '/docs/static/index.html', 'public'],
    ['GET', '/', 'public'],
    ['GET', '/admin/login', 'public'],
    ['OPTIONS', '/api/v1/analysis/submit', 'public'],
    ['GET', '/api/v1/analysis/status/:job_id', 'api:analyst'],
    ['GET', '/api/v1/workers/status', 'api:admin'],
    ['POST', '/api/v1/workers/dashboard', 'api:admin'],
    ['GET', '/api/v1/workers/dashboard', 'dashboard'],
    ['GET', '/api/v1/workers/dashboard/assets/app.js', 'dashboard'],
    ['GET', '/admin/queues/*', 'dashboard'],
    ['GET', '/ws/jobs/:job_id', 'websocket:analyst'],
    ['GET', '/ws/system', 'websocket:admin'],
    ['GET', '/api', 'api:analyst'],
    ['GET', '/apiary', 'public'],
  ])('%s %s is %s', (method, path, expected) => {
    const access = accessFor(method, path);
    const label = 'role' in access ? `${access.kind}:${access.role}` : access.kind;
    expect(label).toBe(expected);
  });
});

describe('tokens from an identity provider (JWKS)', () => {
  let server: Server;
  let jwks: { keys: JWK[] } = { keys: [] };
  let up = true;
  let stack: TestStack;
  let rsa: CryptoKey;
  let ec: CryptoKey;
  let stranger: CryptoKey;

  const sign = (key: CryptoKey, alg: string, kid: string, claims: Record<string, unknown> = {}) =>
    new SignJWT({ sub: 'carol', role: 'analyst', ...claims })
      .setProtectedHeader({ alg, kid })
      .setIssuer('https://idp.example')
      .setAudience('phishnet-api')
      .setExpirationTime('10m')
      .sign(key);

  beforeAll(async () => {
    const rsaPair = await generateKeyPair('RS256');
    const ecPair = await generateKeyPair('ES256');
    rsa = rsaPair.privateKey;
    ec = ecPair.privateKey;
    stranger = (await generateKeyPair('RS256')).privateKey;
    jwks = {
      keys: [
        { ...(await exportJWK(rsaPair.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ecPair.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ],
    };
    server = createServer((_req, res) => {
      if (!up) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    stack = await startTestStack({
      env: {
        PHISHNET_JWT_SECRET: '',
        PHISHNET_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        PHISHNET_JWT_ISSUER: 'https://idp.example',
        PHISHNET_JWT_AUDIENCE: 'phishnet-api',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  const me = (token: string) =>
    stack.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

  it('accepts RS256 and ES256 tokens signed by keys in the set', async () => {
    expect((await me(await sign(rsa, 'RS256', 'rsa-1'))).json()).toEqual({
      sub: 'carol',
      role: 'analyst',
    });
    expect((await me(await sign(ec, 'ES256', 'ec-1'))).statusCode).toBe(200);
  });

  it('refuses a token signed by a key outside the set, even under a known kid', async () => {
    expect((await me(await sign(stranger, 'RS256', 'rsa-1'))).statusCode).toBe(401);
    const unknownKid = await me(await sign(stranger, 'RS256', 'nobody'));
    expect(unknownKid.statusCode).toBe(401);
    expect(unknownKid.json<{ error: { message: string } }>().error.message).toMatch(
      /no signing key/,
    );
  });

  it('refuses HS256 when no secret is configured (no key confusion)', async () => {
    const publicJwk = jwks.keys[0]!;
    const token = await new SignJWT({ sub: 'mallory', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setIssuer('https://idp.example')
      .setAudience('phishnet-api')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    const response = await me(token);
    expect(response.statusCode).toBe(401);
    expect(response.json<{ error: { message: string } }>().error.message).toMatch(/algorithm/);
  });

  it('answers 503 when the keys cannot be fetched', async () => {
    up = false;
    try {
      // A kid it has not cached makes it fetch again (after its cooldown, or at first use).
      const fresh = await startTestStack({
        env: {
          PHISHNET_JWT_SECRET: '',
          PHISHNET_JWKS_URL: stack.config.auth.jwksUrl ?? '',
          PHISHNET_JWT_ISSUER: 'https://idp.example',
          PHISHNET_JWT_AUDIENCE: 'phishnet-api',
        },
      });
      try {
        const response = await fresh.inject({
          url: '/api/v1/auth/me',
          headers: { authorization: `Bearer ${await sign(rsa, 'RS256', 'rsa-1')}` },
        });
        expect(response.statusCode).toBe(503);
        expect(response.json<{ error: { code: string } }>().error.code).toBe(
          'API_AUTH_UNAVAILABLE',
        );
      } finally {
        await fresh.close();
      }
    } finally {
      up = true;
    }
  });
});

describe('without any way to check tokens', () => {
  it('refuses to build the API unless authentication is explicitly disabled', async () => {
    let caught: unknown;
    try {
      const stack = await startTestStack({ env: { PHISHNET_JWT_SECRET: '' } });
      await stack.close();
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(/PHISHNET_JWT_SECRET.*PHISHNET_JWKS_URL/);
  });

  it('with PHISHNET_AUTH_DISABLED lets everyone in as an admin, and says so at warn', async () => {
    let logged = '';
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged += chunk.toString();
          done();
        },
      }),
    });
    const stack = await startTestStack({
      env: { PHISHNET_JWT_SECRET: '', PHISHNET_AUTH_DISABLED: 'true' },
      logger,
    });
    try {
      const response = await stack.app.inject({ url: '/api/v1/auth/me' });
      expect(response.json()).toEqual({ sub: 'anonymous', role: 'admin' });
      expect((await stack.app.inject({ url: '/api/v1/workers/status' })).statusCode).toBe(200);
      const line = logged.split('\n').find((l) => l.includes('AUTHENTICATION IS DISABLED'));
      expect(line && (JSON.parse(line) as { level: number }).level).toBe(40);
    } finally {
      await stack.close();
    }
  });
});
