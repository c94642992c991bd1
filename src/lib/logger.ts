import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Never log credentials or the emails people send us. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'body.raw',
  'body.content',
  'raw',
  'content',
  'password',
  'token',
];

export function createLogger(options: { level: string; name?: string }): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (options.name !== undefined) pinoOptions.name = options.name;
  return pino(pinoOptions);
}
