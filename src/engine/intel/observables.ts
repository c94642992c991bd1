/**
 * What an email offers to match against threat intelligence: the domains it
 * claims to come from, the URLs it carries, and its attachments' hashes.
 * Extracted here so the intel task can run without the other analyzers.
 */
import { Parser } from 'htmlparser2';
import { type FileHashes, hashBytes } from '../attachments/hashes.ts';
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
const URL_ATTRIBUTES: ReadonlySet<string> = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'data',
  'background',
  'poster',
]);
const ABSOLUTE_URL = /^(?:(?:https?|ftp):)?\/\//i;

export function extractObservables(email: ParsedEmail): Observables {
  return {
    senderDomains: senderDomains(email),
    urls: [...new Set([...urlsInText(email.text), ...urlsInHtml(email.html)])].slice(0, MAX_URLS),
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

export function urlsInHtml(html: string): string[] {
  const urls: string[] = [];
  const parser = new Parser({
    onattribute(name, value) {
      if (URL_ATTRIBUTES.has(name) && ABSOLUTE_URL.test(value.trim())) {
        const url = value.trim();
        urls.push(url.startsWith('//') ? `http:${url}` : url);
      }
    },
    ontext(text) {
      urls.push(...urlsInText(text));
    },
  });
  parser.end(html.slice(0, MAX_SCAN_CHARS));
  return urls.slice(0, MAX_URLS);
}
