/**
 * Look-alikes of protected domains: the same skeleton (homoglyphs such as
 * "paypa1", "rnicrosoft", Cyrillic "аpple"), a small typo on a long enough
 * label, the brand as one hyphenated word of another name, or the brand worn
 * as a subdomain of somebody else's domain ("paypal.com.evil.tld").
 */
import { domainToUnicode } from 'node:url';
import { getDomainWithoutSuffix } from 'tldts';
import { boundedEditDistance, skeleton } from '../text/confusables.ts';
import type { InspectedUrl } from './inspect-url.ts';

export const LOOKALIKE_KINDS = {
  homoglyph: 'homoglyph',
  typo: 'typo',
  brandWord: 'brand word',
} as const;
export type LookalikeKind = (typeof LOOKALIKE_KINDS)[keyof typeof LOOKALIKE_KINDS];

export interface Lookalike {
  /** The protected domain imitated. */
  target: string;
  kind: LookalikeKind;
}

interface ProtectedDomain {
  domain: string;
  label: string;
  skeleton: string;
}

interface ProtectedIndex {
  domains: ReadonlySet<string>;
  entries: readonly ProtectedDomain[];
  /** Labels distinctive enough that seeing one as a subdomain label means something. */
  subdomainLabels: ReadonlyMap<string, string>;
  /** Look-alike answers by registrable domain: mail repeats the same few domains endlessly. */
  answers: Map<string, Lookalike | null>;
  /** Each protected domain between dots (`.paypal.com.`), in list order, to find one worn whole. */
  dottedDomains: readonly (readonly [string, string])[];
  /** Whether every protected domain has a dot, as registrable domains do. */
  allDotted: boolean;
}

/** Bound on remembered answers per protected list; the memo is dropped, not grown, past it. */
const MAX_REMEMBERED_ANSWERS = 50_000;

/** Below these lengths a typo distance matches ordinary words ("live" → "line"). */
const MIN_LABEL_FOR_ONE_TYPO = 5;
const MIN_LABEL_FOR_TWO_TYPOS = 7;
const MIN_LABEL_AS_SUBDOMAIN = 5;
const MIN_LABEL_AS_WORD = 4;
/** Brand labels that are also everyday host names ("outlook.example.biz"); only their full domain counts. */
const ORDINARY_LABELS: ReadonlySet<string> = new Set([
  'outlook',
  'office',
  'live',
  'azure',
  'steam',
]);

const indexes = new WeakMap<readonly string[], ProtectedIndex>();

function indexOf(protectedDomains: readonly string[]): ProtectedIndex {
  let index = indexes.get(protectedDomains);
  if (index) return index;
  const entries = protectedDomains.flatMap((domain) => {
    const label = getDomainWithoutSuffix(domain);
    return label ? [{ domain, label, skeleton: skeleton(label) }] : [];
  });
  index = {
    domains: new Set(protectedDomains),
    entries,
    subdomainLabels: new Map(
      entries
        .filter((e) => e.label.length >= MIN_LABEL_AS_SUBDOMAIN && !ORDINARY_LABELS.has(e.label))
        .map((e) => [e.label, e.domain]),
    ),
    answers: new Map(),
    dottedDomains: protectedDomains.map((domain) => [domain, `.${domain}.`] as const),
    allDotted: protectedDomains.every((domain) => domain.includes('.')),
  };
  indexes.set(protectedDomains, index);
  return index;
}

function typoBudget(label: string): number {
  if (label.length >= MIN_LABEL_FOR_TWO_TYPOS) return 2;
  return label.length >= MIN_LABEL_FOR_ONE_TYPO ? 1 : 0;
}

function compareLabel(
  label: string,
  labelSkeleton: string,
  entry: ProtectedDomain,
): LookalikeKind | null {
  if (label === entry.label) return null; // same name, other suffix: too often the brand's own ccTLD
  if (labelSkeleton === entry.skeleton) return LOOKALIKE_KINDS.homoglyph;
  const budget = typoBudget(entry.label);
  if (budget > 0 && boundedEditDistance(label, entry.label, budget) <= budget) {
    return LOOKALIKE_KINDS.typo;
  }
  if (entry.label.length >= MIN_LABEL_AS_WORD && label.split('-').includes(entry.label)) {
    return LOOKALIKE_KINDS.brandWord;
  }
  return null;
}

export function findLookalike(
  url: InspectedUrl,
  protectedDomains: readonly string[],
): Lookalike | null {
  const { registrableDomain, domainLabel } = url;
  if (registrableDomain === null || domainLabel === null) return null;
  const index = indexOf(protectedDomains);
  if (index.domains.has(registrableDomain)) return null;
  const known = index.answers.get(registrableDomain);
  if (known !== undefined) return known;
  const answer = compareDomain(domainLabel, index.entries);
  if (index.answers.size >= MAX_REMEMBERED_ANSWERS) index.answers.clear();
  index.answers.set(registrableDomain, answer);
  return answer;
}

function compareDomain(domainLabel: string, entries: readonly ProtectedDomain[]): Lookalike | null {
  const label = domainLabel.startsWith('xn--')
    ? domainToUnicode(domainLabel) || domainLabel
    : domainLabel;
  const labelSkeleton = skeleton(label);
  for (const entry of entries) {
    const kind = compareLabel(label, labelSkeleton, entry);
    if (kind !== null) return { target: entry.domain, kind };
  }
  return null;
}

export interface WornBrand {
  /** The protected domain worn. */
  target: string;
  /** The whole domain ("paypal.com.evil.tld"), not just its name ("paypal.evil.tld"). */
  isWholeDomain: boolean;
}

/** The protected domain a host wears in its subdomain part, if any. */
export function findDeceptiveSubdomain(
  url: InspectedUrl,
  protectedDomains: readonly string[],
): WornBrand | null {
  const { host, registrableDomain } = url;
  if (registrableDomain === null || host === registrableDomain) return null;
  const index = indexOf(protectedDomains);
  if (index.domains.has(registrableDomain)) return null;
  const subdomain = host.slice(0, -registrableDomain.length - 1);
  // A registrable domain has a dot of its own, so a one-label subdomain ("www") cannot wear one.
  if (subdomain.includes('.') || !index.allDotted) {
    const dotted = `.${subdomain}.`;
    const worn = index.dottedDomains.find(([, dottedDomain]) => dotted.includes(dottedDomain));
    if (worn !== undefined) return { target: worn[0], isWholeDomain: true };
  }
  for (const label of subdomain.split('.')) {
    const domain = index.subdomainLabels.get(label);
    if (domain !== undefined) return { target: domain, isWholeDomain: false };
  }
  return null;
}
