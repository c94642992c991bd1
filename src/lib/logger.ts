import { pino, type Logger, type LoggerOptions } from 'pino';
import { prettyDestination } from './pretty-log.ts';

export type { Logger };

/** `json` for collectors, `pretty` for people, `auto`: pretty when the output is a terminal. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Never log credentials or the emails people send us: bearer tokens (headers,
 * WebSocket subprotocols), cookies, tickets, secrets, and the email itself
 * wherever it sits in a logged object.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'headers.authorization',
  'headers.cookie',
  'headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  'body.raw',
  'body.content',
  'body.emails',
  'raw',
  'content',
  'emails',
  'email',
  'password',
  'token',
  'ticket',
  'secret',
  '*.raw',
  '*.content',
  '*.password',
  '*.token',
  '*.ticket',
  '*.secret',
];

/** Query parameters that carry a credential, blanked in every logged URL. */
const SECRET_QUERY = /([?&](?:ticket|token|access_token)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

interface RequestLike {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/** Fastify's request serializer, with credentials in the URL blanked (a WebSocket `?ticket=`). */
function serializeRequest(request: RequestLike): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url ?? ''),
    host: request.host ?? request.hostname,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

export function createLogger(options: {
  level: string;
  name?: string;
  /** Where lines go (default stdout); tests pass a stream to read them. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Default `json`. */
  format?: LogFormat;
}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
  };
  if (options.name !== undefined) pinoOptions.name = options.name;
  const out = options.destination ?? process.stdout;
  const pretty = options.format === 'pretty' || (options.format === 'auto' && out.isTTY === true);
  if (pretty) return pino(pinoOptions, prettyDestination(out));
  return options.destination === undefined
    ? pino(pinoOptions)
    : pino(pinoOptions, options.destination as pino.DestinationStream);
}
