/**
 * What `phishnet smoke` and `phishnet loadtest` use to talk to a running PhishNet: HTTP
 * with Node's fetch, WebSockets with `ws`, a bearer token on both when one is given
 * (`--token` or PHISHNET_TOKEN; WebSockets offer it as the `phishnet.bearer` subprotocol,
 * never in the URL).
 */
import WebSocket from 'ws';
import { coerceError } from '../lib/errors.ts';

export const DEFAULT_BASE_URL = 'http://localhost:8000';
const REQUEST_TIMEOUT_MS = 30_000;

/** A problem with the command line: exit code 2, with one line on stderr. */
export class UsageError extends Error {}

export interface ApiResponse {
  status: number;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown;
}

export interface ApiClient {
  readonly baseUrl: string;
  request(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  openWebSocket(path: string): WebSocket;
}

/** `http(s)://host[:port]`, without a trailing slash; anything else is a usage error. */
export function parseBaseUrl(value: string | undefined): string {
  const text = value ?? DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--base-url: "${text}" is not a URL (e.g. ${DEFAULT_BASE_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--base-url: expected http:// or https://, got "${text}"`);
  }
  return url.href.replace(/\/+$/, '');
}

export function createApiClient(baseUrl: string, token: string | undefined): ApiClient {
  const authorization = token ? { authorization: `Bearer ${token}` } : {};
  return {
    baseUrl,
    async request(method, path, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...authorization,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON (an HTML page, a plain-text error): the text is the body.
      }
      return { status: response.status, body: parsed };
    },
    openWebSocket(path) {
      const url = `${baseUrl.replace(/^http/, 'ws')}${path}`;
      // The subprotocol is what browsers can send; the header costs nothing beside it.
      return token
        ? new WebSocket(url, ['phishnet.bearer', token], { headers: authorization })
        : new WebSocket(url);
    },
  };
}

/** Why a request failed, in a few words: `ECONNREFUSED`, a timeout, or the message. */
export function describeFailure(err: unknown): string {
  const error = coerceError(err);
  const cause = (error as { cause?: unknown }).cause;
  const code =
    cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  if (error.name === 'TimeoutError') return 'timed out';
  return code ?? error.message;
}

/** The error message of a PhishNet error body, or the status. */
export function describeResponse(response: ApiResponse): string {
  const body = response.body as { error?: { code?: unknown; message?: unknown } } | null;
  const code = typeof body?.error?.code === 'string' ? body.error.code : undefined;
  const message = typeof body?.error?.message === 'string' ? body.error.message : undefined;
  return `HTTP ${response.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
}

/** A phishing sample and a benign one, composed from the seed's fields; `tag` makes each unique. */
export function sampleEmail(
  index: number,
  tag: string,
): {
  subject: string;
  sender: string;
  content: string;
} {
  return index % 2 === 0
    ? {
        subject: `Verify your account (${tag})`,
        sender: 'PayPal <service@paypa1-secure.com>',
        content:
          '<p>Your account is limited. Verify within 24 hours.</p>' +
          `<a href="http://198.51.100.7/login?ref=${encodeURIComponent(tag)}">https://www.paypal.com/signin</a>`,
      }
    : {
        subject: `Team lunch on Friday (${tag})`,
        sender: 'Sam <sam@example.com>',
        content: `Hi all, lunch is at noon on Friday in the usual place. (${tag})`,
      };
}

/** The bearer token: `--token`, else PHISHNET_TOKEN (a client setting, not server config). */
export function tokenOf(flag: string | undefined): string | undefined {
  const value = flag ?? process.env.PHISHNET_TOKEN;
  return value === undefined || value === '' ? undefined : value;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
