import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FORM_SERVICES,
  FREE_HOSTING,
  type HostEntry,
  HostList,
  hostMatches,
  SHORTENER_HOSTS,
} from '../../src/engine/url/domain-lists.ts';

/** The plain reading of a list: the first entry the host is or is under, in its path. */
function firstListed(entries: readonly HostEntry[], host: string, pathname: string) {
  return entries.find(
    (e) => hostMatches(host, e.host) && (e.path === undefined || pathname.startsWith(e.path)),
  );
}

const NESTED: readonly HostEntry[] = [
  { host: 'a.b.example', path: '/x/' },
  { host: 'b.example' },
  { host: 'a.b.example' },
  { host: 'b.example', path: '/y/' },
];
const LISTS: readonly (readonly HostEntry[])[] = [
  FREE_HOSTING,
  FORM_SERVICES,
  SHORTENER_HOSTS.map((host) => ({ host })),
  NESTED,
];

const label = fc.constantFrom(
  ...['a', 'b', 'x', 'www', 'docs', 'google', 'sites', 'ipfs', 'bit', 'ly', 't', 'co'],
  ...['com', 'io', 'example', 'github', 'web', 'app', 'core', 'windows', 'net', ''],
);
const host = fc.array(label, { minLength: 1, maxLength: 5 }).map((labels) => labels.join('.'));
const pathname = fc.constantFrom('/', '/x/', '/y/z', '/forms/d/1', '/ipfs/Qm', '');

describe('HostList', () => {
  it('finds what reading the list entry by entry finds', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LISTS), host, pathname, (entries, name, path) => {
        expect(new HostList(entries).find(name, path)).toBe(firstListed(entries, name, path));
      }),
      { numRuns: 2000 },
    );
  });

  it('prefers the first listed of several entries that fit', () => {
    const list = new HostList(NESTED);
    expect(list.find('a.b.example', '/x/1')).toBe(NESTED[0]);
    expect(list.find('a.b.example', '/z')).toBe(NESTED[1]);
    expect(list.find('c.a.b.example', '/y/')).toBe(NESTED[1]);
    expect(list.find('ab.example', '/x/')).toBeUndefined();
  });
});
