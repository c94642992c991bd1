/**
 * The React app (built by `npm run build` into `dist/web`): hashed assets under
 * `/assets/`, and `index.html` for every other GET that is not the API's, so the
 * app's own routes (`/jobs/…`, `/dashboard`) survive a reload. The seed's
 * dashboard URL, `/api/v1/workers/dashboard`, is the same page; the app shows
 * the worker dashboard there. The page itself is public: every request it makes
 * carries the signed-in user's token.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const WORKER_DASHBOARD_PATH = '/api/v1/workers/dashboard';

/** Paths that belong to the server, never to the app: unknown ones stay JSON 404s. */
const SERVER_PREFIXES = ['/api', '/ws', '/docs', '/admin', '/metrics', '/healthz', '/readyz'];

export interface WebAppOptions {
  /** The built app; defaults to `dist/web` of this package. */
  root?: string;
}

export async function registerWebApp(
  app: FastifyInstance,
  options: WebAppOptions = {},
): Promise<void> {
  const root = options.root ?? join(packageRoot(), 'dist', 'web');
  const indexFile = join(root, 'index.html');
  const assets = join(root, 'assets');
  // Hashed file names: a new build has new names, so the old ones may be cached for good.
  if (existsSync(assets)) {
    await app.register(fastifyStatic, {
      root: assets,
      prefix: '/assets/',
      maxAge: '365d',
      immutable: true,
      index: false,
    });
  }

  const sendApp = async (reply: FastifyReply): Promise<FastifyReply> => {
    const page = await readFile(indexFile).catch(() => null);
    if (!page) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          `PhishNet's web app is not built (${indexFile} is missing). Run \`npm run build\`, then restart.\n` +
            'The API is up meanwhile: see /docs.\n',
        );
    }
    // The page names the current hashed assets, so it must never be cached stale.
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page);
  };

  app.get(WORKER_DASHBOARD_PATH, { schema: { hide: true } }, (_request, reply) => sendApp(reply));
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (SERVER_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) {
      reply.callNotFound();
      return reply;
    }
    return sendApp(reply);
  });
}

/** The folder holding package.json: two levels up in source, three in `dist/src`. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the web-app plugin');
    dir = parent;
  }
  return dir;
}
