import type { Logger } from '../lib/logger.ts';
import { coerceError } from '../lib/errors.ts';

/** On SIGTERM or SIGINT: run `close` once, then exit 0 (1 if closing failed). */
export function onShutdown(logger: Logger, close: () => Promise<void>): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'process:shutdown:start');
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
