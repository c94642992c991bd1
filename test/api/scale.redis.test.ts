/**
 * POST and GET /api/v1/workers/scale against real Redis: what operators set,
 * how it reaches supervisors (pub/sub), what bad input gets, and how the
 * supervisors' own reports are summed.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SupervisorState } from '../../src/contracts/workers.ts';
import { keys } from '../../src/jobs/keys.ts';
import { publishSupervisorState } from '../../src/jobs/scale-control.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { until } from '../helpers/wait.ts';

interface Answer {
  statusCode: number;
  body: Record<string, unknown>;
}

function supervisorState(overrides: Partial<SupervisorState>): SupervisorState {
  const now = new Date().toISOString();
  return {
    id: 'host-a-1',
    host: 'host-a',
    pid: 1,
    mode: 'auto',
    min_workers: 2,
    max_workers: 20,
    scale_up_threshold: 10,
    scale_down_threshold: 2,
    cooldown_seconds: 300,
    current_workers: 2,
    desired_workers: 2,
    stopping_workers: 0,
    lanes: {},
    backlog: { realtime: 0, standard: 0, heavy: 0, background: 0 },
    last_decision: null,
    recent_changes: [],
    cooldown_until: null,
    interval_ms: 5_000,
    started_at: now,
    updated_at: now,
    ...overrides,
  };
}

describe('the scale endpoints', () => {
  let stack: TestStack;
  const post = async (payload: unknown): Promise<Answer> => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/workers/scale',
      payload: payload as Record<string, unknown>,
    });
    return { statusCode: response.statusCode, body: response.json() };
  };
  const get = async (): Promise<Record<string, unknown>> => {
    const response = await stack.inject({ url: '/api/v1/workers/scale' });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.close();
  });
  beforeEach(async () => {
    const k = keys(stack.config.prefix);
    await stack.jobs.redis.del(k.scaleControl(), k.supervisors());
  });

  describe('with no supervisor running', () => {
    it('reports the configured bounds, automatic mode and no decision yet', async () => {
      expect(await get()).toMatchObject({
        orchestrator: 'local',
        mode: 'auto',
        min_workers: 2,
        max_workers: 20,
        current_workers: 0,
        desired_workers: 0,
        last_decision: null,
        cooldown_remaining_seconds: 0,
        supervisors: 0,
        instances: [],
      });
    });

    it('stores a fixed count and says that nothing changes until a supervisor starts', async () => {
      const answer = await post({ mode: 'fixed', workers: 4 });
      expect(answer.statusCode).toBe(202);
      expect(answer.body).toMatchObject({
        mode: 'fixed',
        target_workers: 4,
        min_workers: 2,
        max_workers: 20,
        supervisors: 0,
      });
      expect(answer.body.message).toMatch(/no supervisor is running, so nothing changes yet/);
      expect(answer.body.message).toMatch(/keeps 4 general worker processes/);
      expect(await get()).toMatchObject({ mode: 'fixed', min_workers: 2, max_workers: 20 });
    });
  });

  describe('bad input', () => {
    it.each<[string, unknown, string, RegExp]>([
      [
        'workers above max_workers',
        { mode: 'fixed', workers: 21 },
        'body.workers',
        /max_workers \(20\)/,
      ],
      ['an unknown lane', { mode: 'fixed', workers: 1, lane: 'urgent' }, 'body.lane', /./],
      [
        'a lane that has no workers of its own',
        { mode: 'fixed', workers: 1, lane: 'dlq' },
        'body.lane',
        /./,
      ],
      ['fixed without workers', { mode: 'fixed' }, 'body.workers', /./],
      ['a negative count', { mode: 'fixed', workers: -1 }, 'body.workers', /./],
      ['a count that is not whole', { mode: 'fixed', workers: 1.5 }, 'body.workers', /./],
      ['workers in automatic mode', { mode: 'auto', workers: 3 }, 'body', /workers/],
      ['an unknown mode', { mode: 'manual', workers: 3 }, 'body.mode', /./],
      ['no mode', { workers: 3 }, 'body.mode', /./],
      [
        'min above max',
        { mode: 'auto', min_workers: 8, max_workers: 4 },
        'body.min_workers',
        /8 is more than max_workers \(4\)/,
      ],
      [
        'max below the configured min',
        { mode: 'auto', max_workers: 1 },
        'body.max_workers',
        /1 is less than min_workers \(2\)/,
      ],
      ['max beyond any host', { mode: 'auto', max_workers: 10_000 }, 'body.max_workers', /./],
    ])('%s is a 400 naming the field', async (_name, payload, field, message) => {
      const answer = await post(payload);
      expect(answer.statusCode).toBe(400);
      const error = answer.body.error as {
        code: string;
        message: string;
        details: { field: string; message: string }[];
      };
      expect(error.code).toBe('API_REQUEST_INVALID');
      expect(error.details.map((detail) => detail.field)).toContain(field);
      expect(JSON.stringify(error)).toMatch(message);
      // Nothing was stored.
      expect(await stack.jobs.redis.get(keys(stack.config.prefix).scaleControl())).toBeNull();
    });

    it('accepts a count above the old maximum when the same request raises it', async () => {
      const answer = await post({ mode: 'fixed', workers: 30, max_workers: 32 });
      expect(answer.statusCode).toBe(202);
      expect(answer.body).toMatchObject({ target_workers: 30, max_workers: 32 });
    });

    it('refuses a lowered maximum that the fixed counts no longer fit', async () => {
      expect((await post({ mode: 'fixed', workers: 3, lane: 'realtime' })).statusCode).toBe(202);
      const answer = await post({ mode: 'auto', lane: 'heavy', max_workers: 2, min_workers: 1 });
      expect(answer.statusCode).toBe(400);
      expect((answer.body.error as { message: string }).message).toBe(
        'max_workers: 2 is less than the 3 worker processes dedicated to lanes fixed now',
      );
    });

    it('counts lane-dedicated workers against max_workers', async () => {
      expect((await post({ mode: 'fixed', workers: 4, lane: 'heavy' })).statusCode).toBe(202);
      const answer = await post({ mode: 'fixed', workers: 17 });
      expect(answer.statusCode).toBe(400);
      expect((answer.body.error as { message: string }).message).toMatch(
        /^workers: 17 general worker processes and 4 dedicated to lanes would be more than max_workers \(20\)/,
      );
    });
  });

  describe('lanes and the way back to automatic', () => {
    it("fixes a lane's own workers without touching the general mode, and undoes it", async () => {
      const fixed = await post({ mode: 'fixed', workers: 2, lane: 'realtime' });
      expect(fixed.statusCode).toBe(202);
      expect(fixed.body).toMatchObject({ mode: 'auto', lane: 'realtime', target_workers: 2 });
      expect(fixed.body.message).toMatch(/2 worker processes that take only realtime jobs/);
      expect(await get()).toMatchObject({
        mode: 'auto',
        lanes: { realtime: { workers: 2, current_workers: 0, desired_workers: 0 } },
      });

      expect((await post({ mode: 'fixed', workers: 5 })).statusCode).toBe(202);
      const undone = await post({ mode: 'auto', lane: 'realtime' });
      expect(undone.body).toMatchObject({ mode: 'fixed', lane: 'realtime' });
      expect(undone.body.message).toMatch(/stops the worker processes it ran for realtime alone/);
      const status = await get();
      expect(status).toMatchObject({ mode: 'fixed' });
      expect(status).not.toHaveProperty('lanes');
    });

    it('returns everything to automatic, lanes included, with new bounds', async () => {
      await post({ mode: 'fixed', workers: 5 });
      await post({ mode: 'fixed', workers: 1, lane: 'heavy' });
      const answer = await post({ mode: 'auto', min_workers: 1, max_workers: 6 });
      expect(answer.statusCode).toBe(202);
      expect(answer.body).toMatchObject({ mode: 'auto', min_workers: 1, max_workers: 6 });
      expect(answer.body).not.toHaveProperty('target_workers');
      expect(answer.body.message).toMatch(/scales its worker processes between 1 and 6/);
      const status = await get();
      expect(status).toMatchObject({ mode: 'auto', min_workers: 1, max_workers: 6 });
      expect(status).not.toHaveProperty('lanes');
      // The bounds stay for later requests that do not name them.
      expect((await post({ mode: 'fixed', workers: 7 })).statusCode).toBe(400);
    });

    it('loses no change when operators write at the same moment', async () => {
      const answers = await Promise.all(
        (['realtime', 'standard', 'heavy', 'background'] as const).map((lane, i) =>
          post({ mode: 'fixed', workers: i + 1, lane }),
        ),
      );
      expect(answers.map((answer) => answer.statusCode)).toEqual([202, 202, 202, 202]);
      expect((await get()).lanes).toEqual({
        realtime: { workers: 1, current_workers: 0, desired_workers: 0 },
        standard: { workers: 2, current_workers: 0, desired_workers: 0 },
        heavy: { workers: 3, current_workers: 0, desired_workers: 0 },
        background: { workers: 4, current_workers: 0, desired_workers: 0 },
      });
    });
  });

  describe('reaching the supervisors', () => {
    let subscriber: Redis;
    const messages: string[] = [];
    beforeAll(async () => {
      subscriber = stack.jobs.redis.duplicate({ enableOfflineQueue: true });
      await subscriber.subscribe(keys(stack.config.prefix).scaleChannel());
      subscriber.on('message', (_channel: string, message: string) => messages.push(message));
    });
    afterAll(() => {
      subscriber.disconnect();
    });

    it('publishes each new setting, so supervisors act at once', async () => {
      await post({ mode: 'fixed', workers: 3 });
      const [message] = await until(
        () => Promise.resolve(messages),
        (received) => received.length > 0,
        5_000,
      );
      expect(JSON.parse(message!)).toMatchObject({ mode: 'fixed', fixed_workers: 3, lanes: {} });
    });

    it("sums the alive supervisors' reports and ignores one that went silent", async () => {
      const redis = stack.jobs.redis;
      const prefix = stack.config.prefix;
      const soon = new Date(Date.now() + 40_000).toISOString();
      await publishSupervisorState(
        redis,
        prefix,
        supervisorState({
          id: 'host-a-1',
          current_workers: 3,
          desired_workers: 4,
          lanes: { realtime: { current_workers: 1, desired_workers: 1 } },
          last_decision: {
            action: 'up',
            target_workers: 3,
            reason: 'older',
            at: new Date(Date.now() - 5_000).toISOString(),
          },
          cooldown_until: soon,
        }),
      );
      await publishSupervisorState(
        redis,
        prefix,
        supervisorState({
          id: 'host-b-1',
          host: 'host-b',
          current_workers: 2,
          desired_workers: 2,
          lanes: { realtime: { current_workers: 1, desired_workers: 1 } },
          last_decision: {
            action: 'hold',
            target_workers: 2,
            reason: 'newest',
            at: new Date().toISOString(),
          },
        }),
      );
      // Silent for longer than three of its intervals: not counted.
      await publishSupervisorState(
        redis,
        prefix,
        supervisorState({
          id: 'host-c-1',
          host: 'host-c',
          current_workers: 9,
          interval_ms: 100_000,
          updated_at: new Date(Date.now() - 400_000).toISOString(),
        }),
      );
      await post({ mode: 'fixed', workers: 1, lane: 'realtime' });
      const status = await get();
      expect(status).toMatchObject({
        supervisors: 2,
        current_workers: 5,
        desired_workers: 6,
        lanes: { realtime: { workers: 1, current_workers: 2, desired_workers: 2 } },
        last_decision: { action: 'hold', reason: 'newest' },
      });
      expect(status.cooldown_remaining_seconds).toBeGreaterThan(30);
      expect(status.cooldown_remaining_seconds).toBeLessThanOrEqual(40);
      expect((status.instances as { id: string }[]).map((i) => i.id).sort()).toEqual([
        'host-a-1',
        'host-b-1',
      ]);

      const answer = await post({ mode: 'fixed', workers: 2 });
      expect(answer.body.supervisors).toBe(2);
      expect(answer.body.message).toMatch(/^Each of the 2 running supervisors keeps 2 general/);
      expect(answer.body.message).toMatch(/1 more stay dedicated to single lanes/);
    });
  });
});

describe('in Kubernetes mode', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { PHISHNET_ORCHESTRATOR: 'kubernetes' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('answers 409: KEDA scales, and nothing changes', async () => {
    const response = await stack.inject({
      method: 'POST',
      url: '/api/v1/workers/scale',
      payload: { mode: 'fixed', workers: 4 },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      error: { code: 'API_SCALING_EXTERNAL', message: expect.stringMatching(/KEDA/) as unknown },
    });
    expect(await stack.jobs.redis.get(keys(stack.config.prefix).scaleControl())).toBeNull();
    const status = await stack.inject({ url: '/api/v1/workers/scale' });
    expect(status.json()).toMatchObject({
      orchestrator: 'kubernetes',
      mode: 'auto',
      supervisors: 0,
    });
  });
});
