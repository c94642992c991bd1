/**
 * Turns a parsed email into hashed features for the phishing model. Training and inference
 * both call `extractFeatures`, so the model sees the same input in both places.
 *
 * Feature names carry a prefix saying where they came from:
 *   s:  subject word          w:  body word           b:  body word bigram
 *   ud: URL registrable domain  ut: URL public suffix  up: URL path word
 *   uh: URL host kind (an IP address, or unparsable)
 *   h:  header-derived flag   x:  structural flag
 * Word and URL tokens are counted, log-scaled and L2-normalised together, so a long message
 * does not outweigh a short one. Header and structural flags weigh `FLAG_VALUE` each.
 */
import { Parser } from 'htmlparser2';
import { parse as parseDomain } from 'tldts';
import type { ParsedEmail } from '../types.ts';

/** Bump when extraction changes: a model trained on other features must not be loaded. */
export const FEATURE_VERSION = 1;

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
  const html = readHtml(email.html.slice(0, MAX_TEXT_CHARS));
  const body = stripListFooter(
    (email.text.trim() === '' ? html.text : email.text).slice(0, MAX_TEXT_CHARS),
  );
  const urls = [...(body.match(URL_IN_TEXT) ?? []), ...html.urls].slice(0, MAX_URLS);
  const recipients = email.to.map((mailbox) => mailbox.address.toLowerCase());

  const counted = [
    ...words(subjectWithoutTags(email.subject)).map((word) => `s:${word}`),
    ...textTokens(body),
    ...urls.flatMap(urlTokens),
  ];
  const flags = [
    ...headerFlags(email, recipients),
    ...structuralFlags(email, { body, urls, recipients, hasForm: html.hasForm }),
  ];
  return [
    ...logScaledUnitLength(countTokens(counted)),
    ...[...new Set(flags)].map((name) => ({ name, value: FLAG_VALUE })),
  ];
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

/** Body words and bigrams; addresses and URLs are cut out first (URLs get their own tokens). */
function textTokens(body: string): string[] {
  const list = words(body.replace(URL_IN_TEXT, ' ').replace(EMAIL_IN_TEXT, ' ')).slice(
    0,
    MAX_WORDS,
  );
  const bigrams = list.slice(1).map((word, i) => `b:${list[i] ?? ''} ${word}`);
  return [...list.map((word) => `w:${word}`), ...bigrams];
}

/** Lower-cased letter runs of 2+ characters, cut to `MAX_TOKEN_CHARS`; digits never form words. */
function words(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? [])
    .filter((word) => word.length >= 2 && !isCollectorTrace(word))
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
  const hostTokens = domain.isIp
    ? ['uh:ip-address']
    : [`ud:${domain.domain ?? host}`, `ut:${domain.publicSuffix ?? ''}`];
  return [...hostTokens, ...words(decodeSafely(parsed.pathname)).map((word) => `up:${word}`)];
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function isCollectorTrace(token: string): boolean {
  return COLLECTOR_TRACES.some((trace) => token.includes(trace));
}

function headerFlags(email: ParsedEmail, recipients: readonly string[]): string[] {
  const from = email.from?.address.toLowerCase() ?? '';
  const fromDomain = domainOf(from);
  const flags: string[] = [];
  if (email.from === null) flags.push('h:no-from');
  if (email.replyTo.some((mailbox) => domainOf(mailbox.address.toLowerCase()) !== fromDomain)) {
    flags.push('h:reply-to-differs');
  }
  // The corpus rewrote recipients, so a self-addressed message reads From = To at train time too.
  if (from !== '' && recipients.includes(from)) flags.push('h:from-is-recipient');
  if (/@|\.\w{2,}\b/.test(email.from?.name ?? '')) flags.push('h:display-name-has-address');
  const mailer = headerValue(email, 'x-mailer') ?? headerValue(email, 'user-agent');
  const mailerFamily = mailer === undefined ? undefined : words(mailer)[0];
  if (mailerFamily !== undefined) flags.push(`h:mailer:${mailerFamily}`);
  const charset = /charset="?([\w.:-]+)/i.exec(headerValue(email, 'content-type') ?? '')?.[1];
  if (charset !== undefined) flags.push(`h:charset:${charset.toLowerCase()}`);
  return flags;
}

interface BodyFacts {
  body: string;
  urls: readonly string[];
  recipients: readonly string[];
  hasForm: boolean;
}

function structuralFlags(email: ParsedEmail, facts: BodyFacts): string[] {
  const flags = [`x:body:${bodyKind(email)}`, `x:urls:${countBand(facts.urls.length)}`];
  if (facts.hasForm) flags.push('x:html-form');
  if (/^>/m.test(facts.body)) flags.push('x:quoted-reply');
  const lowerBody = facts.body.toLowerCase();
  if (facts.recipients.some((address) => address !== '' && lowerBody.includes(address))) {
    flags.push('x:body-names-recipient');
  }
  flags.push(`x:attachments:${countBand(email.attachments.length)}`);
  for (const attachment of email.attachments) {
    const extension = /\.(\w{1,8})$/.exec(attachment.filename ?? '')?.[1];
    flags.push(`x:attachment-type:${extension?.toLowerCase() ?? attachment.mimeType}`);
  }
  return flags;
}

function bodyKind(email: ParsedEmail): 'text' | 'html' | 'both' | 'empty' {
  const hasText = email.text.trim() !== '';
  const hasHtml = email.html.trim() !== '';
  if (hasText && hasHtml) return 'both';
  if (hasHtml) return 'html';
  return hasText ? 'text' : 'empty';
}

/** Coarse bands, so the model learns "many links" rather than one exact count. */
function countBand(count: number): string {
  if (count <= 1) return String(count);
  if (count <= 5) return '2-5';
  return count <= 20 ? '6-20' : '21+';
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

function headerValue(email: ParsedEmail, key: string): string | undefined {
  return email.headers.find((header) => header.key === key)?.value;
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
