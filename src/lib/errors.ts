import { inspect } from 'node:util';
import { ERROR_CODES, type ErrorCode } from '../contracts/error-codes.ts';

export interface AppErrorOptions {
  cause?: unknown;
  details?: unknown;
}

/** An error with a stable identity: callers branch on `code`, never on the message. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details;
  }
}

export function isAppError(value: unknown, code?: ErrorCode): value is AppError {
  return value instanceof AppError && (code === undefined || value.code === code);
}

/** Turns anything thrown into an Error, so code after a `catch` can rely on one shape. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  const message =
    typeof value === 'string' ? value : `non-error thrown: ${inspect(value, { depth: 2 })}`;
  return new Error(message, { cause: value });
}
