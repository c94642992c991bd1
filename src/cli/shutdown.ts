import type { Logger } from '../lib/logger.ts';
import { coerceError } from '../lib/errors.ts';

export interface ShutdownOptions {
  /** Exit 1 if closing has not finished by then (Redis gone, a close that hangs). */
  deadlineMs?: number;
}

/** On SIGTERM or SIGINT: run `close` once, then exit 0 (1 if closing failed or overran). */
export function onShutdown(
  logger: Logger,
  close: () => Promise<void>,
  options: ShutdownOptions = {},
): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'process:shutdown:start');
    if (options.deadlineMs !== undefined) {
      setTimeout(() => {
        logger.error({ deadlineMs: options.deadlineMs }, 'process:shutdown:overran');
        process.exit(1);
      }, options.deadlineMs).unref();
    }
    close().then(
      () => {
        logger.info('process:shutdown:done');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: coerceError(err) }, 'process:shutdown:failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
