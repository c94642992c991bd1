import { inject, it, expect } from 'vitest';
import { Redis } from 'ioredis';

it('has a private redis-server for the run', async () => {
  const redis = new Redis(inject('redisUrl'));
  expect(await redis.ping()).toBe('PONG');
  await redis.quit();
});
