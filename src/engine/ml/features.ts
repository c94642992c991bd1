/**
 * Turns a parsed email into hashed features for the phishing model. Training and inference
 * both call `extractFeatures`, so the model sees the same input in both places.
 *
 * Feature names carry a prefix saying where they came from:
 *   s:  subject word          w:  body word           b:  body word bigram
 *   ud: URL registrable domain  ut: URL public suffix  up: URL path word
 *   uh: URL host kind (an IP address, or unparsable)
 *   h:  header-derived flag   x:  structural flag   r:  a rule analyzer's finding id
 * Word and URL tokens are counted, log-scaled and L2-normalised together, so a long message
 * does not outweigh a short one. Flags weigh `FLAG_VALUE` each.
 *
 * Version 2 keeps what says what a message wants from its reader and leaves out what says when
 * and by what software it was written, because the corpus's ham and phishing come from different
 * decades (see models/TRAINING.md): no charset, mailer, body kind (HTML or plain), MIME or link
 * counts, quoting, and no function words ("the", "your"), whose rates follow the genre (list
 * discussion against a message addressed to its reader) rather than intent.
 */
import { Parser } from 'htmlparser2';
import { getDomain, parse as parseDomain } from 'tldts';
import type { Finding } from '../../contracts/analysis-result.ts';
import type { AnalyzerOutput } from '../analyzer.ts';
import { analyzeContent } from '../analyzers/content.ts';
import { analyzeLinks } from '../analyzers/links.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../defaults.ts';
import type { ParsedEmail } from '../types.ts';
import { STOP_WORDS } from './stop-words.ts';

/** Bump when extraction changes: a model trained on other features must not be loaded. */
export const FEATURE_VERSION = 2;

export interface Feature {
  name: string;
  value: number;
}

/** Sparse vector over `2^bucketBits` hashed buckets; `indices` ascending and unique. */
export interface SparseVector {
  indices: number[];
  values: number[];
}

/**
 * About what one frequent word weighs in a normalised message. At 1, the model leaned on a few
 * flags that follow the collection (plain-text 2002 lists against HTML phishing) more than on
 * the words, and cross-validated worse.
 */
const FLAG_VALUE = 0.1;
const MAX_TEXT_CHARS = 100_000;
const MAX_WORDS = 5_000;
const MAX_TOKEN_CHARS = 24;
const MAX_URLS = 200;

/**
 * Traces the corpus collectors left in messages (README "Known biases"): SpamAssassin's
 * `taint.org` / `zzzz`, Nazario's `domain.com`, and the `example.org` recipient placeholder.
 * A token holding one says which collection a message came from, not whether it is phishing.
 */
const COLLECTOR_TRACES = ['taint.org', 'domain.com', 'example.org', 'zzzz'] as const;

/** Mailing-list subject tags such as `[USRP-users]` or `[ILUG]`: one word, no spaces. */
const LIST_TAG = /\[[\w.-]+\]/g;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'()[\]{}]+/gi;
const EMAIL_IN_TEXT = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const WORD = /\p{L}[\p{L}\p{M}'’]*/gu;
/** A Mailman footer starts with a rule of underscores followed by the list's address or URL. */
const LIST_FOOTER = /^_{20,}\s*$[\s\S]{0,400}?(?:mailing list|listinfo|lists\.)/im;

export function extractFeatures(email: ParsedEmail): Feature[] {
  const { html, body, urls } = readBody(email);

  const counted = [
    ...words(subjectWithoutTags(email.subject)).map((word) => `s:${word}`),
    ...textTokens(body),
    ...urls.flatMap(urlTokens),
  ];
  const flags = [
    ...headerFlags(email),
    ...(html.hasForm ? ['x:html-form'] : []),
    ...ruleFlags(email),
  ];
  return [
    ...logScaledUnitLength(countTokens(counted)),
    ...[...new Set(flags)].sort().map((name) => ({ name, value: FLAG_VALUE })),
  ];
}

/**
 * Flags that say the message itself does something phishing does (asks for credentials or
 * payment, threatens, hurries, hides a link's target, spoofs a sender...), as opposed to words
 * that merely sound like it. The `ml` analyzer lets the model move the verdict only when one is
 * present, or a link that leads away from the sender's domain: see `analyzers/ml.ts`.
 */
export function isCorroborated(email: ParsedEmail, features: readonly Feature[]): boolean {
  return (
    features.some(({ name }) => isCorroboratingFeature(name)) ||
    linksLeaveSender(email, readBody(email).urls)
  );
}

function isCorroboratingFeature(name: string): boolean {
  return (
    (name.startsWith('r:') && !NOT_CORROBORATING.has(name)) ||
    name.startsWith('h:') ||
    name === 'x:html-form'
  );
}

/** Findings about filter evasion or size, not about what the reader is asked to do. */
const NOT_CORROBORATING: ReadonlySet<string> = new Set([
  'r:content.hidden_text',
  'r:links.too_many_urls',
]);

function readBody(email: ParsedEmail): { html: HtmlContent; body: string; urls: string[] } {
  const html = readHtml(email.html.slice(0, MAX_TEXT_CHARS));
  const body = stripListFooter(
    (email.text.trim() === '' ? html.text : email.text).slice(0, MAX_TEXT_CHARS),
  );
  const urls = [...(body.match(URL_IN_TEXT) ?? []), ...html.urls].slice(0, MAX_URLS);
  return { html, body, urls };
}

/** Hashes named features into buckets, summing the values of names that collide. */
export function hashFeatures(features: readonly Feature[], bucketBits: number): SparseVector {
  const mask = (1 << bucketBits) - 1;
  const sums = new Map<number, number>();
  for (const { name, value } of features) {
    const bucket = featureBucket(name, mask);
    sums.set(bucket, (sums.get(bucket) ?? 0) + value);
  }
  const indices = [...sums.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((index) => sums.get(index) ?? 0) };
}

export function featureBucket(name: string, mask: number): number {
  return fnv1a32(name) & mask;
}

/** 32-bit FNV-1a over UTF-16 code units: tiny, fast and the same on every platform. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

interface HtmlContent {
  text: string;
  urls: string[];
  hasForm: boolean;
}

function readHtml(html: string): HtmlContent {
  const chunks: string[] = [];
  const urls: string[] = [];
  let hasForm = false;
  let hiddenDepth = 0;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'script' || name === 'style') hiddenDepth++;
        if (name === 'form') hasForm = true;
        const target =
          name === 'a' ? attributes.href : name === 'form' ? attributes.action : undefined;
        if (target !== undefined && /^https?:/i.test(target)) urls.push(target);
      },
      onclosetag(name) {
        if ((name === 'script' || name === 'style') && hiddenDepth > 0) hiddenDepth--;
      },
      ontext(text) {
        if (hiddenDepth === 0) chunks.push(text);
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  // Block boundaries are lost without a separator, which would glue words together.
  return { text: chunks.join(' '), urls, hasForm };
}

function stripListFooter(text: string): string {
  const match = LIST_FOOTER.exec(text);
  return match === null ? text : text.slice(0, match.index);
}

function subjectWithoutTags(subject: string): string {
  return subject.replace(LIST_TAG, ' ');
}

/**
 * Body words and bigrams of neighbouring content words ("verify your account" gives
 * "verify account"); addresses and URLs are cut out first (URLs get their own tokens).
 */
function textTokens(body: string): string[] {
  const list = words(body.replace(URL_IN_TEXT, ' ').replace(EMAIL_IN_TEXT, ' ')).slice(
    0,
    MAX_WORDS,
  );
  const bigrams = list.slice(1).map((word, i) => `b:${list[i] ?? ''} ${word}`);
  return [...list.map((word) => `w:${word}`), ...bigrams];
}

/**
 * Lower-cased letter runs of 2+ characters, cut to `MAX_TOKEN_CHARS`; digits never form words,
 * and function words (`STOP_WORDS`) are dropped.
 */
function words(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? [])
    .filter((word) => word.length >= 2 && !STOP_WORDS.has(word) && !isCollectorTrace(word))
    .map((word) => word.slice(0, MAX_TOKEN_CHARS));
}

function urlTokens(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return ['uh:unparsable'];
  }
  const host = parsed.hostname.toLowerCase();
  if (isCollectorTrace(host)) return [];
  const domain = parseDomain(host);
  return domain.isIp ? ['uh:ip-address'] : [`ut:${domain.publicSuffix ?? ''}`];
}

function isCollectorTrace(token: string): boolean {
  return COLLECTOR_TRACES.some((trace) => token.includes(trace));
}

/**
 * What the From, Reply-To and display name say about who is asking. Left out: the mailer and
 * charset (the software and decade that wrote the message) and From = To (the corpus rewrote
 * every recipient, so list mail reads as self-addressed too).
 */
function headerFlags(email: ParsedEmail): string[] {
  const fromDomain = domainOf(email.from?.address.toLowerCase() ?? '');
  const flags: string[] = [];
  if (email.from === null) flags.push('h:no-from');
  if (email.replyTo.some((mailbox) => domainOf(mailbox.address.toLowerCase()) !== fromDomain)) {
    flags.push('h:reply-to-differs');
  }
  if (/@|\.\w{2,}\b/.test(email.from?.name ?? '')) flags.push('h:display-name-has-address');
  return flags;
}

/**
 * Whether a link leads away from the sender: to another registrable domain than the From
 * address's, or to an IP address. Legitimate notices mostly link to their sender's own site;
 * phishing has to send the reader somewhere the attacker controls. Not a feature (the corpus's
 * ham, list mail linking to project sites, would teach the model the wrong thing about it),
 * only part of what corroborates the words (see `isCorroborated`).
 */
function linksLeaveSender(email: ParsedEmail, urls: readonly string[]): boolean {
  const sender = getDomain(domainOf(email.from?.address.toLowerCase() ?? ''));
  const linked = urls.map(registrableDomainOf).filter((domain) => domain !== null);
  return linked.some((domain) => domain !== sender);
}

function registrableDomainOf(url: string): string | null {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return parseDomain(host).isIp ? host : getDomain(host);
  } catch {
    return null;
  }
}

/** The rule analyzers' view, computed here so training and serving see the same thing. */
const RULE_CONTEXT = { options: DEFAULT_ENGINE_OPTIONS, ports: {} };

/**
 * The finding ids of the content and link analyzers, which read only the message itself, with
 * the engine's default options (never the caller's) so a feature does not depend on deployment.
 * The header analyzer is left out: its findings rest on Authentication-Results and Received
 * fields, which the corpus removed, and on DNS at serving time.
 */
function ruleFlags(email: ParsedEmail): string[] {
  const outputs = [analyzeContent(email, RULE_CONTEXT), analyzeLinks(email, RULE_CONTEXT)];
  return outputs.flatMap((output) => findingsOf(output).map(({ id }) => `r:${id}`));
}

function findingsOf(output: AnalyzerOutput | Promise<AnalyzerOutput>): Finding[] {
  if (output instanceof Promise) {
    throw new Error('features: the content and link analyzers must stay synchronous');
  }
  return output.findings;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

function countTokens(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/** log(1 + count), scaled to unit length; sorted by name so the output never depends on order. */
function logScaledUnitLength(counts: ReadonlyMap<string, number>): Feature[] {
  const features = [...counts]
    .map(([name, count]) => ({ name, value: Math.log1p(count) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const norm = Math.sqrt(features.reduce((sum, feature) => sum + feature.value ** 2, 0));
  return norm === 0 ? [] : features.map(({ name, value }) => ({ name, value: value / norm }));
}
