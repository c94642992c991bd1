/** The React app served by the API: assets, the SPA fallback, and what stays the API's. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../../src/api/plugins/errors.ts';
import { registerWebApp } from '../../src/api/plugins/web-app.ts';

const PAGE = '<!doctype html><html><body><div id="root"></div></body></html>';

async function appServing(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  registerErrorHandling(app, { exposeStacks: false });
  app.get('/api/v1/known', () => ({ ok: true }));
  await registerWebApp(app, { root });
  await app.ready();
  return app;
}

describe('the web app, built', () => {
  let root: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'phishnet-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), PAGE);
    writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    app = await appServing(root);
  });
  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves the app at / and at the app's own paths, never cached stale", async () => {
    for (const url of ['/', '/jobs/123', '/batches', '/dashboard?x=1']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toBe(PAGE);
    }
  });

  it("serves the seed's dashboard URL as the app", async () => {
    const response = await app.inject({ url: '/api/v1/workers/dashboard' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(PAGE);
  });

  it('serves hashed assets with a long cache, and 404s a missing one', async () => {
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    const missing = await app.inject({ url: '/assets/index-gone.js' });
    expect(missing.statusCode).toBe(404);
  });

  it("leaves the server's paths alone: unknown ones stay JSON 404s", async () => {
    expect((await app.inject({ url: '/api/v1/known' })).json()).toEqual({ ok: true });
    for (const url of [
      '/api/v1/nope',
      '/api',
      '/ws/nope',
      '/docs/x',
      '/admin/x',
      '/metrics',
      '/healthz',
      '/readyz',
    ]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('API_ROUTE_NOT_FOUND');
    }
    const post = await app.inject({ method: 'POST', url: '/jobs' });
    expect(post.statusCode).toBe(404);
  });
});

describe('the web app, not built', () => {
  it('answers 503 saying to run npm run build', async () => {
    const root = mkdtempSync(join(tmpdir(), 'phishnet-web-empty-'));
    const app = await appServing(join(root, 'missing'));
    try {
      const response = await app.inject({ url: '/' });
      expect(response.statusCode).toBe(503);
      expect(response.body).toContain('npm run build');
      expect((await app.inject({ url: '/api/v1/workers/dashboard' })).statusCode).toBe(503);
    } finally {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
