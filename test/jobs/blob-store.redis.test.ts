import { randomUUID } from 'node:crypto';
import { afterAll, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { BlobStore } from '../../src/jobs/blob-store.ts';

const redis = new Redis(inject('redisUrl'));
const prefix = `test-${randomUUID()}`;
afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
  await redis.quit();
});

it('stores an email once by content, compressed, with the retention TTL', async () => {
  const store = new BlobStore(redis, prefix, 60_000);
  const email = Buffer.from(`Subject: hello\r\n\r\n${'the same line again\r\n'.repeat(500)}`);
  const first = await store.put(email);
  const second = await store.put(email);
  expect(second).toBe(first);
  expect(first).toMatch(/^[0-9a-f]{64}$/);
  expect(Buffer.from((await store.get(first))!)).toEqual(email);
  const stored = await redis.strlen(`${prefix}:blob:${first}`);
  expect(stored).toBeLessThan(email.byteLength / 10);
  const ttl = await redis.pttl(`${prefix}:blob:${first}`);
  expect(ttl).toBeGreaterThan(50_000);
  expect(await store.get('0'.repeat(64))).toBeNull();
});
