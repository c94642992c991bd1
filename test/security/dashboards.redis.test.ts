/**
 * The dashboards are for admins only. A browser signs in by exchanging an admin
 * token for an HttpOnly, SameSite=Strict cookie that only the dashboards accept;
 * changes made with that cookie must come from this site. Security headers and
 * CORS (closed by default) are checked here too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

function cookieOf(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return (header ?? '').split(';', 1)[0] ?? '';
}

describe('the admin dashboards', () => {
  let stack: TestStack;
  let analyst: string;
  let cookie: string;

  beforeAll(async () => {
    stack = await startTestStack();
    analyst = `Bearer ${await stack.token('alice', 'analyst')}`;
  });
  afterAll(async () => {
    await stack.close();
  });

  it('sends a browser without a session to the sign-in page, and answers an API client 401', async () => {
    const browser = await stack.app.inject({
      url: '/admin/queues',
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toBe('/admin/login?next=%2Fadmin%2Fqueues');
    const client = await stack.app.inject({ url: '/admin/queues/api/queues' });
    expect(client.statusCode).toBe(401);
    expect(client.json()).toMatchObject({ error: { code: 'API_UNAUTHORIZED' } });
    const page = await stack.app.inject({ url: '/admin/login' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<script src="/admin/login.js"></script>');
    expect((await stack.app.inject({ url: '/admin/login.js' })).statusCode).toBe(200);
  });

  it('lets an admin token in and keeps an analyst out', async () => {
    expect((await stack.inject({ url: '/admin/queues' })).statusCode).toBe(200);
    // bull-board's own errors carry the request id too.
    const missing = await stack.inject({ url: '/admin/queues/api/queues/no-such-queue/1' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ requestId: string }>().requestId).toBe(missing.headers['x-request-id']);
    const refused = await stack.inject({
      url: '/admin/queues',
      headers: { authorization: analyst },
    });
    expect(refused.statusCode).toBe(403);
  });

  it('opens a session only for an admin, as an HttpOnly SameSite=Strict cookie', async () => {
    const denied = await stack.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      headers: { authorization: analyst },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['set-cookie']).toBeUndefined();

    const opened = await stack.inject({ method: 'POST', url: '/api/v1/auth/session' });
    expect(opened.statusCode).toBe(200);
    expect(opened.json()).toMatchObject({ sub: 'test-admin', role: 'admin' });
    const header = String(opened.headers['set-cookie']);
    expect(header).toMatch(
      /^phishnet_session=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    cookie = cookieOf(opened.headers['set-cookie']);

    const overTls = await stack.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(String(overTls.headers['set-cookie'])).toMatch(/; Secure$/);
  });

  it('accepts the cookie on the dashboards and nowhere else', async () => {
    const asBrowser = { authorization: '', cookie };
    const board = await stack.app.inject({ url: '/admin/queues', headers: { cookie } });
    expect(board.statusCode).toBe(200);
    expect(board.body).toContain('PhishNet queues');
    expect(
      (await stack.app.inject({ url: '/admin/queues/api/queues', headers: { cookie } })).statusCode,
    ).toBe(200);
    for (const url of ['/api/v1/auth/me', '/api/v1/workers/status', '/api/v1/workers/dlq']) {
      const response = await stack.inject({ url, headers: asBrowser });
      expect(response.statusCode, url).toBe(401);
    }
  });

  it('refuses a cookie-authenticated change from another site, and allows it from this one', async () => {
    const pause = (headers: Record<string, string>) =>
      stack.app.inject({
        method: 'PUT',
        url: '/admin/queues/api/queues/realtime/pause',
        headers: { cookie, ...headers },
      });
    for (const headers of [
      {},
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site' },
    ]) {
      const response = await pause(headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: 'API_CROSS_SITE_REFUSED' } });
    }
    expect(await stack.jobs.queues.realtime.isPaused()).toBe(false);

    const sameOrigin = await pause({
      'sec-fetch-site': 'same-origin',
      origin: 'http://localhost:80',
    });
    expect(sameOrigin.statusCode).toBeLessThan(300);
    expect(await stack.jobs.queues.realtime.isPaused()).toBe(true);
    const byOrigin = await stack.app.inject({
      method: 'PUT',
      url: '/admin/queues/api/queues/realtime/resume',
      headers: { cookie, origin: 'http://localhost:80' },
    });
    expect(byOrigin.statusCode).toBeLessThan(300);
    expect(await stack.jobs.queues.realtime.isPaused()).toBe(false);
  });

  it('lets an admin token change things without an Origin (no cookie, no cross-site risk)', async () => {
    const response = await stack.inject({
      method: 'PUT',
      url: '/admin/queues/api/queues/realtime/pause',
    });
    expect(response.statusCode).toBeLessThan(300);
    await stack.jobs.queues.realtime.resume();
  });

  it('signs the browser out: the cookie stops working', async () => {
    const out = await stack.app.inject({
      method: 'DELETE',
      url: '/api/v1/auth/session',
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^phishnet_session=; .*Max-Age=0/);
    const after = await stack.app.inject({ url: '/admin/queues/api/queues', headers: { cookie } });
    expect(after.statusCode).toBe(401);
  });
});

describe('security headers and CORS', () => {
  let closed: TestStack;
  let open: TestStack;
  beforeAll(async () => {
    closed = await startTestStack();
    open = await startTestStack({ env: { PHISHNET_CORS_ORIGINS: 'https://app.example.com' } });
  });
  afterAll(async () => {
    await open.close();
    await closed.close();
  });

  it('sends helmet’s headers, with a CSP that does not force HTTPS', async () => {
    for (const url of ['/healthz', '/api/v1/auth/me', '/docs', '/admin/queues']) {
      const response = await closed.inject({ url });
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      const csp = String(response.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("object-src 'none'");
      expect(csp, url).not.toContain('upgrade-insecure-requests');
    }
  });

  it('is closed to other origins by default', async () => {
    const preflight = await closed.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/analysis/submit',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await closed.inject({
      url: '/api/v1/auth/me',
      headers: { origin: 'https://app.example.com' },
    });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('opens to the configured origins only', async () => {
    const preflight = (origin: string) =>
      open.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/analysis/submit',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.statusCode).toBeLessThan(300);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('authorization');
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
