import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

describe('when Redis goes away and comes back', () => {
  let redis: RedisServerHandle;
  let stack: TestStack;
  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startTestStack({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await stack.close();
    await redis.stop();
  });

  const submit = () =>
    stack.inject({
      method: 'POST',
      url: '/api/v1/analysis/submit',
      payload: { content: 'hello', analysis_type: 'quick' },
    });

  it('says not ready and refuses submissions with 503 in bounded time', async () => {
    await redis.kill('SIGKILL');
    const ready = await stack.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'not_ready', redis: 'down' });
    const started = Date.now();
    const response = await submit();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(response.statusCode).toBe(503);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('QUEUE_UNAVAILABLE');
  });

  it('reconnects by itself and accepts submissions again', async () => {
    await redis.start();
    const deadline = Date.now() + 15_000;
    while ((await stack.inject({ url: '/readyz' })).statusCode !== 200) {
      if (Date.now() > deadline) throw new Error('never ready again');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await submit()).statusCode).toBe(202);
  });
});
