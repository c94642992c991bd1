import type { BackoffStrategy } from 'bullmq';
import type { RetryPolicies } from '../config/config.ts';
import { classifyFailure } from '../jobs/failures.ts';
import { retryDelayMs } from '../jobs/retry-policy.ts';
import { ClassifiedError } from './run-task.ts';

/** BullMQ asks this for the delay before each retry; the failure's class picks the policy. */
export function classifiedBackoff(policies: RetryPolicies): BackoffStrategy {
  return (attemptsMade, _type, err) => {
    const failureClass = err instanceof ClassifiedError ? err.failureClass : classifyFailure(err);
    return retryDelayMs(policies[failureClass], Math.max(1, attemptsMade));
  };
}
