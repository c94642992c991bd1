/**
 * One normal form for indicators, used both when feeds are loaded and when
 * an email's observables are matched, so the two sides always agree: lower
 * case, IDNs as punycode, no trailing dot, no URL fragment.
 */
import { domainToASCII } from 'node:url';

export type IndicatorType = 'url' | 'domain' | 'ip' | 'hash';

export interface ParsedIndicator {
  type: IndicatorType;
  value: string;
}

const MAX_URL_CHARS = 4096;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TOP_LEVEL_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HASH = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/;

/** A URL in normal form, or `null` if it has no host. A missing scheme means http. */
export function normalizeUrl(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed === '' || trimmed.length > MAX_URL_CHARS) return null;
  let url: URL;
  try {
    url = new URL(SCHEME.test(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    return null;
  }
  if (url.hostname === '') return null;
  url.hash = '';
  url.hostname = url.hostname.replace(/\.$/, '');
  return url.href.toLowerCase();
}

/** A host name in normal form, or `null` if it is not a plausible public domain (IPs included). */
export function normalizeDomain(input: string): string | null {
  const trimmed = input.trim().toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
  if (trimmed === '' || normalizeIp(trimmed) !== null) return null;
  const ascii = domainToASCII(trimmed);
  const labels = ascii.split('.');
  const isValid =
    ascii.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => LABEL.test(label)) &&
    TOP_LEVEL_LABEL.test(labels.at(-1) ?? '');
  return isValid ? ascii : null;
}

/** Dotted-decimal IPv4 or compressed IPv6 (brackets dropped), or `null`. */
export function normalizeIp(input: string): string | null {
  const trimmed = input.trim().replace(/^\[(.*)\]$/, '$1');
  const v4 = IPV4.exec(trimmed);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    return octets.every((o) => o <= 255) ? octets.join('.') : null;
  }
  if (!trimmed.includes(':')) return null;
  try {
    return new URL(`http://[${trimmed}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/** An MD5, SHA-1 or SHA-256 hex digest in lower case, or `null`. */
export function normalizeHash(input: string): string | null {
  const lower = input.trim().toLowerCase();
  return HASH.test(lower) ? lower : null;
}

/**
 * What a bare feed line is: a URL if it has a scheme or a path, otherwise an
 * IP or a domain; `null` if none of these.
 */
export function classifyIndicator(input: string): ParsedIndicator | null {
  const trimmed = input.trim();
  if (SCHEME.test(trimmed) || trimmed.includes('/')) {
    const url = normalizeUrl(trimmed);
    return url === null ? null : { type: 'url', value: url };
  }
  const ip = normalizeIp(trimmed);
  if (ip !== null) return { type: 'ip', value: ip };
  const domain = normalizeDomain(trimmed);
  return domain === null ? null : { type: 'domain', value: domain };
}

const NORMALIZE: Record<IndicatorType, (input: string) => string | null> = {
  url: normalizeUrl,
  domain: normalizeDomain,
  ip: normalizeIp,
  hash: normalizeHash,
};

/** An indicator whose type is known (as a provider answers), in normal form; `null` if it is not one. */
export function normalizeIndicator(type: IndicatorType, input: string): ParsedIndicator | null {
  const value = NORMALIZE[type](input);
  return value === null ? null : { type, value };
}
