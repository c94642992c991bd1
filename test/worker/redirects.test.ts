import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  isBlockedAddress,
  resolveRedirects,
  type ResolveRedirectsOptions,
} from '../../src/worker/adapters/redirects.ts';

/** Requests the server saw, as `METHOD /path`. */
let requests: string[] = [];
/** Resolves when the client abandons the endless body of /endless. */
let endlessClosed: Promise<void> = Promise.resolve();

function route(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  requests.push(`${req.method ?? ''} ${url.pathname}`);
  const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
  if (chain) {
    const n = Number(chain[1]);
    if (n === 0) res.writeHead(200, { 'content-type': 'text/plain' }).end('the end');
    else res.writeHead(302, { location: `/chain/${String(n - 1)}` }).end();
    return;
  }
  switch (url.pathname) {
    case '/to':
      res.writeHead(302, { location: url.searchParams.get('target') ?? '/' }).end();
      return;
    case '/head-refused':
      if (req.method === 'HEAD') res.writeHead(405).end();
      else res.writeHead(301, { location: '/chain/0' }).end('moved');
      return;
    case '/meta':
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          req.method === 'HEAD'
            ? undefined
            : '<html><head><meta http-equiv="refresh" content="0; URL=\'/chain/0\'"></head></html>',
        );
      return;
    case '/page':
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>no refresh here</p>');
      return;
    case '/endless': {
      res.writeHead(200, { 'content-type': 'text/html' });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      const chunk = '<p>' + 'x'.repeat(16_000) + '</p>';
      const timer = setInterval(() => res.write(chunk), 2);
      endlessClosed = new Promise((done) => {
        res.on('close', () => {
          clearInterval(timer);
          done();
        });
      });
      return;
    }
    case '/declared-large':
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': '50000000' });
      if (req.method === 'HEAD') res.end();
      else res.write('<p>');
      return;
    case '/slow':
      return; // never answers
    default:
      res.writeHead(404).end();
  }
}

const server = createServer(route);
let port = 0;
let base = '';

beforeAll(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${String(port)}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});
beforeEach(() => {
  requests = [];
});

const options = (extra: Partial<ResolveRedirectsOptions> = {}): ResolveRedirectsOptions => ({
  maxHops: 5,
  timeoutMs: 5_000,
  maxBytes: 100_000,
  allowHosts: ['127.0.0.1'],
  ...extra,
});

/** `localhost` is allow-listed and resolves to the test server; nothing else is. */
const viaLocalhost = (target: string) => ({
  url: `http://localhost:${String(port)}/to?target=${encodeURIComponent(target)}`,
  options: options({
    allowHosts: ['localhost'],
    lookup: (host: string) =>
      host === 'localhost'
        ? Promise.resolve(['127.0.0.1'])
        : Promise.reject(new Error(`unexpected lookup of ${host}`)),
  }),
});

describe('resolveRedirects', () => {
  it('follows a chain of redirects to the page at its end', async () => {
    const result = await resolveRedirects(`${base}/chain/3`, options());
    expect(result).toEqual({
      chain: [
        { url: `${base}/chain/3`, status: 302 },
        { url: `${base}/chain/2`, status: 302 },
        { url: `${base}/chain/1`, status: 302 },
        { url: `${base}/chain/0`, status: 200 },
      ],
      final_url: `${base}/chain/0`,
    });
    expect(requests.every((r) => r.startsWith('HEAD '))).toBe(true);
  });

  it('falls back to GET when HEAD is refused', async () => {
    const result = await resolveRedirects(`${base}/head-refused`, options());
    expect(result.chain).toEqual([
      { url: `${base}/head-refused`, status: 301 },
      { url: `${base}/chain/0`, status: 200 },
    ]);
    expect(requests.slice(0, 2)).toEqual(['HEAD /head-refused', 'GET /head-refused']);
  });

  it('follows a meta refresh on an HTML page', async () => {
    const result = await resolveRedirects(`${base}/meta`, options());
    expect(result.final_url).toBe(`${base}/chain/0`);
    expect(result.chain.map((hop) => hop.status)).toEqual([200, 200]);
  });

  it('ends at a redirect to a scheme it does not fetch', async () => {
    const result = await resolveRedirects(`${base}/to?target=mailto:x@example.com`, options());
    expect(result).toEqual({
      chain: [{ url: `${base}/to?target=mailto:x@example.com`, status: 302 }],
      final_url: 'mailto:x@example.com',
    });
  });

  it('stops after maxHops redirects, naming the hop it did not follow', async () => {
    const result = await resolveRedirects(`${base}/chain/10`, options({ maxHops: 3 }));
    expect(result.stopped_reason).toBe('max_hops');
    expect(result.chain).toHaveLength(4);
    expect(result.final_url).toBe(`${base}/chain/6`);
    expect(requests).toHaveLength(4);
  });

  it('reports a redirect target that is not a URL as an error', async () => {
    const result = await resolveRedirects(
      `${base}/to?target=${encodeURIComponent('http://[nope')}`,
      options(),
    );
    expect(result).toMatchObject({ final_url: 'http://[nope', stopped_reason: 'error' });
    expect(result.chain).toHaveLength(1);
  });

  it('reaches an allow-listed IPv6 literal', async (context) => {
    const v6 = createServer((_req, res) => res.writeHead(200).end());
    const listening = await new Promise<boolean>((done) => {
      v6.once('error', () => {
        done(false);
      });
      v6.listen(0, '::1', () => {
        done(true);
      });
    });
    if (!listening) context.skip('no IPv6 loopback here');
    try {
      const url = `http://[::1]:${String((v6.address() as AddressInfo).port)}/`;
      expect(await resolveRedirects(url, options({ allowHosts: ['[0::1]'] }))).toEqual({
        chain: [{ url, status: 200 }],
        final_url: url,
      });
      expect((await resolveRedirects(url, options({ allowHosts: [] }))).stopped_reason).toBe(
        'blocked_address',
      );
    } finally {
      v6.closeAllConnections();
      await new Promise((done) => v6.close(done));
    }
  });

  it('also works through an injected fetch', async () => {
    const result = await resolveRedirects(`${base}/chain/2`, options({ fetch: globalThis.fetch }));
    expect(result.final_url).toBe(`${base}/chain/0`);
    expect(result.chain.map((hop) => hop.status)).toEqual([302, 302, 200]);
  });
});

describe('when a hop leads to a non-public address', () => {
  it('refuses a first URL on loopback that is not allow-listed, without connecting', async () => {
    const result = await resolveRedirects(`${base}/chain/0`, options({ allowHosts: [] }));
    expect(result).toMatchObject({ chain: [], stopped_reason: 'blocked_address' });
    expect(requests).toEqual([]);
  });

  it('refuses a redirect to 127.0.0.1 when only the first host is allow-listed', async () => {
    const target = `http://127.0.0.1:${String(port)}/chain/0`;
    const { url, options: opts } = viaLocalhost(target);
    const result = await resolveRedirects(url, opts);
    expect(result).toEqual({
      chain: [{ url, status: 302 }],
      final_url: target,
      stopped_reason: 'blocked_address',
      detail: expect.stringContaining('127.0.0.1') as unknown,
    });
    expect(requests).toEqual(['HEAD /to']);
  });

  it.each([
    ['decimal', 'http://2130706433/'],
    ['hex', 'http://0x7f000001/'],
    ['octal', 'http://0177.0.0.1/'],
    ['short', 'http://127.1/'],
    ['IPv6 loopback', 'http://[::1]/'],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]/'],
    ['IPv4-mapped IPv6, hex', 'http://[::ffff:a9fe:a9fe]/latest/meta-data/'],
    ['unspecified', 'http://0.0.0.0/'],
    ['link-local metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['unique-local IPv6', 'http://[fd12:3456::1]/'],
  ])('refuses a redirect to a %s address', async (_name, target) => {
    const { url, options: opts } = viaLocalhost(target);
    const result = await resolveRedirects(url, opts);
    expect(result.stopped_reason).toBe('blocked_address');
    expect(result.chain).toHaveLength(1);
  });

  it('refuses a name that resolves to a private address, checked on every hop', async () => {
    const looked: string[] = [];
    const result = await resolveRedirects(
      `${base}/to?target=${encodeURIComponent('http://intranet.example/admin')}`,
      options({
        lookup: (host) => {
          looked.push(host);
          return Promise.resolve(['10.1.2.3']);
        },
      }),
    );
    expect(result).toMatchObject({
      final_url: 'http://intranet.example/admin',
      stopped_reason: 'blocked_address',
    });
    expect(looked).toEqual(['intranet.example']);
  });

  it.each([
    ['loopback', ['127.0.0.2']],
    ['link-local (cloud metadata)', ['169.254.169.254']],
    ['private', ['192.168.0.10']],
    ['IPv6 loopback', ['::1']],
    ['IPv6 link-local', ['fe80::1']],
    ['IPv4-mapped private', ['::ffff:10.0.0.1']],
  ])(
    'refuses, behind a redirect, a DNS name that resolves to a %s address',
    async (_name, addresses) => {
      const target = `http://rebound.example:${String(port)}/chain/0`;
      const result = await resolveRedirects(
        `${base}/to?target=${encodeURIComponent(target)}`,
        options({
          lookup: (host) =>
            host === 'rebound.example'
              ? Promise.resolve(addresses)
              : Promise.reject(new Error(`unexpected lookup of ${host}`)),
        }),
      );
      expect(result).toMatchObject({ final_url: target, stopped_reason: 'blocked_address' });
      expect(result.chain).toEqual([
        { url: expect.stringContaining('/to?target=') as unknown, status: 302 },
      ]);
      expect(requests).toEqual(['HEAD /to']);
    },
  );

  it.each([
    ['private', 'http://10.0.0.5/'],
    ['link-local', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 unique-local', 'http://[fd00::5]/'],
  ])('refuses a first URL at a %s address without connecting', async (_name, url) => {
    const result = await resolveRedirects(url, options({ allowHosts: [] }));
    expect(result).toMatchObject({ chain: [], final_url: url, stopped_reason: 'blocked_address' });
  });

  it('refuses a name the real resolver maps to loopback, also behind a redirect', async () => {
    // No injected lookup: `localhost` goes through the system resolver (/etc/hosts).
    const direct = await resolveRedirects(`http://localhost:${String(port)}/chain/0`, {
      maxHops: 5,
      timeoutMs: 5_000,
      maxBytes: 100_000,
    });
    expect(direct).toMatchObject({ chain: [], stopped_reason: 'blocked_address' });
    const target = `http://localhost:${String(port)}/chain/0`;
    const behind = await resolveRedirects(
      `${base}/to?target=${encodeURIComponent(target)}`,
      options({ allowHosts: ['127.0.0.1'] }),
    );
    expect(behind).toMatchObject({ final_url: target, stopped_reason: 'blocked_address' });
    expect(requests).toEqual(['HEAD /to']);
  });

  it('refuses a name with any private address among public ones', async () => {
    const result = await resolveRedirects(
      'http://mixed.example/',
      options({ lookup: () => Promise.resolve(['93.184.216.34', '192.168.1.10']) }),
    );
    expect(result.stopped_reason).toBe('blocked_address');
  });

  it('resolves each host once and connects to the address it vetted', async () => {
    // `pinned.invalid` exists only in the injected lookup: if the request resolved the name
    // again, it would fail instead of reaching the test server.
    let lookups = 0;
    const url = `http://pinned.invalid:${String(port)}/page`;
    const result = await resolveRedirects(
      url,
      options({
        allowHosts: ['pinned.invalid'],
        lookup: () => {
          lookups++;
          return Promise.resolve(['127.0.0.1']);
        },
      }),
    );
    expect(result).toEqual({ chain: [{ url, status: 200 }], final_url: url });
    expect(requests).toEqual(['HEAD /page', 'GET /page']);
    expect(lookups).toBe(1);
  });
});

describe('budgets', () => {
  it('abandons a body larger than the byte budget', async () => {
    const started = Date.now();
    const result = await resolveRedirects(`${base}/endless`, options({ maxBytes: 50_000 }));
    expect(result).toMatchObject({
      chain: [{ url: `${base}/endless`, status: 200 }],
      final_url: `${base}/endless`,
      stopped_reason: 'too_large',
    });
    await endlessClosed;
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('does not read a body whose declared length is over the budget', async () => {
    const result = await resolveRedirects(`${base}/declared-large`, options());
    expect(result.stopped_reason).toBe('too_large');
  });

  it('stops at the time budget when a server does not answer', async () => {
    const started = Date.now();
    const result = await resolveRedirects(`${base}/slow`, options({ timeoutMs: 300 }));
    expect(result).toMatchObject({
      chain: [],
      final_url: `${base}/slow`,
      stopped_reason: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('counts a lookup that hangs against the same time budget', async () => {
    const result = await resolveRedirects(
      'http://hangs.example/',
      options({ timeoutMs: 200, lookup: () => new Promise<string[]>(() => undefined) }),
    );
    expect(result.stopped_reason).toBe('timeout');
  });

  it('reports a host that does not resolve as an error', async () => {
    const result = await resolveRedirects(
      'http://nowhere.example/',
      options({ lookup: () => Promise.reject(new Error('ENOTFOUND')) }),
    );
    expect(result).toMatchObject({ chain: [], stopped_reason: 'error' });
  });
});

describe('isBlockedAddress', () => {
  it.each([
    '0.0.0.0',
    '10.0.0.1',
    '100.64.0.1',
    '100.127.255.255',
    '127.0.0.1',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '192.0.2.1',
    '198.18.0.1',
    '224.0.0.251',
    '239.255.255.250',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::10.0.0.1',
    '64:ff9b::a00:1',
    '2002:c0a8:0101::1',
    'fc00::1',
    'fd00::1',
    'fe80::1',
    'fe80::1%eth0',
    'fec0::1',
    'ff02::1',
    '2001:db8::1',
    '100::1',
    'not-an-ip',
    '',
  ])('refuses %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '93.184.216.34',
    '100.63.255.255',
    '100.128.0.1',
    '172.15.255.255',
    '172.32.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:830::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('allows %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});
