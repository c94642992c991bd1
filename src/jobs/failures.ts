import type { ErrorCode } from '../contracts/error-codes.ts';
import type { FailureClass } from '../contracts/queues.ts';
import { isAppError } from '../lib/errors.ts';

/** PhishNet's own errors carry their class through their code. */
const CLASS_OF_CODE: Partial<Record<ErrorCode, FailureClass>> = {
  TASK_PAYLOAD_INVALID: 'permanent',
  TASK_EMAIL_EXPIRED: 'permanent',
  TASK_NOT_IMPLEMENTED: 'permanent',
  TASK_CANCELLED: 'permanent',
  TASK_TIME_LIMIT_EXCEEDED: 'resource',
  TASK_SANDBOX_CRASHED: 'resource',
  TASK_PROVIDER_FAILED: 'external',
  QUEUE_UNAVAILABLE: 'infrastructure',
  ENGINE_FAILED: 'temporary',
};

/** Node's system error codes, by what they say about the world. */
const CLASS_OF_SYSTEM_CODE: Record<string, FailureClass> = {
  ECONNRESET: 'temporary',
  ECONNREFUSED: 'temporary',
  ECONNABORTED: 'temporary',
  ETIMEDOUT: 'temporary',
  EPIPE: 'temporary',
  EAI_AGAIN: 'temporary',
  ENETUNREACH: 'temporary',
  EHOSTUNREACH: 'temporary',
  UND_ERR_CONNECT_TIMEOUT: 'temporary',
  UND_ERR_SOCKET: 'temporary',
  ENOTFOUND: 'external',
  ENOMEM: 'resource',
  ENOSPC: 'resource',
  EMFILE: 'resource',
  ENFILE: 'resource',
  ERR_WORKER_OUT_OF_MEMORY: 'resource',
  ERR_CHILD_PROCESS_STDIO_MAXBUFFER: 'resource',
};

/** ioredis names its errors; a Redis that answers with an error or not at all is infrastructure. */
const REDIS_ERROR_NAMES = new Set(['ReplyError', 'MaxRetriesPerRequestError', 'AbortError']);

interface ErrorFacts {
  code?: unknown;
  name?: unknown;
  status?: unknown;
  statusCode?: unknown;
  cause?: unknown;
}

function httpStatusOf(err: ErrorFacts): number | undefined {
  const status = err.status ?? err.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Every failure passes through here. Typed errors carry their class; the rest
 * are judged by what they are (codes, names, HTTP statuses), never by message text.
 */
export function classifyFailure(error: unknown): FailureClass {
  if (isAppError(error))
    return CLASS_OF_CODE[error.code] ?? (error.status < 500 ? 'permanent' : 'temporary');
  if (typeof error !== 'object' || error === null) return 'temporary';
  const facts = error as ErrorFacts;
  if (typeof facts.code === 'string' && facts.code in CLASS_OF_SYSTEM_CODE) {
    return CLASS_OF_SYSTEM_CODE[facts.code] ?? 'temporary';
  }
  const status = httpStatusOf(facts);
  if (status !== undefined) {
    if (status === 429 || status >= 500) return 'external';
    if (status >= 400) return 'permanent';
  }
  if (facts.name === 'ZodError' || error instanceof TypeError || error instanceof RangeError) {
    return 'permanent';
  }
  if (typeof facts.name === 'string' && REDIS_ERROR_NAMES.has(facts.name)) return 'infrastructure';
  if (facts.cause !== undefined && facts.cause !== error) return classifyFailure(facts.cause);
  return 'temporary';
}
