import { getDomain } from 'tldts';
import type { Finding, LinkReport } from '../../contracts/analysis-result.ts';
import { mergeResults } from '../../engine/index.ts';
import { resolveRedirects } from '../adapters/redirects.ts';
import { runEngine } from './run-engine.ts';
import type { TaskContext, TaskProcessor } from './types.ts';

/** Links followed per email, and bytes read per link (only HTML, for meta refresh). */
const MAX_LINKS_FOLLOWED = 20;
const MAX_BYTES_PER_LINK = 256 * 1024;

/**
 * Every link, judged on its own and against the threat feeds; with redirect
 * resolution on (PHISHNET_RESOLVE_REDIRECTS), also where it really leads —
 * never to a private, loopback or link-local address.
 */
export const linkSafetyCheck: TaskProcessor = async (context) => {
  const result = await runEngine(context, ['parser', 'links', 'intel']);
  if (!context.config.redirects.enabled) return result;
  const findings = await followLinks(result.links, context);
  return findings.length === 0
    ? result
    : mergeResults([result], context.config.engine.thresholds, findings);
};

async function followLinks(links: readonly LinkReport[], context: TaskContext): Promise<Finding[]> {
  const web = links.filter((link) => /^https?:/i.test(link.url)).slice(0, MAX_LINKS_FOLLOWED);
  const findings: Finding[] = [];
  for (const link of web) {
    context.signal.throwIfAborted();
    const resolution = await resolveRedirects(link.url, {
      maxHops: context.config.redirects.maxHops,
      timeoutMs: context.config.redirects.timeoutMs,
      maxBytes: MAX_BYTES_PER_LINK,
    });
    const path = [link.url, ...resolution.chain.slice(1).map((hop) => hop.url)].join(' → ');
    if (resolution.stopped_reason === 'blocked_address') {
      findings.push({
        id: 'links.redirect_to_private_address',
        analyzer: 'links',
        severity: 'high',
        score: 60,
        evidence: `${path} → ${resolution.final_url}`,
        explanation:
          'The link leads to a private, loopback or link-local address, which no honest email link does; it was not followed.',
      });
    } else if (getDomain(resolution.final_url) !== getDomain(link.url)) {
      findings.push({
        id: 'links.redirects_elsewhere',
        analyzer: 'links',
        severity: 'low',
        score: 15,
        evidence: `${path} → ${resolution.final_url}`,
        explanation: 'The link redirects to another site than the one it shows.',
      });
    }
  }
  return findings;
}
