/**
 * One URL, normalised and taken apart: the WHATWG parser lower-cases the host,
 * drops the default port, decodes a percent-encoded host and turns decimal,
 * hex and octal IPv4 forms into dotted quads; comparing its host with the
 * host as written tells whether the address was disguised. A percent-encoded
 * port, which the parser refuses but older mail clients followed, is decoded
 * first, so the link it hides is still inspected.
 */
import { domainToUnicode } from 'node:url';
import { parse as parseHost } from 'tldts';

export const IP_FORMS = {
  dotted: 'dotted',
  /** Decimal, hex, octal, shortened or percent-encoded IPv4, which no legitimate sender writes. */
  obfuscated: 'obfuscated',
  ipv6: 'ipv6',
} as const;
export type IpForm = (typeof IP_FORMS)[keyof typeof IP_FORMS];

export interface InspectedUrl {
  /** The normalised URL. */
  url: string;
  /** Lower-case, without the colon: `http`, `data`, `javascript`. */
  scheme: string;
  /** ASCII (punycode) host without port; empty for schemes without one. */
  host: string;
  /** The host as a reader sees it, IDN labels decoded. */
  displayHost: string;
  registrableDomain: string | null;
  /** The public suffix of a domain host (`com`, `co.uk`); null for IP addresses and no host. */
  publicSuffix: string | null;
  /** The registrable domain without its public suffix: `paypal` for `paypal.co.uk`. */
  domainLabel: string | null;
  pathname: string;
  ipForm: IpForm | null;
  /** User name (and password) before an `@`, which readers take for the host. */
  userinfo: string | null;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\\]*)/i;
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** An authority's port written as percent-encoded digits (`:%38%30` for `:80`). */
const ENCODED_PORT =
  /^([a-z][a-z0-9+.-]*:\/\/[^/?#\\]*:)((?:%3\d|\d)*%3\d(?:%3\d|\d)*)(?=[/?#\\]|$)/i;

/** The host exactly as written in the URL. */
function writtenHost(raw: string): string {
  const authority = AUTHORITY.exec(raw)?.[1] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const host = hostPort.startsWith('[') ? hostPort : hostPort.replace(/:[^:]*$/, '');
  return host.toLowerCase().replace(/\.$/, '');
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function ipFormOf(hostname: string, raw: string): IpForm | null {
  if (hostname.startsWith('[')) return IP_FORMS.ipv6;
  if (!DOTTED_QUAD.test(hostname)) return null;
  return writtenHost(raw) === hostname ? IP_FORMS.dotted : IP_FORMS.obfuscated;
}

export function inspectUrl(raw: string): InspectedUrl | null {
  const trimmed = raw.trim();
  const written = SCHEME.test(trimmed) ? trimmed : `http://${trimmed}`;
  const withScheme = written.replace(
    ENCODED_PORT,
    (_, head: string, port: string) => head + decodeSafe(port),
  );
  const parsed = parseUrl(withScheme);
  if (parsed === null) return null;
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  const host = parsed.hostname.replace(/\.$/, '');
  const ipForm = host === '' ? null : ipFormOf(host, withScheme);
  const isDomain = host !== '' && ipForm === null;
  const parts = isDomain ? parseHost(host) : null;
  const registrableDomain = parts?.domain ?? null;
  const userinfo = parsed.username === '' ? null : decodeSafe(parsed.username);
  return {
    url: parsed.href,
    scheme,
    host,
    displayHost: host.includes('xn--') ? domainToUnicode(host) || host : host,
    registrableDomain,
    publicSuffix: parts?.publicSuffix ?? null,
    domainLabel: registrableDomain === null ? null : (parts?.domainWithoutSuffix ?? null),
    pathname: parsed.pathname,
    ipForm,
    userinfo,
  };
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
