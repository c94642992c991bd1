import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../src/engine/intel/csv.ts';
import { FEED_FORMATS, type FeedFormat, parseFeed } from '../../src/engine/intel/feeds.ts';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url), 'utf8');

describe('parseFeed', () => {
  it('reads a plain OpenPhish-style list of URLs, domains and IPs', () => {
    expect(parseFeed(fixture('openphish.txt'), 'plain')).toEqual({
      indicators: [
        { type: 'url', value: 'https://secure-login.paypa1.example/signin?session=1' },
        { type: 'url', value: 'http://microsoft-verify.example.net/owa/' },
        { type: 'domain', value: 'evil-bank.example' },
        { type: 'ip', value: '198.51.100.23' },
        { type: 'url', value: 'https://xn--pple-43d.example/id' },
      ],
      skipped: 2,
      errors: [],
    });
  });

  it('reads the URLhaus CSV dump, skipping rows with broken quoting or fields', () => {
    expect(parseFeed(fixture('urlhaus.csv'), 'urlhaus_csv')).toEqual({
      indicators: [
        { type: 'url', value: 'http://203.0.113.77/bins/mozi.m' },
        { type: 'url', value: 'https://dropper.example.org/invoice.zip' },
        { type: 'url', value: 'http://files.example.com/a,b.exe' },
      ],
      skipped: 3,
      errors: [],
    });
  });

  it('reads verified PhishTank entries', () => {
    expect(parseFeed(fixture('phishtank.json'), 'phishtank_json')).toEqual({
      indicators: [
        { type: 'url', value: 'https://account-verify.example.com/login.php' },
        { type: 'url', value: 'http://www.bank-secure.example.net/update' },
      ],
      skipped: 4,
      errors: [],
    });
  });

  it('reports a PhishTank file that is not a JSON array as a feed error', () => {
    expect(parseFeed('{"url": "https://x.example/"}', 'phishtank_json').errors).toEqual([
      'expected a JSON array of entries',
    ]);
    expect(parseFeed('[{"url": ', 'phishtank_json').errors[0]).toMatch(/^not JSON/);
  });

  it('reads MalwareBazaar hashes, whose header is a comment, and never half a row', () => {
    expect(parseFeed(fixture('malwarebazaar.csv'), 'hash_csv')).toEqual({
      indicators: [
        { type: 'hash', value: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
        { type: 'hash', value: '900150983cd24fb0d6963f7d28e17f72' },
        { type: 'hash', value: 'a9993e364706816aba3e25717850c26c9cd0d89d' },
        { type: 'hash', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      ],
      skipped: 2,
      errors: [],
    });
  });

  it('reads a plain hash CSV with a header row', () => {
    const result = parseFeed(fixture('hashes.csv'), 'hash_csv');
    expect(result.indicators).toHaveLength(1);
    expect(result.skipped).toBe(1);
  });

  it('reports a hash CSV without hash columns as a feed error', () => {
    expect(parseFeed('name,size\nx,1\n', 'hash_csv')).toEqual({
      indicators: [],
      skipped: 0,
      errors: ['no header with a sha256, sha1 or md5 column'],
    });
  });

  it('never throws, and only yields normalised values, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.constantFrom<FeedFormat>(...FEED_FORMATS),
        (text, format) => {
          const result = parseFeed(text, format);
          for (const { value } of result.indicators) expect(value).toBe(value.trim().toLowerCase());
        },
      ),
    );
  });
});

describe('parseCsvLine', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['"a,1","b ""q""",', ['a,1', 'b "q"', '']],
    ['"x", "y"', ['x', 'y']],
    ['', ['']],
  ])('splits %j', (line, fields) => {
    expect(parseCsvLine(line)).toEqual(fields);
  });

  it.each(['"open', 'a"b,c', '"a"b'])('rejects broken quoting in %j', (line) => {
    expect(parseCsvLine(line)).toBeNull();
  });
});
