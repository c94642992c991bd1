/**
 * What an email offers to match against threat intelligence: the domains it
 * claims to come from, the URLs it carries, and its attachments' hashes.
 * Extracted here so the intel task can run without the other analyzers; the
 * HTML is the email's shared reading (`htmlOf`), not read a second time.
 */
import { type FileHashes, hashBytes } from '../attachments/hashes.ts';
import { htmlOf, type HtmlDocument } from '../text/read-html.ts';
import { normalizeDomain, normalizeIp, normalizeUrl } from './normalize.ts';
import type { ParsedEmail } from '../types.ts';

export interface SenderDomain {
  /** Header it came from: `From`, `Sender`, `Reply-To`, `Return-Path`. */
  source: string;
  domain: string;
}

export interface AttachmentHashes {
  name: string;
  hashes: FileHashes;
}

export interface Observables {
  senderDomains: SenderDomain[];
  urls: string[];
  attachments: AttachmentHashes[];
}

/** Text searched per body part, and URLs kept per email: bounds on hostile bodies. */
const MAX_SCAN_CHARS = 2 * 1024 * 1024;
const MAX_URLS = 1_000;

const URL_IN_TEXT = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;
const ABSOLUTE_URL = /^(?:(?:https?|ftp):)?\/\//i;

export function extractObservables(email: ParsedEmail): Observables {
  const html = email.html === '' ? [] : urlsInHtml(htmlOf(email));
  return {
    senderDomains: senderDomains(email),
    urls: [...new Set([...urlsInText(email.text), ...html])].slice(0, MAX_URLS),
    attachments: email.attachments.map((a, i) => ({
      name: a.filename ?? `attachment-${i + 1}`,
      hashes: hashBytes(a.content),
    })),
  };
}

function senderDomains(email: ParsedEmail): SenderDomain[] {
  const addresses: [string, string | null | undefined][] = [
    ['From', email.from?.address],
    ['Sender', email.sender?.address],
    ...email.replyTo.map((m): [string, string] => ['Reply-To', m.address]),
    ['Return-Path', email.returnPath],
  ];
  return addresses.flatMap(([source, address]) => {
    const domain = address
      ?.replace(/[<>\s]/g, '')
      .split('@')
      .pop();
    return domain ? [{ source, domain }] : [];
  });
}

export function urlsInText(text: string): string[] {
  return [...text.slice(0, MAX_SCAN_CHARS).matchAll(URL_IN_TEXT)]
    .slice(0, MAX_URLS)
    .map((m) => m[0].replace(TRAILING_PUNCTUATION, ''));
}

/**
 * The absolute URLs of an HTML body's links (`href`, `src`, `srcset`, form actions, CSS `url()`,
 * a meta refresh), then those written in its text, visible or hidden, and in its scripts.
 */
export function urlsInHtml(doc: HtmlDocument): string[] {
  const urls: string[] = [];
  for (const { url } of doc.links) {
    if (ABSOLUTE_URL.test(url)) urls.push(url.startsWith('//') ? `http:${url}` : url);
  }
  for (const text of [doc.visibleText, doc.hiddenText, doc.scripts]) urls.push(...urlsInText(text));
  return urls.slice(0, MAX_URLS);
}

/** An email's indicators in the feed store's normal form, each once: what a provider is asked. */
export interface IndicatorQuery {
  domains: string[];
  urls: string[];
  ips: string[];
  hashes: string[];
}

export function indicatorQuery(observables: Observables): IndicatorQuery {
  const domains = new Set<string>();
  const urls = new Set<string>();
  const ips = new Set<string>();
  const addHost = (host: string): void => {
    const ip = normalizeIp(host);
    if (ip !== null) {
      ips.add(ip);
      return;
    }
    const domain = normalizeDomain(host);
    if (domain !== null) domains.add(domain);
  };
  for (const { domain } of observables.senderDomains) addHost(domain);
  for (const raw of observables.urls) {
    const url = normalizeUrl(raw);
    if (url === null) continue;
    urls.add(url);
    addHost(new URL(url).hostname);
  }
  const hashes = observables.attachments.flatMap(({ hashes: h }) => [h.md5, h.sha1, h.sha256]);
  return { domains: [...domains], urls: [...urls], ips: [...ips], hashes: [...new Set(hashes)] };
}
