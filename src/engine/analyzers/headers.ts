/**
 * Header analysis: what the receiving servers said about SPF, DKIM, DMARC and
 * ARC; our own DKIM check when DNS is at hand; whether the sender's
 * addresses agree with each other; display names that borrow a brand or an
 * address; and a Received chain, Message-ID and Date that do not add up.
 */
import { Buffer } from 'node:buffer';
import { getDomain } from 'tldts';
import type { AuthResult, Authentication, Finding } from '../../contracts/analysis-result.ts';
import type { AnalyzerFn, AnalyzerOutput } from '../analyzer.ts';
import { findBrandMentions, isBrandDomain } from '../brands.ts';
import { defineFindings, listEvidence } from '../findings.ts';
import type { EngineOptions, ParsedEmail, ParsedHeader, TxtResolver } from '../types.ts';
import { FREEMAIL_DOMAINS, hostMatches } from '../url/domain-lists.ts';

const finding = defineFindings('headers', {
  spf_fail: {
    severity: 'high',
    score: 35,
    explanation:
      'SPF failed: the sending server is not allowed to send mail for the envelope domain.',
  },
  spf_softfail: {
    severity: 'low',
    score: 12,
    explanation: 'SPF soft-failed: the domain says this server is probably not one of its senders.',
  },
  dkim_invalid: {
    severity: 'medium',
    score: 30,
    explanation:
      'A DKIM signature does not verify: the message was altered or the signature forged.',
  },
  dmarc_fail: {
    severity: 'high',
    score: 45,
    explanation: 'DMARC failed: the From domain did not authenticate this message.',
  },
  arc_fail: {
    severity: 'low',
    score: 10,
    explanation: 'The ARC chain of the forwarding servers is broken.',
  },
  reply_to_mismatch: {
    severity: 'low',
    score: 12,
    explanation: 'Replies go to a different domain than the sender’s.',
  },
  return_path_mismatch: {
    severity: 'low',
    score: 5,
    explanation: 'Bounces go to a different domain than the sender’s (common for bulk senders).',
  },
  sender_mismatch: {
    severity: 'low',
    score: 5,
    explanation: 'The Sender header names a different domain than From.',
  },
  display_name_spoof: {
    severity: 'high',
    score: 35,
    explanation:
      'The display name claims a brand or address that the sending domain does not belong to.',
  },
  received_anomaly: {
    severity: 'low',
    score: 10,
    explanation: 'The Received chain is inconsistent, as when part of it was forged.',
  },
  missing_message_id: {
    severity: 'low',
    score: 10,
    explanation: 'There is no Message-ID, which every ordinary mail program adds.',
  },
  jumbled_sender: {
    severity: 'low',
    score: 8,
    explanation:
      'The sender’s mailbox name is a jumble of capital and small letters, as bulk spam generates for every message.',
  },
  malformed_sender: {
    severity: 'low',
    score: 10,
    explanation:
      'The From address is not a mailbox anyone could answer: no domain, a domain with commas, quotes or fancy letters, or two @ signs.',
  },
  odd_message_id: {
    severity: 'info',
    score: 4,
    explanation: 'The Message-ID is not of the usual <id@domain> form.',
  },
  bad_date: {
    severity: 'low',
    score: 8,
    explanation: 'The Date header is missing, unreadable or in the future.',
  },
});

const AUTH_METHODS = ['spf', 'dkim', 'dmarc', 'arc'] as const;
type AuthMethod = (typeof AUTH_METHODS)[number];
type AuthClaims = Partial<Record<AuthMethod, AuthResult>>;

/** Result words of RFC 8601 and their common variants, as the contract's results. */
const RESULT_WORDS: Readonly<Record<string, AuthResult>> = {
  pass: 'pass',
  fail: 'fail',
  hardfail: 'fail',
  softfail: 'softfail',
  neutral: 'neutral',
  none: 'none',
  temperror: 'temperror',
  permerror: 'permerror',
  policy: 'policy',
};

/** How good a result is, to pick the best of several DKIM signatures. */
const RESULT_RANK: Readonly<Record<AuthResult, number>> = {
  pass: 8,
  policy: 7,
  neutral: 6,
  none: 5,
  unknown: 4,
  temperror: 3,
  permerror: 2,
  softfail: 1,
  fail: 0,
};

interface AuthStamp {
  receiver: string;
  claims: AuthClaims;
}

const COMMENT = /\([^()]*\)/g;
const METHOD_RESULT = /\b(spf|dkim|dmarc|arc)\s*=\s*([a-z]+)/gi;

function resultOf(word: string): AuthResult {
  return RESULT_WORDS[word.toLowerCase()] ?? 'unknown';
}

function better(a: AuthResult | undefined, b: AuthResult): AuthResult {
  return a === undefined || RESULT_RANK[b] > RESULT_RANK[a] ? b : a;
}

/** `Authentication-Results: mx.example.net; spf=pass …; dkim=fail …` (RFC 8601). */
function parseAuthenticationResults(value: string): AuthStamp {
  const plain = value.replace(COMMENT, ' ');
  const receiver = plain.split(';', 1)[0]?.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const claims: AuthClaims = {};
  for (const [, method, word] of plain.matchAll(METHOD_RESULT)) {
    const key = method?.toLowerCase() as AuthMethod;
    claims[key] = better(claims[key], resultOf(word ?? ''));
  }
  return { receiver, claims };
}

/** `Received-SPF: fail (mx.example.net: domain of … ) receiver=mx.example.net; …` (RFC 7208). */
function parseReceivedSpf(value: string): AuthStamp {
  const result = /^\s*([a-z]+)/i.exec(value)?.[1] ?? '';
  const receiver =
    /\breceiver=([^;\s]+)/i.exec(value)?.[1] ?? /\(\s*([a-z0-9.-]+)\s*:/i.exec(value)?.[1] ?? '';
  return { receiver: receiver.toLowerCase(), claims: { spf: resultOf(result) } };
}

function headerValues(email: ParsedEmail, key: string): string[] {
  return email.headers.filter((h) => h.key === key).map((h) => h.value);
}

/** The stamps to believe: those of trusted receivers, or else the top-most one (ours). */
function trustedStamps(
  stamps: readonly AuthStamp[],
  trustedReceivers: readonly string[],
): AuthStamp[] {
  if (trustedReceivers.length === 0) return stamps.slice(0, 1);
  return stamps.filter((s) =>
    trustedReceivers.some((t) => hostMatches(s.receiver, t.toLowerCase())),
  );
}

function claimedAuthentication(
  email: ParsedEmail,
  trustedReceivers: readonly string[],
): AuthClaims {
  const results = trustedStamps(
    headerValues(email, 'authentication-results').map(parseAuthenticationResults),
    trustedReceivers,
  );
  const spf = trustedStamps(
    headerValues(email, 'received-spf').map(parseReceivedSpf),
    trustedReceivers,
  );
  const claims: AuthClaims = {};
  for (const stamp of [...results, ...spf]) {
    for (const method of AUTH_METHODS) {
      const result = stamp.claims[method];
      if (result !== undefined && claims[method] === undefined) claims[method] = result;
    }
  }
  return claims;
}

function authFindings(claims: AuthClaims, dkimInvalid: string | null): Finding[] {
  const findings: Finding[] = [];
  if (claims.spf === 'fail') findings.push(finding('spf_fail', 'spf=fail'));
  if (claims.spf === 'softfail') findings.push(finding('spf_softfail', 'spf=softfail'));
  if (dkimInvalid !== null) findings.push(finding('dkim_invalid', dkimInvalid));
  if (claims.dmarc === 'fail') findings.push(finding('dmarc_fail', 'dmarc=fail'));
  if (claims.arc === 'fail') findings.push(finding('arc_fail', 'arc=fail'));
  return findings;
}

interface DkimCheck {
  result: AuthResult;
  invalid: string[];
}

/** mailauth's resolver shape around our TXT port; other record types are never needed. */
function mailauthResolver(resolveTxt: TxtResolver) {
  return (name: string, rrtype: string): Promise<string[][]> =>
    rrtype.toUpperCase() === 'TXT'
      ? resolveTxt(name)
      : Promise.reject(Object.assign(new Error(`no ${rrtype} lookups`), { code: 'ENOTFOUND' }));
}

/** Verifies every DKIM signature with mailauth; a DNS failure is a temperror, not a throw. */
async function verifyDkim(raw: Uint8Array, resolveTxt: TxtResolver): Promise<DkimCheck> {
  const { dkimVerify } = await import('mailauth/lib/dkim/verify.js');
  const input = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const { results } = await dkimVerify(input, { resolver: mailauthResolver(resolveTxt) });
  let best: AuthResult | undefined;
  const invalid: string[] = [];
  for (const { signingDomain, status } of results) {
    const bodyAltered = typeof status.comment === 'string' && /body hash/i.test(status.comment);
    const result = bodyAltered ? 'fail' : resultOf(status.result);
    if (result === 'fail')
      invalid.push(`d=${signingDomain ?? '?'}${bodyAltered ? ' (body hash did not verify)' : ''}`);
    best = better(best, result);
  }
  return { result: best ?? 'none', invalid };
}

function domainOf(address: string | null | undefined): string | null {
  if (!address) return null;
  const at = address.lastIndexOf('@');
  return at === -1 ? null : getDomain(address.slice(at + 1).toLowerCase());
}

/**
 * The Reply-To mailboxes that take replies away from the sender: at another domain, or, when
 * From is a free mailbox, at another free mailbox (anyone can open both, so the same domain says
 * nothing about the same person; advance-fee letters send from one and read replies at another).
 */
export function divertedReplyTo(email: ParsedEmail): ParsedEmail['replyTo'] {
  const fromAddress = email.from?.address.toLowerCase() ?? '';
  const fromDomain = domainOf(fromAddress);
  const fromIsFree = fromDomain !== null && FREEMAIL_DOMAINS.has(fromDomain);
  return email.replyTo.filter((mailbox) => {
    const replyDomain = domainOf(mailbox.address);
    if (replyDomain !== fromDomain) return true;
    return fromIsFree && mailbox.address.toLowerCase() !== fromAddress;
  });
}

function alignmentFindings(
  email: ParsedEmail,
  fromDomain: string,
  brandDomains: readonly string[],
): Finding[] {
  const findings: Finding[] = [];
  const foreignReplyTo = divertedReplyTo(email);
  if (foreignReplyTo.length > 0) {
    const replyDomain = domainOf(foreignReplyTo[0]?.address);
    // Replies diverted to a free mailbox, or away from a brand, are what fraud needs.
    const strong =
      (replyDomain !== null && FREEMAIL_DOMAINS.has(replyDomain)) ||
      (!FREEMAIL_DOMAINS.has(fromDomain) && brandDomains.includes(fromDomain));
    findings.push(
      finding(
        'reply_to_mismatch',
        `From ${fromDomain}, Reply-To ${listEvidence(foreignReplyTo.map((m) => m.address))}`,
        strong ? { severity: 'medium', score: 25 } : undefined,
      ),
    );
  }
  const returnDomain = domainOf(email.returnPath);
  if (returnDomain !== null && returnDomain !== fromDomain) {
    findings.push(
      finding('return_path_mismatch', `From ${fromDomain}, Return-Path ${email.returnPath ?? ''}`),
    );
  }
  const senderDomain = domainOf(email.sender?.address);
  if (senderDomain !== null && senderDomain !== fromDomain) {
    findings.push(
      finding('sender_mismatch', `From ${fromDomain}, Sender ${email.sender?.address ?? ''}`),
    );
  }
  return findings;
}

const ADDRESS_IN_NAME = /[^\s@<>"'()]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)/i;
/** Mailing lists rewrite From to "Name via List" (DMARC mitigation); that is not a spoof. */
const LIST_REWRITE = /\bvia\b/i;

/**
 * Whether the display name claims a protected brand or shows an address of another domain than
 * the From address's (the `display_name_spoof` finding): judged on From alone, with the built-in
 * brand list, so the model can count it as corroboration.
 */
export function hasSpoofedDisplayName(email: ParsedEmail): boolean {
  return displayNameFindings(email, domainOf(email.from?.address)).length > 0;
}

function displayNameFindings(email: ParsedEmail, fromDomain: string | null): Finding[] {
  const name = email.from?.name.trim() ?? '';
  if (name === '') return [];
  const evidence = `"${name}" <${email.from?.address ?? ''}>`;
  const borrowed = findBrandMentions(name).filter((brand) => !isBrandDomain(brand, fromDomain));
  if (borrowed.length > 0) {
    return [
      finding('display_name_spoof', `${evidence} names ${borrowed.map((b) => b.name).join(', ')}`),
    ];
  }
  const shown = ADDRESS_IN_NAME.exec(name)?.[1];
  if (
    shown !== undefined &&
    !LIST_REWRITE.test(name) &&
    getDomain(shown.toLowerCase()) !== fromDomain
  ) {
    return [finding('display_name_spoof', `${evidence} shows another address`)];
  }
  return [];
}

/** A mailbox name of letters only, long enough to judge. */
const LETTERS_ONLY = /^[A-Za-z]{6,}$/;
/**
 * A capital after a small letter that starts no word: not followed by a small letter (as in
 * "JohnSmith") nor ending the name in a run of capitals (as in "FOXSportsFLASH").
 */
const CAPITAL_INSIDE_WORD = /[a-z][A-Z](?![a-z]|[A-Z]+$)/;
const CAPITAL_AFTER_SMALL = /[a-z][A-Z]/g;
/** Three word starts inside one name ("pYeBwWga") is a jumble rather than joined words. */
const MAX_JOINED_WORDS = 2;

/**
 * Whether the From mailbox name is randomly mixed case ("pYeBwWga", "PREWMosE"), which people and
 * mailing systems do not choose but spam tools generate per message.
 */
export function hasJumbledSender(email: ParsedEmail): boolean {
  const address = email.from?.address ?? '';
  const local = address.slice(0, address.lastIndexOf('@'));
  if (!LETTERS_ONLY.test(local)) return false;
  return (
    CAPITAL_INSIDE_WORD.test(local) ||
    (local.match(CAPITAL_AFTER_SMALL)?.length ?? 0) > MAX_JOINED_WORDS
  );
}

/** A mailbox name: no @, no space, no angle bracket or double quote ("O'Reilly" is fine). */
const MAILBOX_LOCAL = /^[^\s@<>"]+$/u;
/** Host names of letters, digits and inner hyphens, dotted, ending in a name of 2+ letters. */
const MAILBOX_DOMAIN = /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,}$/u;
/** Mathematical bold and italic letters, which look like a domain's letters but are none. */
const STYLED_LETTERS = /[\u{1D400}-\u{1D7FF}]/u;

/**
 * Whether the From address could not be a real mailbox: phishing kits fill it with whatever
 * renders well ("support@temurewards,com", "noreply@𝗯𝗮𝗻𝗸.𝗱𝗲", "you@example.org@other.store").
 */
export function hasMalformedSender(email: ParsedEmail): boolean {
  if (email.from === null) return false;
  const { address } = email.from;
  const at = address.lastIndexOf('@');
  if (at <= 0) return true;
  const domain = address.slice(at + 1);
  return (
    !MAILBOX_LOCAL.test(address.slice(0, at)) ||
    !MAILBOX_DOMAIN.test(domain) ||
    STYLED_LETTERS.test(domain)
  );
}

interface Hop {
  time: number | null;
  ips: string[];
}

const RECEIVED_IP = /\[(?:IPv6:)?([0-9a-f:.]+)\]/gi;
const PRIVATE_IP =
  /^(?:10\.|127\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|169\.254\.|::1$|f[cd][0-9a-f]{2}:|fe80:)/i;
/** Clocks of different servers disagree a little; more than this is not drift. */
const CLOCK_SKEW_MS = 60 * 60 * 1000;
const MAX_PLAUSIBLE_HOPS = 25;
const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;

function parseHop(value: string): Hop {
  const at = value.lastIndexOf(';');
  const time = at === -1 ? NaN : Date.parse(value.slice(at + 1).replace(COMMENT, ' '));
  return {
    time: Number.isNaN(time) ? null : time,
    ips: [...value.matchAll(RECEIVED_IP)].map((m) => m[1] ?? ''),
  };
}

/** Received headers, top-most (newest) first. */
function receivedFindings(hops: readonly Hop[]): Finding[] {
  const problems: string[] = [];
  for (let i = 0; i + 1 < hops.length; i++) {
    const newer = hops[i]?.time;
    const older = hops[i + 1]?.time;
    if (newer != null && older != null && older - newer > CLOCK_SKEW_MS) {
      problems.push(
        `hop ${i + 2} is dated ${Math.round((older - newer) / 60_000)} min after the hop above it`,
      );
      break;
    }
  }
  if (hops.length > MAX_PLAUSIBLE_HOPS) problems.push(`${hops.length} Received hops`);
  const ips = hops.flatMap((h) => h.ips);
  if (ips.length > 0 && ips.every((ip) => PRIVATE_IP.test(ip))) {
    problems.push(`only private addresses in the chain (${listEvidence(ips)})`);
  }
  return problems.map((p) => finding('received_anomaly', p));
}

const MESSAGE_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;

function messageIdFindings(headers: readonly ParsedHeader[]): Finding[] {
  const value = headers.find((h) => h.key === 'message-id')?.value.trim();
  if (value === undefined || value === '')
    return [finding('missing_message_id', 'no Message-ID header')];
  return MESSAGE_ID.test(value) ? [] : [finding('odd_message_id', value)];
}

/** The Date is judged against the newest Received stamp, never the wall clock: results stay reproducible. */
function dateFindings(headers: readonly ParsedHeader[], newestHop: number | null): Finding[] {
  const value = headers.find((h) => h.key === 'date')?.value.trim();
  if (value === undefined || value === '') return [finding('bad_date', 'no Date header')];
  const time = Date.parse(value.replace(COMMENT, ' '));
  if (Number.isNaN(time)) return [finding('bad_date', `unreadable: ${value}`, { score: 10 })];
  if (newestHop !== null && time - newestHop > FUTURE_TOLERANCE_MS) {
    return [
      finding('bad_date', `${value} is after its delivery`, { severity: 'medium', score: 20 }),
    ];
  }
  return [];
}

/** Our own verification, when there was one, overrides what the receiver claimed. */
function dkimEvidence(claims: AuthClaims, check: DkimCheck | null): string | null {
  if (check !== null) return check.invalid.length > 0 ? listEvidence(check.invalid) : null;
  return claims.dkim === 'fail' ? 'dkim=fail (reported by the receiving server)' : null;
}

/**
 * Synchronous unless a DKIM signature is to be verified: a quick scan has no resolver, and an
 * async analyzer costs the engine an await per email.
 */
export const analyzeHeaders: AnalyzerFn = (email, { options, ports }) => {
  const fromDomain = domainOf(email.from?.address);
  const spoofs = [
    ...displayNameFindings(email, fromDomain),
    ...(hasMalformedSender(email)
      ? [finding('malformed_sender', JSON.stringify(email.from?.address ?? ''))]
      : []),
    ...(hasJumbledSender(email)
      ? [finding('jumbled_sender', `<${email.from?.address ?? ''}>`)]
      : []),
  ];
  // Built from API fields there is no real header: only the sender's name can be judged.
  if (email.origin === 'fields') return { findings: spoofs };
  const hasSignature = email.headers.some((h) => h.key === 'dkim-signature');
  if (ports.resolveTxt && hasSignature) {
    return verifyDkim(email.raw, ports.resolveTxt).then((dkim) =>
      headerOutput(email, options, fromDomain, spoofs, dkim),
    );
  }
  return headerOutput(email, options, fromDomain, spoofs, null);
};

function headerOutput(
  email: ParsedEmail,
  options: EngineOptions,
  fromDomain: string | null,
  spoofs: readonly Finding[],
  dkim: DkimCheck | null,
): AnalyzerOutput {
  const claims = claimedAuthentication(email, options.trustedReceivers);
  const findings = authFindings(claims, dkimEvidence(claims, dkim));
  if (dkim !== null) claims.dkim = dkim.result;
  const hops = headerValues(email, 'received').map(parseHop);
  findings.push(
    ...(fromDomain === null ? [] : alignmentFindings(email, fromDomain, options.brandDomains)),
    ...spoofs,
    ...receivedFindings(hops),
    ...messageIdFindings(email.headers),
    ...dateFindings(email.headers, hops.find((h) => h.time !== null)?.time ?? null),
  );
  const authentication: Partial<Authentication> = claims;
  return { findings, authentication };
}
