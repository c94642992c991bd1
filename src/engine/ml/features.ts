/**
 * Turns a parsed email into hashed features for the phishing model. Training and inference
 * both call `extractFeatures`, so the model sees the same input in both places.
 *
 * Feature names carry a prefix saying where they came from:
 *   s:  subject word          w:  body word           b:  body word bigram
 *   c:  four-letter piece of a subject or body word
 *   ut: URL public suffix     uh: URL host kind (an IP address, or unparsable)
 *   h:  header-derived flag   x:  structural flag   r:  a rule analyzer's finding id
 * Word and URL tokens are counted, log-scaled and L2-normalised together, so a long message
 * does not outweigh a short one. Flags weigh `FLAG_VALUE` each.
 *
 * Version 2 keeps what says what a message wants from its reader and leaves out what says when
 * and by what software it was written, because the corpus's ham and phishing come from different
 * decades (see models/TRAINING.md): no charset, mailer, body kind (HTML or plain), MIME or link
 * counts, quoting, and no function words ("the", "your"), whose rates follow the genre (list
 * discussion against a message addressed to its reader) rather than intent.
 *
 * Version 3 reads what the quick analyzers read instead of reading the message again: the HTML
 * body's visible text (hidden text is left out: a reader never sees it, and stuffing it with
 * ordinary words is how filters are fooled) and the URLs the reader is sent to, inspected once.
 */
import { contentFindingsOf } from '../analyzers/content.ts';
import {
  divertedReplyTo,
  hasJumbledSender,
  hasMalformedSender,
  hasSpoofedDisplayName,
} from '../analyzers/headers.ts';
import { inspectedUrlOf, linkAnalysisOf } from '../analyzers/links.ts';
import { DEFAULT_BRAND_DOMAINS } from '../brands.ts';
import { memoize, memoKey } from '../memo.ts';
import { revealText } from '../text/obfuscation.ts';
import { htmlOf, LINK_SOURCES, type HtmlDocument } from '../text/read-html.ts';
import type { ParsedEmail } from '../types.ts';
import { getDomain } from 'tldts';
import { STOP_WORDS } from './stop-words.ts';

/** Bump when extraction changes: a model trained on other features must not be loaded. */
export const FEATURE_VERSION = 4;

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
/** Length of the word pieces (`c:` features); 3 and 5, alone or added, did no better out of fold. */
const WORD_PART_CHARS = 4;

/**
 * Traces the corpus collectors left in messages (README "Known biases"): SpamAssassin's
 * `taint.org` / `zzzz`, Nazario's `domain.com`, and the `example.org` recipient placeholder.
 * A token holding one says which collection a message came from, not whether it is phishing.
 */
const COLLECTOR_TRACES = ['taint.org', 'domain.com', 'example.org', 'zzzz'] as const;
/** The only trace a word can hold: words are letters, and the others have a dot. */
const WORD_TRACE = 'zzzz';

/** Mailing-list subject tags such as `[USRP-users]` or `[ILUG]`: one word, no spaces. */
const LIST_TAG = /\[[\w.-]+\]/g;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'()[\]{}]+/gi;
const EMAIL_IN_TEXT = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const WORD = /\p{L}[\p{L}\p{M}'’]*/gu;
/** A Mailman footer starts with a rule of underscores followed by the list's address or URL. */
const LIST_FOOTER = /^_{20,}\s*$[\s\S]{0,400}?(?:mailing list|listinfo|lists\.)/im;
const WEB_URL = /^https?:/i;
/** A page for leaving a mailing list: `/unsubscribe/daily.html`, `/optout`, `/abmelden`. */
const UNSUBSCRIBE_PATH = /unsub|opt-?out|abmeld|abbestell|descadastr/i;
/** HTML elements whose URL the reader is sent to (a style sheet or an image is only fetched). */
const FOLLOWED_ELEMENTS: ReadonlySet<string> = new Set([
  'a',
  'area',
  'form',
  'button',
  'input',
  'meta',
]);

/** What the model reads in one email: its features and whether a rule-level trait backs them. */
export interface ModelReading {
  features: readonly Feature[];
  /** See `isCorroborated`. */
  corroborated: boolean;
}

const MODEL_READING = memoKey<ModelReading>('model reading');

/**
 * The email as the model sees it, once per email. It reuses what the quick analyzers already
 * read (the HTML document, the inspected URLs, the content and link findings), so a full scan
 * parses the HTML once and runs each rule analyzer once.
 */
export function readForModel(email: ParsedEmail): ModelReading {
  return memoize(email, MODEL_READING, () => {
    const { body, urls } = readBody(email);
    const counts = new Map<string, number>();
    const wordCounts = new Map<string, number>();
    for (const word of words(subjectWithoutTags(revealText(email.subject)))) {
      count(counts, namesOf(word).subject);
      count(wordCounts, word);
    }
    countTextTokens(body, counts, wordCounts);
    countWordParts(wordCounts, counts);
    for (const url of urls) {
      const token = urlToken(email, url);
      if (token !== null) count(counts, token);
    }
    const flags = [
      ...headerFlags(email),
      ...(htmlDocumentOf(email)?.forms.length ? ['x:html-form'] : []),
      ...ruleFlags(email),
    ];
    const features = [
      ...logScaledUnitLength(counts),
      ...[...new Set(flags)].sort().map((name) => ({ name, value: FLAG_VALUE })),
    ];
    return {
      features,
      corroborated:
        flags.some(isCorroboratingFeature) ||
        hasSpoofedDisplayName(email) ||
        linksLeaveSender(email, urls),
    };
  });
}

export function extractFeatures(email: ParsedEmail): readonly Feature[] {
  return readForModel(email).features;
}

/**
 * Whether the message itself does something phishing does (asks for credentials or payment,
 * threatens, hurries, hides a link's target, spoofs a sender...), as opposed to words that
 * merely sound like it; or links away from the sender's domain. The `ml` analyzer lets the model
 * move the verdict only then: see `analyzers/ml.ts`.
 */
export function isCorroborated(email: ParsedEmail): boolean {
  return readForModel(email).corroborated;
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

function htmlDocumentOf(email: ParsedEmail): HtmlDocument | null {
  return email.html === '' ? null : htmlOf(email);
}

/**
 * The text a reader sees (the plain part, or else the HTML's visible text; Mailman footer cut;
 * disguised words revealed, see `text/obfuscation.ts`)
 * and the URLs they are sent to: written in that text, or linked from the HTML.
 */
function readBody(email: ParsedEmail): { body: string; urls: string[] } {
  const doc = htmlDocumentOf(email);
  const shown = email.text.trim() === '' ? (doc?.visibleText ?? '') : email.text;
  const body = stripListFooter(revealText(shown.slice(0, MAX_TEXT_CHARS)));
  const urls = [...(body.match(URL_IN_TEXT) ?? [])];
  for (const link of doc?.links ?? []) {
    if (urls.length >= MAX_URLS) break;
    const followed = link.source === LINK_SOURCES.href || link.source === LINK_SOURCES.form;
    if (followed && FOLLOWED_ELEMENTS.has(link.element) && WEB_URL.test(link.url)) {
      urls.push(link.url);
    }
  }
  return { body, urls: urls.slice(0, MAX_URLS) };
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

function stripListFooter(text: string): string {
  const match = LIST_FOOTER.exec(text);
  return match === null ? text : text.slice(0, match.index);
}

function subjectWithoutTags(subject: string): string {
  return subject.replace(LIST_TAG, ' ');
}

/**
 * Body words and bigrams of neighbouring content words ("verify your account" gives
 * "verify account"); addresses and URLs are cut out first (URLs get their own tokens). Each word
 * is also tallied in `wordCounts`, for `countWordParts`.
 */
function countTextTokens(
  body: string,
  counts: Map<string, number>,
  wordCounts: Map<string, number>,
): void {
  const withoutUrls = body.includes('://') ? body.replace(URL_IN_TEXT, ' ') : body;
  const plain = withoutUrls.includes('@') ? withoutUrls.replace(EMAIL_IN_TEXT, ' ') : withoutUrls;
  let previous: WordNames | undefined;
  for (const word of words(plain, MAX_WORDS)) {
    const names = namesOf(word);
    count(counts, names.body);
    count(wordCounts, word);
    if (previous !== undefined) count(counts, pairName(previous, word));
    previous = names;
  }
}

/**
 * Four-letter pieces of the subject's and body's words, the word's edges marked by a space
 * ("verify" gives " ver", "veri", "erif", "rify", "ify "). They let what was learnt from one word
 * carry to its other forms and to words the training mail never used (a new brand of coin, a
 * misspelling, the same stem in another language): judged on senders the model had not seen,
 * they raised the out-of-fold F1 from 0.88 to 0.95 at the same false-positive rate.
 */
function countWordParts(
  wordCounts: ReadonlyMap<string, number>,
  counts: Map<string, number>,
): void {
  for (const [word, times] of wordCounts) {
    for (const part of namesOf(word).parts) counts.set(part, (counts.get(part) ?? 0) + times);
  }
}

/** Whether a feature is a word piece (`c:`), which weighs but explains little to a reader. */
export function isWordPiece(name: string): boolean {
  return name.startsWith('c:');
}

/** The feature names one word gives, built once (see `namesOf`). */
interface WordNames {
  word: string;
  subject: string;
  body: string;
  parts: readonly string[];
  /** Bigram names with this word first, by the second word. */
  pairs: Map<string, string>;
}

/**
 * Past this many words or word pairs the name cache starts over: mail repeats a working
 * vocabulary, so the cache stays useful without growing with every message ever seen.
 */
const MAX_NAMED_WORDS = 20_000;
const MAX_NAMED_PAIRS = 100_000;
let namedWords = new Map<string, WordNames>();
let namedPairCount = 0;

/**
 * A message has a thousand or more tokens, and building their names ("w:account", "c:coun",
 * "b:verify account") was most of the model's time and garbage; the names of a word already
 * seen are looked up instead.
 */
function namesOf(word: string): WordNames {
  let names = namedWords.get(word);
  if (names !== undefined) return names;
  if (namedWords.size >= MAX_NAMED_WORDS || namedPairCount >= MAX_NAMED_PAIRS) {
    namedWords = new Map();
    namedPairCount = 0;
  }
  const edged = ` ${word} `;
  const parts: string[] = [];
  for (let i = 0; i + WORD_PART_CHARS <= edged.length; i++) {
    parts.push(`c:${edged.slice(i, i + WORD_PART_CHARS)}`);
  }
  names = { word, subject: `s:${word}`, body: `w:${word}`, parts, pairs: new Map() };
  namedWords.set(word, names);
  return names;
}

function pairName(first: WordNames, second: string): string {
  let name = first.pairs.get(second);
  if (name === undefined) {
    name = `b:${first.word} ${second}`;
    first.pairs.set(second, name);
    namedPairCount++;
  }
  return name;
}

/**
 * Lower-cased letter runs of 2+ characters, cut to `MAX_TOKEN_CHARS`; digits never form words,
 * and function words (`STOP_WORDS`) are dropped.
 */
function words(text: string, limit = Infinity): string[] {
  const kept: string[] = [];
  for (const word of text.toLowerCase().match(WORD) ?? []) {
    if (kept.length >= limit) break;
    if (word.length < 2 || STOP_WORDS.has(word) || word.includes(WORD_TRACE)) continue;
    kept.push(word.length > MAX_TOKEN_CHARS ? word.slice(0, MAX_TOKEN_CHARS) : word);
  }
  return kept;
}

/** The public suffix of a link's host, or that it is an IP address; null for a collector's. */
function urlToken(email: ParsedEmail, url: string): string | null {
  const inspected = inspectedUrlOf(email, url);
  if (inspected === null) return 'uh:unparsable';
  if (isCollectorTrace(inspected.host)) return null;
  return inspected.ipForm !== null ? 'uh:ip-address' : `ut:${inspected.publicSuffix ?? ''}`;
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
  const flags: string[] = [];
  if (email.from === null) flags.push('h:no-from');
  if (divertedReplyTo(email).length > 0) {
    flags.push('h:reply-to-differs');
  }
  if (/@|\.\w{2,}\b/.test(email.from?.name ?? '')) flags.push('h:display-name-has-address');
  if (hasJumbledSender(email)) flags.push('h:jumbled-sender');
  if (hasMalformedSender(email)) flags.push('h:malformed-from');
  return flags;
}

/**
 * Whether a link leads away from the sender: to another registrable domain than the From
 * address's, or to an IP address. Legitimate notices mostly link to their sender's own site;
 * phishing has to send the reader somewhere the attacker controls. Not a feature (the corpus's
 * ham, list mail linking to project sites, would teach the model the wrong thing about it),
 * only part of what corroborates the words (see `isCorroborated`).
 *
 * Not when the message links to an unsubscribe page on the sender's own domain: a sender that
 * runs its own list there controls that domain, so its links elsewhere are its partners' (a
 * newsletter's advertisers), not a forger's landing page. (On the train split this changed no
 * verdict; bulk spam from throwaway domains links to those domains themselves.)
 */
function linksLeaveSender(email: ParsedEmail, urls: readonly string[]): boolean {
  const sender = getDomain(domainOf(email.from?.address.toLowerCase() ?? ''));
  let leaves = false;
  for (const url of urls) {
    const inspected = inspectedUrlOf(email, url);
    if (inspected === null || inspected.host === '') continue;
    const linked = inspected.ipForm !== null ? inspected.host : inspected.registrableDomain;
    if (linked === null) continue;
    if (linked !== sender) leaves = true;
    else if (UNSUBSCRIBE_PATH.test(inspected.pathname)) return false;
  }
  return leaves;
}

/**
 * The finding ids of the content and link analyzers, which read only the message itself, with
 * the built-in brand list (never the caller's) so a feature does not depend on deployment. A
 * scan with the default options has already computed them; they are not computed again.
 * The header analyzer is left out: its findings rest on Authentication-Results and Received
 * fields, which the corpus removed, and on DNS at serving time.
 */
function ruleFlags(email: ParsedEmail): string[] {
  const findings = [
    ...contentFindingsOf(email),
    ...linkAnalysisOf(email, DEFAULT_BRAND_DOMAINS).findings,
  ];
  return findings.map(({ id }) => `r:${id}`);
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

function count(counts: Map<string, number>, token: string): void {
  counts.set(token, (counts.get(token) ?? 0) + 1);
}

/**
 * log(1 + count), scaled to unit length. In the order the tokens were first seen, which is fixed
 * for a given message; sorting a message's thousand-odd names cost more than the model itself.
 */
function logScaledUnitLength(counts: ReadonlyMap<string, number>): Feature[] {
  const features: Feature[] = [];
  let squares = 0;
  for (const [name, times] of counts) {
    const value = Math.log1p(times);
    features.push({ name, value });
    squares += value * value;
  }
  if (squares === 0) return [];
  const norm = Math.sqrt(squares);
  for (const feature of features) feature.value /= norm;
  return features;
}
