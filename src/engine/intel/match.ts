/** Look-ups of observables in indicator sets, all through the shared normal forms. */
import { getDomain } from 'tldts';
import { normalizeDomain } from './normalize.ts';

/**
 * The listed domain that covers `host`: itself or a parent down to its
 * registrable domain, so a listed `evil.com` catches `login.evil.com` but a
 * listed public suffix cannot catch everything below it.
 */
export function listedDomain(host: string, domains: ReadonlySet<string>): string | null {
  const domain = normalizeDomain(host);
  if (domain === null) return null;
  const registrable = getDomain(domain);
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const candidate = labels.slice(i).join('.');
    if (domains.has(candidate)) return candidate;
    if (candidate === registrable) break;
  }
  return null;
}
