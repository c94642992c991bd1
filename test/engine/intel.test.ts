import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeIntel } from '../../src/engine/analyzers/intel.ts';
import { hashBytes } from '../../src/engine/attachments/hashes.ts';
import { buildIndicatorSets } from '../../src/engine/intel/indicator-sets.ts';
import { listedDomain } from '../../src/engine/intel/match.ts';
import {
  type ParsedIndicator,
  normalizeDomain,
  normalizeHash,
  normalizeIp,
  normalizeUrl,
} from '../../src/engine/intel/normalize.ts';
import { extractObservables, urlsInHtml, urlsInText } from '../../src/engine/intel/observables.ts';
import { htmlOf, readHtml } from '../../src/engine/text/read-html.ts';
import type { ParsedEmail } from '../../src/engine/types.ts';
import { attachment, context, emailWith, peStub } from './attachment-helpers.ts';

const sets = (...indicators: ParsedIndicator[]) => buildIndicatorSets(indicators);

async function intelIds(email: ParsedEmail, ...indicators: ParsedIndicator[]) {
  const { findings } = await analyzeIntel(email, context({ indicators: sets(...indicators) }));
  return findings.map((f) => [f.id, f.evidence]);
}

describe('normalisation', () => {
  it.each([
    ['HTTPS://Login.Example.COM/Path?Q=1#frag', 'https://login.example.com/path?q=1'],
    ['http://example.com', 'http://example.com/'],
    ['example.com/login', 'http://example.com/login'],
    ['http://example.com.:80/', 'http://example.com/'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
    ['http://0x7f.1/', 'http://127.0.0.1/'],
  ])('normalizeUrl(%j) is %j', (input, expected) => {
    expect(normalizeUrl(input)).toBe(expected);
  });

  it.each(['', 'http://', 'not a url'])('normalizeUrl(%j) is null', (input) => {
    expect(normalizeUrl(input)).toBeNull();
  });

  it.each([
    ['Login.Example.COM.', 'login.example.com'],
    ['*.evil.example', 'evil.example'],
    ['bücher.example', 'xn--bcher-kva.example'],
  ])('normalizeDomain(%j) is %j', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each(['localhost', '10.0.0.1', 'bad_label.example', '-x.example', 'a b.example'])(
    'normalizeDomain(%j) is null',
    (input) => {
      expect(normalizeDomain(input)).toBeNull();
    },
  );

  it('normalises IPs and hashes', () => {
    expect(normalizeIp('010.000.000.001')).toBe('10.0.0.1');
    expect(normalizeIp('[2001:DB8:0:0::1]')).toBe('2001:db8::1');
    expect(normalizeIp('256.1.1.1')).toBeNull();
    expect(normalizeHash(' D41D8CD98F00B204E9800998ECF8427E ')).toBe(
      'd41d8cd98f00b204e9800998ecf8427e',
    );
    expect(normalizeHash('xyz')).toBeNull();
  });

  it('is idempotent, so feeds and emails meet in the same form', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const once = normalizeUrl(url);
        if (once !== null) expect(normalizeUrl(once)).toBe(once);
      }),
    );
    fc.assert(
      fc.property(fc.domain(), (domain) => {
        const once = normalizeDomain(domain);
        if (once !== null) expect(normalizeDomain(once)).toBe(once);
      }),
    );
  });
});

describe('listedDomain', () => {
  const listed = new Set(['evil.example', 'evil.github.io', 'co.uk']);

  it('matches the domain itself and its subdomains', () => {
    expect(listedDomain('evil.example', listed)).toBe('evil.example');
    expect(listedDomain('Login.Secure.EVIL.example', listed)).toBe('evil.example');
    expect(listedDomain('notevil.example', listed)).toBeNull();
  });

  it('stops at the registrable domain', () => {
    expect(listedDomain('shop.co.uk', listed)).toBeNull();
    expect(listedDomain('a.evil.github.io', listed)).toBe('evil.github.io');
  });
});

describe('observable extraction', () => {
  it('finds URLs in text without trailing punctuation', () => {
    expect(urlsInText('See https://a.example/x). Or www.b.example/y, then.')).toEqual([
      'https://a.example/x',
      'www.b.example/y',
    ]);
  });

  it('finds URLs in HTML attributes, with entities decoded, and in its text', () => {
    const html =
      '<a href="https://a.example/?x=1&amp;y=2">click</a><form action="//c.example/post"></form>' +
      '<img src="cid:logo"><p>visit http://d.example/</p>';
    expect(urlsInHtml(readHtml(html))).toEqual([
      'https://a.example/?x=1&y=2',
      'http://c.example/post',
      'http://d.example/',
    ]);
  });

  it('finds URLs in srcset, CSS and a meta refresh, and text URLs split by an entity', () => {
    const html =
      '<meta http-equiv="refresh" content="0;url=https://r.example/go">' +
      '<img srcset="https://s.example/1x.png 1x"><div style="background:url(//c.example/bg.png)">' +
      'see http://t.example/a&amp;b=1</div>';
    expect(urlsInHtml(readHtml(html))).toEqual([
      'https://r.example/go',
      'https://s.example/1x.png',
      'http://c.example/bg.png',
      'http://t.example/a&b=1',
    ]);
  });

  it('takes the HTML from the email’s shared reading instead of reading it again', () => {
    const email = emailWith([], { html: '<a href="https://a.example/">a</a>' });
    htmlOf(email).links.push({
      url: 'https://only-in-the-shared-reading.example/',
      source: 'href',
      element: 'a',
      anchorText: null,
    });
    expect(extractObservables(email).urls).toEqual([
      'https://a.example/',
      'https://only-in-the-shared-reading.example/',
    ]);
  });
});

describe('analyzeIntel', () => {
  const email = emailWith([], {
    from: { name: 'IT', address: 'it@mail.phisher.example' },
    replyTo: [{ name: '', address: 'help@reply.example' }],
    text: 'Reset at https://LOGIN.bad.example/reset?id=1 or http://198.51.100.7/x',
    html: '<a href="https://login.bad.example/reset?id=1#top">Reset</a>',
  });

  it('reports nothing without indicator sets', async () => {
    expect(await analyzeIntel(email, context())).toEqual({ findings: [] });
  });

  it('reports a listed sender domain through its parent', async () => {
    expect(await intelIds(email, { type: 'domain', value: 'phisher.example' })).toEqual([
      ['intel.domain_listed', 'phisher.example (From: mail.phisher.example)'],
    ]);
  });

  it('reports a listed URL once however often it appears', async () => {
    expect(
      await intelIds(email, { type: 'url', value: 'https://login.bad.example/reset?id=1' }),
    ).toEqual([['intel.url_listed', 'https://login.bad.example/reset?id=1']]);
  });

  it('reports listed link domains and IPs', async () => {
    expect(
      await intelIds(
        email,
        { type: 'domain', value: 'bad.example' },
        { type: 'ip', value: '198.51.100.7' },
      ),
    ).toEqual([
      ['intel.domain_listed', 'bad.example (link: https://login.bad.example/reset?id=1)'],
      ['intel.ip_listed', '198.51.100.7 (link: http://198.51.100.7/x)'],
    ]);
  });

  it('reports a listed attachment hash as critical', async () => {
    const content = peStub();
    const withFile = emailWith([attachment('invoice.exe', content)]);
    const { findings } = await analyzeIntel(
      withFile,
      context({ indicators: sets({ type: 'hash', value: hashBytes(content).sha256 }) }),
    );
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['intel.hash_listed', 'critical']]);
    expect(findings[0]?.evidence).toBe(`${hashBytes(content).sha256} (sha256 of invoice.exe)`);
  });

  it('leaves an email with nothing listed alone', async () => {
    expect(await intelIds(email, { type: 'domain', value: 'other.example' })).toEqual([]);
  });
});
