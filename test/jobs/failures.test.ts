import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { classifyFailure } from '../../src/jobs/failures.ts';
import { maxAttempts, retryDelayMs, shouldRetry } from '../../src/jobs/retry-policy.ts';
import { AppError } from '../../src/lib/errors.ts';

const withCode = (code: string) => Object.assign(new Error('boom'), { code });
const withStatus = (status: number) => Object.assign(new Error('boom'), { status });
const named = (name: string) => Object.assign(new Error('boom'), { name });

describe('classifyFailure', () => {
  it.each([
    ['a network reset', withCode('ECONNRESET'), 'temporary'],
    ['a timeout', withCode('ETIMEDOUT'), 'temporary'],
    ['out of memory', withCode('ENOMEM'), 'resource'],
    ['a full disk', withCode('ENOSPC'), 'resource'],
    ["a provider's 503", withStatus(503), 'external'],
    ["a provider's 429", withStatus(429), 'external'],
    ['a 400 from a provider', withStatus(400), 'permanent'],
    ['a Redis error reply', named('ReplyError'), 'infrastructure'],
    ['ioredis giving up', named('MaxRetriesPerRequestError'), 'infrastructure'],
    ['an invalid payload', new AppError('TASK_PAYLOAD_INVALID', 'x'), 'permanent'],
    ['a time limit', new AppError('TASK_TIME_LIMIT_EXCEEDED', 'x'), 'resource'],
    ['Redis unavailable', new AppError('QUEUE_UNAVAILABLE', 'x'), 'infrastructure'],
    [
      'a cause that says what it is',
      new Error('wrapped', { cause: withCode('ECONNREFUSED') }),
      'temporary',
    ],
    ['a programming error', new TypeError('x is undefined'), 'permanent'],
    ['something unknown', new Error('?'), 'temporary'],
    ['a thrown string', 'oops', 'temporary'],
  ] as const)('classifies %s as %s', (_name, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });

  it('never reads the message when a code exists', () => {
    expect(
      classifyFailure(Object.assign(new Error('ENOMEM out of memory'), { code: 'ECONNRESET' })),
    ).toBe('temporary');
  });
});

describe('retry policies', () => {
  const policies = loadConfig({}).retry;

  it('has the seed defaults: permanent never retries, temporary 3 times from 60 s', () => {
    expect(policies.permanent.retries).toBe(0);
    expect(policies.temporary).toEqual({ retries: 3, delayMs: 60_000, backoff: 'exponential' });
    expect(policies.resource.backoff).toBe('linear');
    expect(maxAttempts(policies)).toBe(6);
  });

  it.each([
    [1, true],
    [3, true],
    [4, false],
  ])('after %i failure(s) of a temporary kind, retries: %s', (failures, expected) => {
    expect(shouldRetry(policies.temporary, failures)).toBe(expected);
  });

  it('backs off exponentially with ±25% jitter', () => {
    const policy = { retries: 3, delayMs: 1_000, backoff: 'exponential' as const };
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n, () => 0.5))).toEqual([1_000, 2_000, 4_000]);
    expect(retryDelayMs(policy, 2, () => 0)).toBe(1_500);
    expect(retryDelayMs(policy, 2, () => 1)).toBe(2_500);
  });

  it('backs off linearly for resource failures', () => {
    const policy = { retries: 2, delayMs: 500, backoff: 'linear' as const };
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n))).toEqual([500, 1_000, 1_500]);
  });
});
