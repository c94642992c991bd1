/**
 * Content analysis: what the words ask for (credentials, payment) and how
 * they press (threats, urgency), a brand named by someone who is not that
 * brand, and HTML built to deceive: password forms, text hidden from the
 * reader, and scripts that assemble a file in the browser (HTML smuggling).
 */
import { getDomain } from 'tldts';
import type { Finding } from '../../contracts/analysis-result.ts';
import type { AnalyzerFn } from '../analyzer.ts';
import { findBrandMentions, isBrandDomain } from '../brands.ts';
import { defineFindings } from '../findings.ts';
import { memoize, memoKey } from '../memo.ts';
import {
  compilePhraseSets,
  CREDENTIAL_PHRASES,
  LURE_PHRASES,
  PAYMENT_PHRASES,
  type PhraseMatch,
  THREAT_PHRASES,
  URGENCY_PHRASES,
} from '../text/phrases.ts';
import { findCryptoAddress } from '../text/crypto-address.ts';
import {
  ADVANCE_FEE_PHRASES,
  CALLBACK_PHRASES,
  CRYPTO_PHRASES,
  ROMANCE_PHRASES,
} from '../text/scam-phrases.ts';
import { findObfuscation, revealText, type Obfuscation } from '../text/obfuscation.ts';
import { htmlOf, type HtmlDocument } from '../text/read-html.ts';
import type { ParsedEmail } from '../types.ts';

const finding = defineFindings('content', {
  credential_request: {
    severity: 'medium',
    score: 30,
    explanation: 'The message asks the reader to verify an account or hand over a password.',
  },
  payment_request: {
    severity: 'medium',
    score: 20,
    explanation: 'The message asks for payment or card details, or claims a payment failed.',
  },
  threat_language: {
    severity: 'medium',
    score: 15,
    explanation:
      'The message threatens the loss or locking of an account or reports alarming activity.',
  },
  urgency: {
    severity: 'low',
    score: 8,
    explanation: 'The message presses for immediate action.',
  },
  reward_lure: {
    severity: 'low',
    score: 12,
    explanation:
      'The message dangles a prize, giveaway or unclaimed money, the bait of advance-fee and giveaway fraud.',
  },
  advance_fee: {
    severity: 'low',
    score: 12,
    explanation:
      'The message tells the story of an advance-fee letter: an inheritance, a dying benefactor, funds to be moved.',
  },
  romance_lure: {
    severity: 'low',
    score: 12,
    explanation: 'The message is dating or romance bait from a stranger.',
  },
  crypto_scam: {
    severity: 'low',
    score: 12,
    explanation:
      'The message pushes a crypto-currency scheme: a presale, a wallet to verify, funds to withdraw.',
  },
  crypto_address: {
    severity: 'low',
    score: 12,
    explanation: 'The message gives a crypto-currency address to send money to.',
  },
  callback_lure: {
    severity: 'low',
    score: 12,
    explanation:
      'The message reports a charge or order and asks the reader to phone about it, as fake-invoice scams do.',
  },
  brand_impersonation: {
    severity: 'medium',
    score: 25,
    explanation: 'The message speaks for a brand but was not sent from that brand’s domain.',
  },
  password_form: {
    severity: 'high',
    score: 50,
    explanation:
      'The message contains a form with a password field; no legitimate sender asks for a password in an email.',
  },
  html_form: {
    severity: 'info',
    score: 4,
    explanation: 'The message contains a form that submits to a web server.',
  },
  hidden_text: {
    severity: 'low',
    score: 5,
    explanation:
      'Part of the text is hidden from the reader (invisible styles or same-colour text), as when filters are fed words the reader never sees.',
  },
  script: {
    severity: 'low',
    score: 10,
    explanation:
      'The HTML contains a script, which mail clients do not run and ordinary mail does not carry.',
  },
  obfuscated_text: {
    severity: 'medium',
    score: 35,
    explanation:
      'Words are disguised with invisible characters or look-alike letters of other alphabets, which keeps filters from reading what the reader sees.',
  },
  html_smuggling: {
    severity: 'high',
    score: 70,
    explanation:
      'A script builds a file in the browser and downloads it (HTML smuggling), bypassing attachment scanning.',
  },
});

/** Phrase scanning cost stays linear and small whatever the body's size. */
const MAX_CONTENT_CHARS = 100_000;
/**
 * Hidden letters and digits (padding such as &zwnj;&nbsp; does not count).
 * Newsletters hide a preheader of a sentence or two; more than that is stuffing.
 */
const HIDDEN_NOTICE_CHARS = 150;
const HIDDEN_STUFFING_CHARS = 400;
const NOT_A_WORD_CHAR = /[^\p{L}\p{N}]/gu;

/** What the words ask and how they press, by finding; one pass over the text finds each table's first phrase. */
const REQUEST_TABLES = {
  credential_request: CREDENTIAL_PHRASES,
  payment_request: PAYMENT_PHRASES,
  threat_language: THREAT_PHRASES,
  urgency: URGENCY_PHRASES,
  reward_lure: LURE_PHRASES,
} as const;
/** Scams that ask for nothing a phish asks for: searched apart, which costs less than one search. */
const SCAM_TABLES = {
  advance_fee: ADVANCE_FEE_PHRASES,
  romance_lure: ROMANCE_PHRASES,
  crypto_scam: CRYPTO_PHRASES,
  callback_lure: CALLBACK_PHRASES,
} as const;
type Request = keyof typeof REQUEST_TABLES | keyof typeof SCAM_TABLES;
const REQUESTS = compilePhraseSets(REQUEST_TABLES);
const SCAMS = compilePhraseSets(SCAM_TABLES);
const REQUEST_ORDER = [...Object.keys(REQUEST_TABLES), ...Object.keys(SCAM_TABLES)] as Request[];

const SMUGGLING_BLOB = /\bnew\s+Blob\s*\(|\bcreateObjectURL\b|\bmsSaveOrOpenBlob\b|\bmsSaveBlob\b/;
const SMUGGLING_DELIVERY =
  /\.download\s*=|\bdownload\b\s*[=:]|setAttribute\(\s*['"]download|\bmsSaveOrOpenBlob\b|\bmsSaveBlob\b/;
const EXTERNAL_ACTION = /^(?:https?:)?\/\//i;

function readableText(email: ParsedEmail, doc: HtmlDocument | null): string {
  const parts = [email.subject, email.text, doc?.visibleText ?? ''];
  return parts.join('\n').slice(0, MAX_CONTENT_CHARS);
}

function requestFindings(text: string): Map<Request, Finding> {
  const found = new Map<Request, Finding>();
  // In table order, whatever order the phrases were found in, so findings come out the same.
  const matches = new Map<Request, PhraseMatch>([...REQUESTS.exec(text), ...SCAMS.exec(text)]);
  for (const key of REQUEST_ORDER) {
    const match = matches.get(key);
    if (match) found.set(key, finding(key, `"${match.text}"`));
  }
  return found;
}

/**
 * A brand speaking through someone else's domain. A brand in the subject or
 * display name speaks for itself, so any pressure counts; a brand merely
 * mentioned in the body (newsletters discuss Apple and Microsoft) counts only
 * next to a request for credentials or payment.
 */
function impersonationFinding(
  email: ParsedEmail,
  text: string,
  requests: ReadonlyMap<Request, Finding>,
): Finding[] {
  const asks = requests.has('credential_request') || requests.has('payment_request');
  if (!asks && !requests.has('threat_language')) return [];
  const address = email.from?.address ?? '';
  const fromDomain = address.includes('@')
    ? getDomain(address.slice(address.lastIndexOf('@') + 1))
    : null;
  const salient = `${email.from?.name ?? ''}\n${email.subject}`;
  const named = findBrandMentions(asks ? `${salient}\n${text}` : salient).filter(
    (b) => !isBrandDomain(b, fromDomain),
  );
  if (named.length === 0) return [];
  const sender = fromDomain ?? 'an unknown sender';
  return [
    finding(
      'brand_impersonation',
      `${named.map((b) => b.name).join(', ')} named; sent from ${sender}`,
    ),
  ];
}

/**
 * One look-alike word is enough (no honest word mixes alphabets); an invisible character inside
 * a word can be a copy-and-paste accident, so it takes two.
 */
const MIN_HIDDEN_BREAKS = 2;

function obfuscationFinding({ hiddenBreaks, mixedWords }: Obfuscation): Finding | null {
  if (mixedWords.length === 0 && hiddenBreaks < MIN_HIDDEN_BREAKS) return null;
  const parts = [
    ...(hiddenBreaks > 0 ? [`${hiddenBreaks} invisible breaks inside words`] : []),
    ...(mixedWords.length > 0
      ? [`${mixedWords.length} words with look-alike letters: ${mixedWords.slice(0, 5).join(' ')}`]
      : []),
  ];
  return finding('obfuscated_text', parts.join('; '));
}

function htmlFindings(doc: HtmlDocument): Finding[] {
  const findings: Finding[] = [];
  const passwordForm = doc.forms.find((f) => f.hasPassword);
  if (passwordForm)
    findings.push(finding('password_form', `form action ${passwordForm.action ?? '(none)'}`));
  else {
    const posting = doc.forms.find((f) => f.action !== null && EXTERNAL_ACTION.test(f.action));
    if (posting) findings.push(finding('html_form', `form action ${posting.action ?? ''}`));
  }
  const hidden = doc.hiddenText.replace(NOT_A_WORD_CHAR, '').length;
  if (hidden >= HIDDEN_STUFFING_CHARS) {
    findings.push(
      finding('hidden_text', `${hidden} hidden letters: "${doc.hiddenText.slice(0, 80)}"`, {
        severity: 'medium',
        score: 20,
      }),
    );
  } else if (hidden >= HIDDEN_NOTICE_CHARS) {
    findings.push(
      finding('hidden_text', `${hidden} hidden letters: "${doc.hiddenText.slice(0, 80)}"`),
    );
  }
  if (doc.scripts.trim() !== '') {
    const smuggling = SMUGGLING_BLOB.test(doc.scripts) && SMUGGLING_DELIVERY.test(doc.scripts);
    findings.push(
      smuggling
        ? finding('html_smuggling', doc.scripts.slice(0, 200))
        : finding('script', doc.scripts.slice(0, 120)),
    );
  }
  return findings;
}

const CONTENT_FINDINGS = memoKey<readonly Finding[]>('content findings');

/**
 * The content analyzer's findings, computed once per email: they depend on nothing but the
 * message, and the model's features read them too (`ml/features.ts`).
 */
export function contentFindingsOf(email: ParsedEmail): readonly Finding[] {
  return memoize(email, CONTENT_FINDINGS, () => {
    const doc = email.html === '' ? null : htmlOf(email);
    const written = readableText(email, doc);
    const obfuscation = findObfuscation(`${email.from?.name ?? ''}\n${written}`);
    const disguised = obfuscationFinding(obfuscation);
    // Phrases are matched on what the reader sees, so disguising a word does not hide it.
    const text = disguised === null ? written : revealText(written);
    const requests = requestFindings(text);
    const address = findCryptoAddress(text);
    return [
      ...requests.values(),
      ...(address === null ? [] : [finding('crypto_address', address)]),
      ...impersonationFinding(email, text, requests),
      ...(disguised === null ? [] : [disguised]),
      ...(doc === null ? [] : htmlFindings(doc)),
    ];
  });
}

export const analyzeContent: AnalyzerFn = (email) => ({ findings: [...contentFindingsOf(email)] });
