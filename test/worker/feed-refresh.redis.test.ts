import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IntelStore } from '../../src/jobs/intel-store.ts';
import { freePort } from '../../src/cli/local-redis.ts';
import { downloadFeed, refreshFeeds, type FeedSource } from '../../src/worker/feed-refresh.ts';

const redis = new Redis(inject('redisUrl'));
const root = `test-${randomUUID()}`;
let stores = 0;
const freshStore = (): IntelStore => new IntelStore(redis, `${root}:${String(stores++)}`);

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url));

/** Resolves when the client gives up on the endless body of /endless.txt. */
let endlessClosed: Promise<void> = Promise.resolve();

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  const file = /^\/feeds\/([\w.-]+)$/.exec(path)?.[1];
  if (file !== undefined) {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(fixture(file));
    return;
  }
  switch (path) {
    case '/broken':
      res.writeHead(500).end('internal error');
      return;
    case '/declared-huge':
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write('evil.example\n');
      return;
    case '/endless.txt': {
      // No content-length: the size is only known by reading, so the reader must stop itself.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const line = 'https://endless.example/' + 'x'.repeat(1_000) + '\n';
      const timer = setInterval(() => res.write(line.repeat(16)), 2);
      endlessClosed = new Promise((done) => {
        res.on('close', () => {
          clearInterval(timer);
          done();
        });
      });
      return;
    }
    case '/slow':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('slow.example\n'); // and then nothing more
      return;
    default:
      res.writeHead(404).end();
  }
}

const server = createServer(route);
let base = '';

beforeAll(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  const found = await redis.keys(`${root}:*`);
  if (found.length) await redis.del(...found);
  await redis.quit();
});

const budgets = { timeoutMs: 2_000, maxBytes: 64 * 1024 };

describe('refreshFeeds', () => {
  it('loads every feed that can be fetched and reports the ones that cannot', async () => {
    const store = freshStore();
    const feeds: FeedSource[] = [
      { name: 'openphish', url: `${base}/feeds/openphish.txt`, format: 'plain' },
      { name: 'broken', url: `${base}/broken`, format: 'plain' },
      { name: 'urlhaus', url: `${base}/feeds/urlhaus.csv`, format: 'urlhaus_csv' },
      { name: 'endless', url: `${base}/endless.txt`, format: 'plain' },
      { name: 'declared-huge', url: `${base}/declared-huge`, format: 'plain' },
      { name: 'phishtank', url: `${base}/feeds/phishtank.json`, format: 'phishtank_json' },
      { name: 'bazaar', url: `${base}/feeds/malwarebazaar.csv`, format: 'hash_csv' },
    ];
    const results = await refreshFeeds(store, feeds, budgets);
    expect(results).toEqual([
      { name: 'openphish', loaded: 5, skipped: 2, added: 5 },
      {
        name: 'broken',
        loaded: 0,
        skipped: 0,
        added: 0,
        error: { code: 'FEED_HTTP_STATUS', message: expect.stringContaining('500') as unknown },
      },
      { name: 'urlhaus', loaded: 3, skipped: 3, added: 3 },
      {
        name: 'endless',
        loaded: 0,
        skipped: 0,
        added: 0,
        error: { code: 'FEED_TOO_LARGE', message: expect.any(String) as unknown },
      },
      {
        name: 'declared-huge',
        loaded: 0,
        skipped: 0,
        added: 0,
        error: { code: 'FEED_TOO_LARGE', message: expect.any(String) as unknown },
      },
      { name: 'phishtank', loaded: 2, skipped: 4, added: 2 },
      { name: 'bazaar', loaded: 4, skipped: 2, added: 4 },
    ]);
    await endlessClosed;
    expect(await store.counts()).toEqual({ domains: 1, urls: 8, ips: 1, hashes: 4 });
    const snapshot = await store.snapshot();
    expect([...snapshot.urls].some((url) => url.includes('endless'))).toBe(false);
    expect(snapshot.domains.has('evil.example')).toBe(false);
    expect(await store.provenance('url', 'http://203.0.113.77/bins/mozi.m')).toMatchObject({
      source: 'urlhaus',
    });
  });

  it('loads nothing from a feed that is not of its format', async () => {
    const store = freshStore();
    const [result] = await refreshFeeds(
      store,
      [{ name: 'not-json', url: `${base}/feeds/openphish.txt`, format: 'phishtank_json' }],
      budgets,
    );
    expect(result).toMatchObject({ loaded: 0, error: { code: 'FEED_INVALID' } });
    expect(await store.version()).toBe(0);
  });

  it('adds nothing new, and leaves the version alone, when a feed is fetched again', async () => {
    const store = freshStore();
    const feed: FeedSource = { name: 'op', url: `${base}/feeds/openphish.txt`, format: 'plain' };
    await refreshFeeds(store, [feed], budgets);
    const [again] = await refreshFeeds(store, [feed], budgets);
    expect(again).toEqual({ name: 'op', loaded: 5, skipped: 2, added: 0 });
    expect(await store.version()).toBe(1);
  });
});

describe('downloadFeed', () => {
  const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
    promise.then(
      () => 'resolved',
      (error: unknown) => (error as { code?: unknown }).code,
    );

  it('gives up on a feed that stops sending within the time budget', async () => {
    const started = Date.now();
    expect(await codeOf(downloadFeed(`${base}/slow`, { ...budgets, timeoutMs: 300 }))).toBe(
      'FEED_TIMEOUT',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a server that cannot be reached', async () => {
    const url = `http://127.0.0.1:${String(await freePort())}/feed.txt`;
    expect(await codeOf(downloadFeed(url, budgets))).toBe('FEED_UNREACHABLE');
  });

  it('uses an injected fetch', async () => {
    const fake = (() => Promise.resolve(new Response('a.example\n'))) as typeof fetch;
    expect(await downloadFeed('http://feeds.invalid/x', { ...budgets, fetch: fake })).toBe(
      'a.example\n',
    );
  });
});
