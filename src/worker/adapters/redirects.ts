/**
 * Redirect resolution for `link_safety_check`: where does a link really lead?
 *
 * Follows HTTP redirects (and `Refresh` / `<meta http-equiv="refresh">` on HTML pages) one
 * hop at a time, within a total time budget, a hop limit and a byte budget for the bodies it
 * reads. Every hop's host is resolved once and every address vetted before any connection:
 * private, loopback, link-local, unique-local, CGNAT, multicast, reserved and unspecified
 * addresses (IPv4 and IPv6, with IPv4 embedded in IPv6 judged as IPv4) are refused unless the
 * host is allow-listed, so a link in an email cannot make a worker probe the internal network.
 *
 * DNS rebinding: Node's global fetch has no way to say "connect to this address" without
 * importing undici, so the default transport is node:http / node:https with a `lookup` that
 * returns only the address that was vetted; the name is not resolved a second time (TLS still
 * verifies the certificate against the host name). An injected `fetch` is checked the same
 * way hop by hop but resolves names itself, so it is only rebinding-safe if it pins too.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIPv4, isIPv6, type LookupFunction } from 'node:net';

export type RedirectStopReason = 'max_hops' | 'blocked_address' | 'timeout' | 'too_large' | 'error';

export interface RedirectHop {
  url: string;
  status: number;
}

export interface RedirectResolution {
  /** Each URL that was requested, in order, with the status that decided the next step. */
  chain: RedirectHop[];
  /**
   * Where the link leads as far as was found out: the last URL answered, or the URL that was
   * not followed because of `stopped_reason` (a blocked target, the hop after the limit, the
   * request that timed out or failed).
   */
  final_url: string;
  /** Absent when the chain ended normally (a page that is not a redirect). */
  stopped_reason?: RedirectStopReason;
  /** A human-readable note for `stopped_reason`; branch on the reason, never on this text. */
  detail?: string;
}

export type HostLookup = (host: string) => Promise<string[]>;

export interface ResolveRedirectsOptions {
  /** Redirects followed at most; the chain holds up to maxHops + 1 requests. */
  maxHops: number;
  /** Budget for the whole resolution: every lookup, request and body together. */
  timeoutMs: number;
  /** Budget for the bytes of all bodies read (only HTML pages are read, for meta refresh). */
  maxBytes: number;
  /** Host names (or IP literals) that may be reached even at a non-public address. */
  allowHosts?: readonly string[];
  /** Name → addresses; defaults to the system resolver (all addresses). */
  lookup?: HostLookup;
  /** Replaces the pinned node:http transport; see the note on DNS rebinding above. */
  fetch?: typeof fetch;
  userAgent?: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_USER_AGENT = 'Mozilla/5.0 (compatible; PhishNet link check)';

class StopError extends Error {
  readonly reason: RedirectStopReason;
  constructor(reason: RedirectStopReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

export async function resolveRedirects(
  url: string,
  options: ResolveRedirectsOptions,
): Promise<RedirectResolution> {
  const chain: RedirectHop[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort();
  }, options.timeoutMs);
  const budget = { bytesLeft: options.maxBytes };
  const allowHosts = new Set((options.allowHosts ?? []).map(canonicalHost));
  const lookup = options.lookup ?? systemLookup;
  const transport = options.fetch ? fetchTransport(options.fetch) : pinnedTransport;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  let current = url;

  const stop = (reason: RedirectStopReason, detail: string): RedirectResolution => ({
    chain,
    final_url: current,
    stopped_reason: reason,
    detail,
  });

  try {
    for (let hop = 0; ; hop++) {
      let target: URL;
      try {
        target = new URL(current);
      } catch {
        return stop('error', 'not a valid URL');
      }
      // A redirect to mailto:, data: or javascript: ends the chain; the engine judges it.
      if (target.protocol !== 'http:' && target.protocol !== 'https:')
        return { chain, final_url: current };
      if (hop > options.maxHops) return stop('max_hops', `more than ${options.maxHops} redirects`);

      const address = await vetHost(target, allowHosts, lookup, controller.signal);
      const step = await requestHop(transport, {
        url: target,
        address,
        signal: controller.signal,
        userAgent,
        budget,
      });
      chain.push({ url: current, status: step.status });
      if (step.stop) return stop(step.stop.reason, step.stop.message);
      if (step.next === undefined) return { chain, final_url: current };
      if (!URL.canParse(step.next, target.href)) {
        current = step.next;
        return stop('error', 'the redirect target is not a valid URL');
      }
      current = new URL(step.next, target).href;
    }
  } catch (error) {
    if (controller.signal.aborted)
      return stop('timeout', `no answer within ${options.timeoutMs} ms`);
    if (error instanceof StopError) return stop(error.reason, error.message);
    return stop('error', error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// One hop: HEAD first (no body), GET when HEAD is refused or the page is HTML.

interface HopContext {
  url: URL;
  address: VettedAddress;
  signal: AbortSignal;
  userAgent: string;
  budget: { bytesLeft: number };
}

interface HopResult {
  status: number;
  /** The next URL (possibly relative), or undefined when this hop is the end. */
  next?: string;
  /** The hop was answered, but its body could not be read within the budget. */
  stop?: StopError;
}

async function requestHop(transport: Transport, context: HopContext): Promise<HopResult> {
  let head: HopResponse | undefined;
  try {
    head = await transport({ ...context, method: 'HEAD' });
  } catch (error) {
    // Some servers drop HEAD outright; a timeout or a stop is final, though.
    if (context.signal.aborted || error instanceof StopError) throw error;
  }
  if (head) {
    head.close();
    const next = redirectTarget(head);
    if (next !== undefined) return { status: head.status, next };
    if (head.status < 400 && !isHtml(head)) return { status: head.status };
  }
  const get = await transport({ ...context, method: 'GET' });
  try {
    const next = redirectTarget(get);
    if (next !== undefined) return { status: get.status, next };
    if (get.status >= 200 && get.status < 300 && isHtml(get)) {
      const refresh = refreshTarget(await readBody(get, context.budget));
      if (refresh !== undefined) return { status: get.status, next: refresh };
    }
    return { status: get.status };
  } catch (error) {
    if (error instanceof StopError && !context.signal.aborted)
      return { status: get.status, stop: error };
    throw error;
  } finally {
    get.close();
  }
}

function redirectTarget(response: HopResponse): string | undefined {
  if (REDIRECT_STATUSES.has(response.status)) {
    const location = response.header('location')?.trim();
    if (location) return location;
  }
  const refresh = response.header('refresh');
  return refresh === undefined ? undefined : refreshUrl(refresh);
}

function isHtml(response: HopResponse): boolean {
  return /\bhtml\b/i.test(response.header('content-type') ?? '');
}

/** Reads the body up to the byte budget; past it the stream is abandoned, not drained. */
async function readBody(response: HopResponse, budget: { bytesLeft: number }): Promise<string> {
  const declared = Number(response.header('content-length'));
  if (Number.isFinite(declared) && declared > budget.bytesLeft) {
    throw new StopError('too_large', `body of ${declared} bytes is over the byte budget`);
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of response.body) {
    budget.bytesLeft -= chunk.byteLength;
    if (budget.bytesLeft < 0) throw new StopError('too_large', 'body is over the byte budget');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const META_REFRESH = /<meta\b[^>]*http-equiv\s*=\s*["']?refresh\b[^>]*>/i;
const CONTENT_ATTRIBUTE = /\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;

function refreshTarget(html: string): string | undefined {
  const tag = META_REFRESH.exec(html)?.[0];
  if (tag === undefined) return undefined;
  const content = CONTENT_ATTRIBUTE.exec(tag);
  const value = content?.[1] ?? content?.[2] ?? content?.[3];
  return value === undefined ? undefined : refreshUrl(decodeEntities(value));
}

/** `5; url=https://x.example/` → `https://x.example/` (the delay is ignored). */
function refreshUrl(value: string): string | undefined {
  const match = /^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.*?)\1\s*$/i.exec(value);
  const target = match?.[2]?.trim();
  return target ? target : undefined;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&amp;/gi, '&');
}

// ---------------------------------------------------------------------------------------------
// Addresses: resolve once, vet every address, connect only to a vetted one.

interface VettedAddress {
  address: string;
  family: 4 | 6;
}

async function systemLookup(host: string): Promise<string[]> {
  const found = await dnsLookup(host, { all: true, verbatim: true });
  return found.map((entry) => entry.address);
}

async function vetHost(
  url: URL,
  allowHosts: ReadonlySet<string>,
  lookup: HostLookup,
  signal: AbortSignal,
): Promise<VettedAddress> {
  const host = canonicalHost(url.hostname);
  const literal = ipFamily(host);
  const addresses = literal ? [host] : await abortable(lookup(host), signal);
  if (addresses.length === 0) throw new StopError('error', `${host} has no address`);
  if (!allowHosts.has(host)) {
    // Every address, not just the first: a name with one public and one private address
    // could be answered from either.
    const blocked = addresses.find((address) => isBlockedAddress(address));
    if (blocked !== undefined) {
      throw new StopError('blocked_address', `${host} resolves to non-public address ${blocked}`);
    }
  }
  const first = addresses[0] ?? '';
  const family = ipFamily(first);
  if (!family) throw new StopError('error', `${host} resolved to "${first}", not an IP address`);
  return { address: first, family };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new StopError('timeout', 'aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new StopError('timeout', 'aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}

/** Lower case, no IPv6 brackets, no trailing dot; IPv4 in any form that URL accepts → dotted. */
function canonicalHost(host: string): string {
  const bare = host.trim().toLowerCase().replace(/\.$/, '');
  try {
    const parsed = new URL(`http://${isIPv6(bare) ? `[${bare}]` : bare}/`).hostname;
    return parsed.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return bare.replace(/^\[(.*)\]$/, '$1');
  }
}

function ipFamily(value: string): 4 | 6 | undefined {
  if (isIPv4(value)) return 4;
  if (isIPv6(value)) return 6;
  return undefined;
}

/** [first address, prefix length] of IPv4 ranges that are not public unicast. */
const BLOCKED_V4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network", including the unspecified address
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT shared address space
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
];

const BLOCKED_V4_RANGES = BLOCKED_V4.map(([base, bits]) => ({
  base: ipv4ToNumber(base),
  mask: bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0,
}));

/**
 * True for any address a link must not reach: not public unicast, or not an IP address at
 * all (fail closed). IPv6 that carries IPv4 (mapped, compatible, NAT64, 6to4) is judged by
 * its IPv4; other IPv6 must be global unicast (2000::/3) outside the special ranges.
 */
export function isBlockedAddress(address: string): boolean {
  const bare = address.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIPv4(bare)) return isBlockedV4(ipv4ToNumber(bare));
  if (!isIPv6(bare) || bare.includes('%')) return true;
  const v6 = ipv6ToBigInt(bare);
  const embedded = embeddedV4(v6);
  if (embedded !== undefined) return isBlockedV4(embedded);
  if (v6 >> 125n !== 1n) return true; // outside 2000::/3: loopback, ULA, link-local, multicast…
  return (
    v6 >> 105n === 0x2001_0000n >> 9n || // 2001::/23 IETF protocol assignments, Teredo
    v6 >> 96n === 0x2001_0db8n || // 2001:db8::/32 documentation
    v6 >> 108n === 0x3fff0n // 3fff::/20 documentation
  );
}

function isBlockedV4(value: number): boolean {
  return BLOCKED_V4_RANGES.some(({ base, mask }) => (value & mask) >>> 0 === base);
}

/** The IPv4 address carried inside an IPv6 one, for the forms that route to it. */
function embeddedV4(v6: bigint): number | undefined {
  const low32 = Number(v6 & 0xffff_ffffn);
  const high96 = v6 >> 32n;
  if (high96 === 0xffffn) return low32; // ::ffff:a.b.c.d, IPv4-mapped
  if (high96 === 0xffff_0000n) return low32; // ::ffff:0:a.b.c.d, IPv4-translated
  if (high96 === 0n && v6 > 1n) return low32; // ::a.b.c.d, IPv4-compatible (:: and ::1 excluded)
  if (high96 === 0x0064_ff9b_0000_0000_0000_0000n) return low32; // 64:ff9b::/96, NAT64
  if (v6 >> 112n === 0x2002n) return Number((v6 >> 80n) & 0xffff_ffffn); // 2002::/16, 6to4
  return undefined;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted !== undefined) {
    const v4 = ipv4ToNumber(dotted);
    text = `${text.slice(0, -dotted.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [
    ...headGroups,
    ...Array<string>(tail === undefined ? 0 : missing).fill('0'),
    ...tailGroups,
  ];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

// ---------------------------------------------------------------------------------------------
// Transports.

interface HopResponse {
  status: number;
  header(name: string): string | undefined;
  body: AsyncIterable<Uint8Array>;
  /** Abandons the response: the rest of the body is never read. */
  close(): void;
}

type Transport = (request: HopContext & { method: 'HEAD' | 'GET' }) => Promise<HopResponse>;

/** node:http(s), connecting only to the vetted address, with no connection reuse. */
const pinnedTransport: Transport = ({ url, address, signal, userAgent, method }) => {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HopResponse>((resolve, reject) => {
    const request = send(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method,
        headers: { 'user-agent': userAgent, accept: '*/*' },
        lookup: pinned,
        family: address.family,
        agent: false,
        signal,
      },
      (response: IncomingMessage) => {
        // An abort while nobody reads must not become an unhandled 'error' event.
        response.on('error', () => undefined);
        resolve({
          status: response.statusCode ?? 0,
          header: (name) => {
            const value = response.headers[name.toLowerCase()];
            return Array.isArray(value) ? value[0] : value;
          },
          body: response,
          close: () => {
            response.destroy();
            request.destroy();
          },
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
};

function fetchTransport(fetchImpl: typeof fetch): Transport {
  return async ({ url, signal, userAgent, method }) => {
    const response = await fetchImpl(url, {
      method,
      redirect: 'manual',
      signal,
      headers: { 'user-agent': userAgent, accept: '*/*' },
    });
    const body = response.body;
    return {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      body: body ?? emptyBody(),
      close: () => {
        body?.cancel().catch(() => undefined);
      },
    };
  };
}

async function* emptyBody(): AsyncIterable<Uint8Array> {
  // No body: nothing to yield.
}
