import type { RetryPolicies, RetryPolicy } from '../config/config.ts';

/** A job's BullMQ attempt budget: enough for the most patient class; each class stops earlier. */
export function maxAttempts(policies: RetryPolicies): number {
  return Math.max(...Object.values(policies).map((policy) => policy.retries)) + 1;
}

/** Whether a job that has now failed `attemptsMade` times may run again. */
export function shouldRetry(policy: RetryPolicy, attemptsMade: number): boolean {
  return attemptsMade <= policy.retries;
}

/**
 * The wait before retry number `retry` (1 for the first): exponential doubles
 * from the first delay with up to ±25% jitter so a burst of failures does not
 * come back as a burst; linear grows by one step each time.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  switch (policy.backoff) {
    case 'none':
      return 0;
    case 'linear':
      return policy.delayMs * retry;
    case 'exponential': {
      const base = policy.delayMs * 2 ** (retry - 1);
      return Math.round(base * (0.75 + random() * 0.5));
    }
  }
}
