/**
 * Threat-intelligence matching: the sender's domains, every URL's address,
 * host and IP, and the attachments' hashes, against the loaded indicator sets.
 */
import type { Finding } from '../../contracts/analysis-result.ts';
import type { AnalyzerFn } from '../analyzer.ts';
import { defineFindings } from '../findings.ts';
import { listedDomain } from '../intel/match.ts';
import { normalizeIp, normalizeUrl } from '../intel/normalize.ts';
import { type Observables, extractObservables } from '../intel/observables.ts';
import type { IndicatorSets } from '../types.ts';

const intelFinding = defineFindings('intel', {
  url_listed: {
    severity: 'high',
    score: 90,
    explanation: 'A link points to an address listed by a threat-intelligence feed.',
  },
  domain_listed: {
    severity: 'high',
    score: 80,
    explanation: 'A domain in the email is listed by a threat-intelligence feed.',
  },
  ip_listed: {
    severity: 'high',
    score: 75,
    explanation: 'A link points to an IP address listed by a threat-intelligence feed.',
  },
  hash_listed: {
    severity: 'critical',
    score: 100,
    explanation: 'An attachment is a file known to threat-intelligence feeds as malicious.',
  },
});

/** A match: which indicator, and the finding it makes. */
interface Match {
  indicator: string;
  finding: Finding;
}

export const analyzeIntel: AnalyzerFn = (email, context) => {
  const sets = context.ports.indicators;
  if (sets === undefined) return { findings: [] };
  const observables = extractObservables(email);
  const matches = [
    ...senderMatches(observables, sets),
    ...observables.urls.flatMap((url) => urlMatches(url, sets)),
    ...hashMatches(observables, sets),
  ];
  return { findings: firstPerIndicator(matches) };
};

function senderMatches(observables: Observables, sets: IndicatorSets): Match[] {
  return observables.senderDomains.flatMap(({ source, domain }) => {
    const listed = listedDomain(domain, sets.domains);
    return listed === null
      ? []
      : [
          {
            indicator: listed,
            finding: intelFinding('domain_listed', `${listed} (${source}: ${domain})`),
          },
        ];
  });
}

function urlMatches(raw: string, sets: IndicatorSets): Match[] {
  const url = normalizeUrl(raw);
  if (url === null) return [];
  const matches: Match[] = [];
  if (sets.urls.has(url))
    matches.push({ indicator: url, finding: intelFinding('url_listed', url) });
  const host = new URL(url).hostname;
  const ip = normalizeIp(host);
  if (ip !== null && sets.ips.has(ip)) {
    matches.push({ indicator: ip, finding: intelFinding('ip_listed', `${ip} (link: ${url})`) });
  }
  const listed = ip === null ? listedDomain(host, sets.domains) : null;
  if (listed !== null) {
    matches.push({
      indicator: listed,
      finding: intelFinding('domain_listed', `${listed} (link: ${url})`),
    });
  }
  return matches;
}

const HASH_ALGORITHMS = ['md5', 'sha1', 'sha256'] as const;

function hashMatches(observables: Observables, sets: IndicatorSets): Match[] {
  return observables.attachments.flatMap(({ name, hashes }) =>
    HASH_ALGORITHMS.filter((algorithm) => sets.hashes.has(hashes[algorithm])).map((algorithm) => ({
      indicator: hashes[algorithm],
      finding: intelFinding('hash_listed', `${hashes[algorithm]} (${algorithm} of ${name})`),
    })),
  );
}

/** One finding per finding id and indicator: fifty links to one listed domain are one match. */
function firstPerIndicator(matches: readonly Match[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const { indicator, finding } of matches) {
    const key = `${finding.id} ${indicator}`;
    if (!seen.has(key)) seen.set(key, finding);
  }
  return [...seen.values()];
}
