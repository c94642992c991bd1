/**
 * Link analysis: every URL in the text and HTML bodies, normalised, judged
 * on its own (IP hosts, homographs, look-alikes, shorteners, userinfo tricks,
 * script and data URLs, free hosting) and against the text of its anchor.
 * One `LinkReport` per distinct URL; one finding per kind of problem, quoting
 * the URLs that have it, so a newsletter full of tracking links counts once.
 */
import { getDomain } from 'tldts';
import type { Finding, LinkReport } from '../../contracts/analysis-result.ts';
import type { AnalyzerFn } from '../analyzer.ts';
import { defineFindings, listEvidence, type FindingRule } from '../findings.ts';
import { memoize, memoKey, type MemoKey } from '../memo.ts';
import { isMixedScript } from '../text/confusables.ts';
import { htmlOf, LINK_SOURCES } from '../text/read-html.ts';
import type { EngineOptions, ParsedEmail } from '../types.ts';
import { FORM_SERVICES, FREE_HOSTING, HostList, SHORTENER_HOSTS } from '../url/domain-lists.ts';
import { claimedHost, findTextUrls } from '../url/find-urls.ts';
import { inspectUrl, IP_FORMS, type InspectedUrl } from '../url/inspect-url.ts';
import { findDeceptiveSubdomain, findLookalike, LOOKALIKE_KINDS } from '../url/lookalike.ts';
import { combineScores, verdictForScore } from '../verdict.ts';

const RULES = {
  ip_host: {
    severity: 'high',
    score: 40,
    explanation: 'A link points to a bare IP address instead of a domain name.',
  },
  userinfo_trick: {
    severity: 'high',
    score: 40,
    explanation:
      'A link puts text before an @ so the real host is hidden behind something that looks like one.',
  },
  idn_homograph: {
    severity: 'high',
    score: 50,
    explanation:
      'A link’s domain mixes alphabets (Latin with Cyrillic or Greek) to imitate another name.',
  },
  lookalike_domain: {
    severity: 'high',
    score: 45,
    explanation: 'A link’s domain imitates a protected brand’s domain.',
  },
  deceptive_subdomain: {
    severity: 'high',
    score: 40,
    explanation: 'A link wears a brand’s name as a subdomain of somebody else’s domain.',
  },
  anchor_mismatch: {
    severity: 'medium',
    score: 20,
    explanation: 'A link’s text names one domain while the link goes to another.',
  },
  javascript_url: {
    severity: 'medium',
    score: 30,
    explanation: 'A link runs JavaScript instead of opening a page.',
  },
  data_url: {
    severity: 'high',
    score: 45,
    explanation:
      'A link carries a whole page inside itself (data: URL), which no address bar shows honestly.',
  },
  shortener: {
    severity: 'low',
    score: 12,
    explanation: 'A link goes through a URL shortener that hides its destination.',
  },
  form_service: {
    severity: 'low',
    score: 15,
    explanation:
      'A link opens a form builder, where credentials can be collected without a site of one’s own.',
  },
  free_hosting: {
    severity: 'low',
    score: 10,
    explanation: 'A link points to free hosting where anyone can publish a page in minutes.',
  },
  too_many_urls: {
    severity: 'info',
    score: 0,
    explanation: 'The message has more URLs than are examined; only the first ones were checked.',
  },
} as const satisfies Record<string, FindingRule>;

type LinkProblem = Exclude<keyof typeof RULES, 'too_many_urls'>;
const finding = defineFindings('links', RULES);

/** At most this many distinct URLs are examined per email. */
export const MAX_URLS = 500;
/** Schemes that never lead a reader anywhere dangerous by themselves. */
const IGNORED_SCHEMES = new Set(['mailto', 'tel', 'sms', 'cid', 'mid', 'about', 'callto']);
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:|\/\/|www\.)/i;
/** Inline images are ordinary in HTML mail; a data: URL is only news where it is opened. */
const INLINE_SOURCES = new Set<string>([LINK_SOURCES.src, LINK_SOURCES.srcset, LINK_SOURCES.css]);

const PRIVATE_IPV4 = /^(?:10\.|127\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.)/;

export interface Reason {
  problem: LinkProblem;
  detail: string;
  overrides?: Partial<FindingRule>;
}

export interface Candidate {
  inspected: InspectedUrl;
  source: string;
  anchors: string[];
}

function ipReason(url: InspectedUrl, source: string): Reason | null {
  if (url.ipForm === null) return null;
  if (url.ipForm === IP_FORMS.obfuscated) {
    return {
      problem: 'ip_host',
      detail: 'IPv4 address written in decimal, hex, octal or percent-encoding',
      overrides: { score: 60 },
    };
  }
  const detail = url.ipForm === IP_FORMS.ipv6 ? 'IPv6 address' : 'IPv4 address';
  // A private address is a device on the reader's own network (a router, a lab instrument), not a phishing site.
  if (PRIVATE_IPV4.test(url.host)) {
    return {
      problem: 'ip_host',
      detail: `private ${detail}`,
      overrides: { severity: 'info', score: 3 },
    };
  }
  // An image served from an IP was ordinary in older bulk mail; a link to click there is not.
  return INLINE_SOURCES.has(source)
    ? {
        problem: 'ip_host',
        detail: `${detail} (image)`,
        overrides: { severity: 'medium', score: 20 },
      }
    : { problem: 'ip_host', detail };
}

function schemeReason(url: InspectedUrl, source: string): Reason | null {
  if (url.scheme === 'javascript') return { problem: 'javascript_url', detail: 'javascript: URL' };
  if (url.scheme === 'data' && !INLINE_SOURCES.has(source))
    return { problem: 'data_url', detail: 'data: URL' };
  return null;
}

function userinfoReason(url: InspectedUrl): Reason | null {
  if (url.userinfo === null) return null;
  // "paypal.com@evil.example" fools readers; a bare user name in a URL is merely odd.
  return url.userinfo.includes('.')
    ? { problem: 'userinfo_trick', detail: `"${url.userinfo}@" before the host` }
    : {
        problem: 'userinfo_trick',
        detail: `user name "${url.userinfo}" in the URL`,
        overrides: { severity: 'low', score: 15 },
      };
}

function homographReason(url: InspectedUrl): Reason | null {
  if (!url.host.includes('xn--')) return null;
  const mixed = url.displayHost.split('.').find(isMixedScript);
  return mixed === undefined
    ? null
    : { problem: 'idn_homograph', detail: `${url.displayHost} (label "${mixed}")` };
}

const LOOKALIKE_SCORES = {
  [LOOKALIKE_KINDS.homoglyph]: 55,
  [LOOKALIKE_KINDS.typo]: 45,
  [LOOKALIKE_KINDS.brandWord]: 35,
} as const;

function lookalikeReasons(url: InspectedUrl, brandDomains: readonly string[]): Reason[] {
  const reasons: Reason[] = [];
  const lookalike = findLookalike(url, brandDomains);
  if (lookalike !== null) {
    reasons.push({
      problem: 'lookalike_domain',
      detail: `${url.registrableDomain ?? url.host} imitates ${lookalike.target} (${lookalike.kind})`,
      overrides: { score: LOOKALIKE_SCORES[lookalike.kind] },
    });
  }
  const worn = findDeceptiveSubdomain(url, brandDomains);
  if (worn !== null) {
    reasons.push({
      problem: 'deceptive_subdomain',
      detail: `${url.host} wears ${worn.target} on ${url.registrableDomain ?? ''}`,
      ...(worn.isWholeDomain ? {} : { overrides: { severity: 'medium', score: 25 } }),
    });
  }
  return reasons;
}

const SHORTENERS = new HostList(SHORTENER_HOSTS);
const FORM_SERVICE_LIST = new HostList(FORM_SERVICES);
const FREE_HOSTING_LIST = new HostList(FREE_HOSTING);

function hostingReasons(url: InspectedUrl): Reason[] {
  const reasons: Reason[] = [];
  if (SHORTENERS.find(url.host)) reasons.push({ problem: 'shortener', detail: url.host });
  const form = FORM_SERVICE_LIST.find(url.host, url.pathname);
  if (form) reasons.push({ problem: 'form_service', detail: form.host });
  else if (FREE_HOSTING_LIST.find(url.host, url.pathname))
    reasons.push({ problem: 'free_hosting', detail: url.host });
  return reasons;
}

function anchorReason(
  url: InspectedUrl,
  anchors: readonly string[],
  brandDomains: readonly string[],
): Reason | null {
  for (const anchor of anchors) {
    const claimed = claimedHost(anchor);
    const claimedDomain = claimed === null ? null : getDomain(claimed);
    if (claimedDomain === null || claimedDomain === url.registrableDomain || claimed === url.host)
      continue;
    const brand = brandDomains.includes(claimedDomain);
    return {
      problem: 'anchor_mismatch',
      detail: `text "${anchor}" → ${url.host || url.scheme}`,
      ...(brand ? { overrides: { severity: 'high', score: 45 } } : {}),
    };
  }
  return null;
}

function judge(candidate: Candidate, brandDomains: readonly string[]): Reason[] {
  const { inspected: url, source, anchors } = candidate;
  const scheme = schemeReason(url, source);
  if (scheme !== null) return [scheme];
  if (url.host === '') return [];
  return [
    ipReason(url, source),
    userinfoReason(url),
    homographReason(url),
    ...lookalikeReasons(url, brandDomains),
    ...hostingReasons(url),
    anchorReason(url, anchors, brandDomains),
  ].filter((r): r is Reason => r !== null);
}

const INSPECTED_URLS = memoKey<Map<string, InspectedUrl | null>>('inspected urls');

/** Each distinct URL of an email, inspected once: mail repeats its links. */
function inspectedUrlsOf(email: ParsedEmail): (raw: string) => InspectedUrl | null {
  const inspectedByRaw = memoize(
    email,
    INSPECTED_URLS,
    () => new Map<string, InspectedUrl | null>(),
  );
  return (raw) => {
    let inspected = inspectedByRaw.get(raw);
    if (inspected === undefined) {
      inspected = inspectUrl(raw);
      inspectedByRaw.set(raw, inspected);
    }
    return inspected;
  };
}

/**
 * `inspectUrl(raw)`, once per distinct URL of an email: the model's features inspect the same URLs
 * as this analyzer.
 */
export function inspectedUrlOf(email: ParsedEmail, raw: string): InspectedUrl | null {
  return inspectedUrlsOf(email)(raw);
}

/**
 * Distinct URLs in document order, the HTML's then the text's, each with every anchor text that
 * pointed at it.
 */
function collectCandidates(email: ParsedEmail): { candidates: Candidate[]; total: number } {
  const inspect = inspectedUrlsOf(email);
  const byUrl = new Map<string, Candidate>();
  const add = (raw: string, source: string, anchorText: string | null) => {
    if (!URL_LIKE.test(raw)) return;
    const inspected = inspect(raw);
    if (inspected === null || IGNORED_SCHEMES.has(inspected.scheme)) return;
    let candidate = byUrl.get(inspected.url);
    if (!candidate) {
      candidate = { inspected, source, anchors: [] };
      byUrl.set(inspected.url, candidate);
    }
    if (anchorText) candidate.anchors.push(anchorText);
  };
  if (email.html !== '')
    for (const link of htmlOf(email).links) add(link.url, link.source, link.anchorText);
  for (const url of findTextUrls(email.text, MAX_URLS * 2)) add(url, LINK_SOURCES.text, null);
  const all = [...byUrl.values()];
  return { candidates: all.slice(0, MAX_URLS), total: all.length };
}

function report(
  candidate: Candidate,
  reasons: readonly Reason[],
  options: EngineOptions,
): LinkReport {
  const { inspected, source, anchors } = candidate;
  const scores = reasons.map((r) => r.overrides?.score ?? RULES[r.problem].score);
  return {
    url: clipUrl(inspected.url),
    host: inspected.host,
    registrable_domain: inspected.registrableDomain,
    source,
    anchor_text: anchors[0] ?? null,
    verdict: verdictForScore(combineScores(scores), options.thresholds),
    reasons: reasons.map((r) => `links.${r.problem}: ${r.detail}`),
  };
}

/** A data: URL can be megabytes; a report needs only enough to recognise it. */
const MAX_REPORTED_URL_CHARS = 2048;

function clipUrl(url: string): string {
  return url.length > MAX_REPORTED_URL_CHARS ? `${url.slice(0, MAX_REPORTED_URL_CHARS)}…` : url;
}

/** One finding per problem, at its strongest, quoting the URLs that have it. */
function aggregate(judged: readonly { url: string; reasons: readonly Reason[] }[]): Finding[] {
  const byProblem = new Map<LinkProblem, { strongest: Reason; urls: string[] }>();
  for (const { url, reasons } of judged) {
    for (const reason of reasons) {
      const entry = byProblem.get(reason.problem);
      const score = (r: Reason) => r.overrides?.score ?? RULES[r.problem].score;
      if (!entry) byProblem.set(reason.problem, { strongest: reason, urls: [url] });
      else {
        entry.urls.push(url);
        if (score(reason) > score(entry.strongest)) entry.strongest = reason;
      }
    }
  }
  return [...byProblem].map(([problem, { strongest, urls }]) =>
    finding(problem, `${strongest.detail}: ${listEvidence(urls, 2)}`, strongest.overrides),
  );
}

/** Every examined URL with what is wrong with it, and the findings that sum them up. */
export interface LinkAnalysis {
  judged: readonly { candidate: Candidate; reasons: readonly Reason[] }[];
  findings: readonly Finding[];
}

/** One memo key per protected-domain list: the judgement depends on it, and on nothing else. */
const linkAnalysisKeys = new WeakMap<readonly string[], MemoKey<LinkAnalysis>>();

/**
 * The link analysis of an email against `brandDomains`, computed once per email and list: the
 * model's features read the findings with the default list, which is usually the one in use.
 */
export function linkAnalysisOf(email: ParsedEmail, brandDomains: readonly string[]): LinkAnalysis {
  let key = linkAnalysisKeys.get(brandDomains);
  if (key === undefined) {
    key = memoKey<LinkAnalysis>('link analysis');
    linkAnalysisKeys.set(brandDomains, key);
  }
  return memoize(email, key, () => {
    const { candidates, total } = collectCandidates(email);
    const judged = candidates.map((candidate) => ({
      candidate,
      reasons: judge(candidate, brandDomains),
    }));
    const findings = aggregate(
      judged.map(({ candidate, reasons }) => ({ url: candidate.inspected.url, reasons })),
    );
    if (total > MAX_URLS)
      findings.push(finding('too_many_urls', `${total} distinct URLs, ${MAX_URLS} examined`));
    return { judged, findings };
  });
}

export const analyzeLinks: AnalyzerFn = (email, { options }) => {
  const { judged, findings } = linkAnalysisOf(email, options.brandDomains);
  return {
    findings: [...findings],
    links: judged.map(({ candidate, reasons }) => report(candidate, reasons, options)),
  };
};
