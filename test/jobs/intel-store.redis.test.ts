import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parseFeed } from '../../src/engine/intel/feeds.ts';
import { IntelStore } from '../../src/jobs/intel-store.ts';
import { createIndicatorCache } from '../../src/worker/adapters/indicators.ts';

const redis = new Redis(inject('redisUrl'));
const root = `test-${randomUUID()}`;
let stores = 0;
/** A store of its own per test, all under this file's prefix. */
const freshStore = (): IntelStore => new IntelStore(redis, `${root}:${String(stores++)}`);

afterAll(async () => {
  const found = await redis.keys(`${root}:*`);
  if (found.length) await redis.del(...found);
  await redis.quit();
});

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url), 'utf8');

describe('IntelStore', () => {
  it('keeps each kind of indicator in its own set and counts what is new', async () => {
    const store = freshStore();
    const { indicators } = parseFeed(fixture('openphish.txt'), 'plain');
    expect(await store.load(indicators, 'openphish')).toEqual({ added: 5, total: 5 });
    expect(await store.counts()).toEqual({ domains: 1, urls: 3, ips: 1, hashes: 0 });

    const snapshot = await store.snapshot();
    expect(snapshot.domains).toEqual(new Set(['evil-bank.example']));
    expect(snapshot.ips).toEqual(new Set(['198.51.100.23']));
    expect(snapshot.urls.has('http://microsoft-verify.example.net/owa/')).toBe(true);

    const hashes = parseFeed(fixture('malwarebazaar.csv'), 'hash_csv').indicators;
    expect(await store.load([...hashes, ...hashes], 'malwarebazaar')).toEqual({
      added: 4,
      total: 9,
    });
  });

  it('keeps the first sighting of an indicator when it is loaded again', async () => {
    const store = freshStore();
    const url = { type: 'url', value: 'https://phish.example/login' } as const;
    await store.load([url], 'openphish', new Date('2026-08-01T00:00:00Z'));
    const again = await store.load(
      [url, { type: 'domain', value: 'phish.example' }],
      'urlhaus',
      new Date('2026-09-01T00:00:00Z'),
    );
    expect(again).toEqual({ added: 1, total: 2 });
    expect(await store.provenance('url', url.value)).toEqual({
      source: 'openphish',
      first_seen: '2026-08-01T00:00:00.000Z',
    });
    expect(await store.provenance('domain', 'phish.example')).toEqual({
      source: 'urlhaus',
      first_seen: '2026-09-01T00:00:00.000Z',
    });
    expect(await store.provenance('domain', 'absent.example')).toBeNull();
  });

  it('bumps the version only when a load adds something', async () => {
    const store = freshStore();
    expect(await store.version()).toBe(0);
    const indicators = [{ type: 'ip', value: '203.0.113.9' }] as const;
    await store.load(indicators, 'a');
    expect(await store.version()).toBe(1);
    await store.load(indicators, 'a');
    expect(await store.version()).toBe(1);
    await store.load([{ type: 'ip', value: '203.0.113.10' }], 'a');
    expect(await store.version()).toBe(2);
  });

  it('loads and snapshots sets larger than one pipeline chunk or scan page', async () => {
    const store = freshStore();
    const hashes = Array.from({ length: 5_500 }, (_, i) => ({
      type: 'hash' as const,
      value: i.toString(16).padStart(64, '0'),
    }));
    expect(await store.load(hashes, 'bulk')).toEqual({ added: 5_500, total: 5_500 });
    const snapshot = await store.snapshot();
    expect(snapshot.hashes.size).toBe(5_500);
    expect(snapshot.hashes.has(hashes[4_321]!.value)).toBe(true);
  });

  it('writes the keys documented in docs/redis-keys.md', async () => {
    const prefix = `${root}:keys`;
    await new IntelStore(redis, prefix).load([{ type: 'domain', value: 'x.example' }], 'doc');
    expect((await redis.keys(`${prefix}:*`)).sort()).toEqual([
      `${prefix}:intel:domains`,
      `${prefix}:intel:meta:domains`,
      `${prefix}:intel:version`,
    ]);
  });
});

describe('createIndicatorCache', () => {
  it('re-reads the sets only when the version moved, asking at most once per interval', async () => {
    const store = freshStore();
    await store.load([{ type: 'domain', value: 'one.example' }], 'test');
    let now = 0;
    let snapshots = 0;
    let versions = 0;
    const counting = Object.assign(Object.create(store) as IntelStore, {
      snapshot: () => (snapshots++, store.snapshot()),
      version: () => (versions++, store.version()),
    });
    const cache = createIndicatorCache(counting, 1_000, { now: () => now });

    const first = await cache.get();
    expect(first.domains.has('one.example')).toBe(true);
    expect(await cache.get()).toBe(first);
    expect({ versions, snapshots }).toEqual({ versions: 1, snapshots: 1 });

    await store.load([{ type: 'domain', value: 'two.example' }], 'test');
    now = 999;
    expect(await cache.get()).toBe(first);
    expect(versions).toBe(1);

    now = 1_000;
    const second = await cache.get();
    expect(second.domains.has('two.example')).toBe(true);
    expect({ versions, snapshots }).toEqual({ versions: 2, snapshots: 2 });

    now = 2_000;
    expect(await cache.get()).toBe(second);
    expect({ versions, snapshots }).toEqual({ versions: 3, snapshots: 2 });
  });

  it('shares one read among concurrent callers', async () => {
    const store = freshStore();
    let snapshots = 0;
    const counting = Object.assign(Object.create(store) as IntelStore, {
      snapshot: () => (snapshots++, store.snapshot()),
    });
    const cache = createIndicatorCache(counting, 60_000);
    const results = await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(snapshots).toBe(1);
    expect(results[1]).toBe(results[0]);
  });

  it('keeps serving the last sets when the store cannot be read, and fails with none', async () => {
    const store = freshStore();
    await store.load([{ type: 'domain', value: 'kept.example' }], 'test');
    let broken = false;
    let now = 0;
    const flaky = Object.assign(Object.create(store) as IntelStore, {
      version: () => (broken ? Promise.reject(new Error('redis down')) : store.version()),
    });
    const cache = createIndicatorCache(flaky, 10, { now: () => now });
    const sets = await cache.get();
    broken = true;
    now = 100;
    expect(await cache.get()).toBe(sets);

    const empty = createIndicatorCache(flaky, 10);
    await expect(empty.get()).rejects.toThrow('redis down');
  });
});
