/**
 * Per-user rate limits, counted in Redis so they hold across API instances:
 *
 * - submissions: emails per window (a bulk request counts each of its emails),
 *   consumed by the submit routes once they know how many emails they hold;
 *   an exhausted user is turned away before their body is even read;
 * - everything else a user does (API requests, WebSocket connections): one
 *   point per request.
 *
 * Over the limit → 429 `API_RATE_LIMITED` with `Retry-After`. While Redis is
 * away each instance counts in memory with the same limits, so a limit never
 * turns into "unlimited" (or into an outage of its own).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { keys } from '../../jobs/keys.ts';
import { AppError } from '../../lib/errors.ts';
import { refuseWith } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `submissions`: the route consumes its own points, per email (see `consumeSubmissions`). */
    rateLimit?: 'submissions';
  }
}

export interface RateLimitSettings {
  windowMs: number;
  submitEmails: number;
  requests: number;
}

export interface RateLimits {
  /** Counts `emails` submissions for the caller, or throws 429 having counted none. */
  consumeSubmissions(request: FastifyRequest, reply: FastifyReply, emails: number): Promise<void>;
}

function limiter(redis: Redis, keyPrefix: string, points: number, windowMs: number) {
  const duration = Math.max(1, Math.round(windowMs / 1_000));
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
  });
}

export function registerRateLimits(
  app: FastifyInstance,
  options: { redis: Redis; prefix: string; limits: RateLimitSettings },
): RateLimits {
  const { redis, prefix, limits } = options;
  const windowSeconds = Math.max(1, Math.round(limits.windowMs / 1_000));
  const submissions = limiter(
    redis,
    keys(prefix).rateLimit('submit'),
    limits.submitEmails,
    limits.windowMs,
  );
  const requests = limiter(redis, keys(prefix).rateLimit('api'), limits.requests, limits.windowMs);

  const refuse = (
    reply: FastifyReply,
    what: string,
    limit: number,
    msBeforeNext: number,
  ): AppError => {
    const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1_000));
    reply.header('retry-after', String(retryAfterSeconds));
    reply.header('ratelimit-limit', String(limit));
    reply.header('ratelimit-remaining', '0');
    reply.header('ratelimit-reset', String(retryAfterSeconds));
    return new AppError(
      'API_RATE_LIMITED',
      `rate limit reached: at most ${limit} ${what} per ${windowSeconds} s per user; try again in ${retryAfterSeconds} s`,
      { details: { limit, window_seconds: windowSeconds, retry_after_seconds: retryAfterSeconds } },
    );
  };

  app.addHook('onRequest', (request, reply) =>
    refuseWith(request, reply, async () => {
      const { principal } = request;
      if (!principal || request.routeOptions.config.rateLimit !== 'submissions') return;
      const state = await submissions.get(principal.sub).catch(() => null);
      if (state && state.consumedPoints >= limits.submitEmails) {
        throw refuse(reply, 'emails', limits.submitEmails, state.msBeforeNext);
      }
    }),
  );

  app.addHook('preHandler', (request, reply) =>
    refuseWith(request, reply, async () => {
      const { principal } = request;
      if (!principal || request.routeOptions.config.rateLimit === 'submissions') return;
      try {
        await requests.consume(principal.sub, 1);
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          throw refuse(reply, 'requests', limits.requests, err.msBeforeNext);
        }
        // Neither Redis nor memory could count: serve rather than fail on a limit.
        request.log.warn({ err }, 'api:rate-limit:unavailable');
      }
    }),
  );

  return {
    async consumeSubmissions(request, reply, emails) {
      const principal = request.principal;
      if (!principal) return;
      try {
        await submissions.consume(principal.sub, emails);
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          // The refused emails were counted; give them back, since none was accepted.
          await submissions.reward(principal.sub, emails).catch(() => undefined);
          throw refuse(reply, 'emails', limits.submitEmails, err.msBeforeNext);
        }
        request.log.warn({ err }, 'api:rate-limit:unavailable');
      }
    },
  };
}
