/**
 * Downloads the configured threat feeds and loads them into the intel store. Each feed has
 * its own time and byte budget; one that cannot be fetched or parsed is reported with an
 * error code and loads nothing, and the others still load. A feed is parsed whole before
 * anything is written, and its malformed lines are counted and skipped, never half-loaded.
 * Store (Redis) failures are not per-feed problems: they are thrown, so the task retries.
 */
import { type FeedFormat, parseFeed } from '../engine/intel/feeds.ts';
import type { IntelStore } from '../jobs/intel-store.ts';

export interface FeedSource {
  url: string;
  format: FeedFormat;
  /** Also the provenance `source` of what it loads. */
  name: string;
}

export interface FeedRefreshOptions {
  /** Budget per feed, from request to last byte. */
  timeoutMs: number;
  /** Largest body accepted per feed (after content decoding). */
  maxBytes: number;
  fetch?: typeof fetch;
}

export const FEED_ERROR_CODES = [
  /** The server answered with a status other than 2xx. */
  'FEED_HTTP_STATUS',
  /** The body is larger than `maxBytes`. */
  'FEED_TOO_LARGE',
  /** No complete body within `timeoutMs`. */
  'FEED_TIMEOUT',
  /** No answer at all: DNS, connection or TLS failure. */
  'FEED_UNREACHABLE',
  /** The body is not a feed of its format (e.g. PhishTank JSON that is not JSON). */
  'FEED_INVALID',
] as const;
export type FeedErrorCode = (typeof FEED_ERROR_CODES)[number];

export interface FeedRefreshResult {
  name: string;
  /** Indicators parsed and written to the store. */
  loaded: number;
  /** Malformed lines or entries left out. */
  skipped: number;
  /** Of those loaded, how many the store did not have yet. */
  added: number;
  error?: { code: FeedErrorCode; message: string };
}

export class FeedError extends Error {
  override readonly name = 'FeedError';
  readonly code: FeedErrorCode;

  constructor(code: FeedErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export async function refreshFeeds(
  store: IntelStore,
  feeds: readonly FeedSource[],
  options: FeedRefreshOptions,
): Promise<FeedRefreshResult[]> {
  const results: FeedRefreshResult[] = [];
  // One at a time: feeds can be large, and a refresh is background work.
  for (const feed of feeds) results.push(await refreshFeed(store, feed, options));
  return results;
}

async function refreshFeed(
  store: IntelStore,
  feed: FeedSource,
  options: FeedRefreshOptions,
): Promise<FeedRefreshResult> {
  const empty = { name: feed.name, loaded: 0, skipped: 0, added: 0 };
  let text: string;
  try {
    text = await downloadFeed(feed.url, options);
  } catch (error) {
    if (!(error instanceof FeedError)) throw error;
    return { ...empty, error: { code: error.code, message: error.message } };
  }
  const parsed = parseFeed(text, feed.format);
  if (parsed.errors.length > 0) {
    return {
      ...empty,
      skipped: parsed.skipped,
      error: { code: 'FEED_INVALID', message: parsed.errors.join('; ') },
    };
  }
  const { added } = await store.load(parsed.indicators, feed.name);
  return { ...empty, loaded: parsed.indicators.length, skipped: parsed.skipped, added };
}

/**
 * The body of `url` as text, within the time and byte budgets; throws a `FeedError` whose
 * `code` says what went wrong.
 */
export async function downloadFeed(url: string, options: FeedRefreshOptions): Promise<string> {
  const fetchImpl = options.fetch ?? fetch;
  const controller = new AbortController();
  // Only the timer aborts, so an aborted signal means the budget ran out.
  const timer = setTimeout(() => {
    controller.abort();
  }, options.timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: controller.signal });
    } catch (cause) {
      if (controller.signal.aborted) throw timeoutError(options.timeoutMs, cause);
      throw new FeedError('FEED_UNREACHABLE', `cannot fetch ${url}`, { cause });
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new FeedError('FEED_HTTP_STATUS', `${url} answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > options.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLargeError(url, options.maxBytes);
    }
    try {
      return await readText(response, url, options.maxBytes);
    } catch (cause) {
      if (cause instanceof FeedError) throw cause;
      if (controller.signal.aborted) throw timeoutError(options.timeoutMs, cause);
      throw new FeedError('FEED_UNREACHABLE', `the download of ${url} broke off`, { cause });
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Reads at most `maxBytes`; one byte more and the stream is cancelled, not drained. */
async function readText(response: Response, url: string, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const decoder = new TextDecoder('utf-8');
  let received = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLargeError(url, maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function tooLargeError(url: string, maxBytes: number): FeedError {
  return new FeedError('FEED_TOO_LARGE', `${url} is larger than ${maxBytes} bytes`);
}

function timeoutError(timeoutMs: number, cause: unknown): FeedError {
  return new FeedError('FEED_TIMEOUT', `no complete answer within ${timeoutMs} ms`, { cause });
}
