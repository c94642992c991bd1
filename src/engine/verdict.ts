/**
 * From findings to a verdict. Scores combine noisy-OR style, treating each
 * finding as independent evidence: 100 * (1 - Π(1 - s/100)).
 *
 * Two corrections to plain noisy-OR, both against false positives on bulk mail:
 * - one finding id counts once (its strongest instance), so fifty shortened
 *   links are not fifty pieces of evidence;
 * - info/low findings are not independent in practice (an ESP's bounce domain,
 *   tracking links and a hidden preheader come together), so together they
 *   count as one term capped below the suspicious threshold: weak signals can
 *   tip stronger evidence over a threshold but never make a verdict alone.
 */
import type { Finding, Verdict } from '../contracts/analysis-result.ts';
import type { VerdictThresholds } from './types.ts';

export interface VerdictDecision {
  verdict: Verdict;
  score: number;
  /** Ids of the findings that pushed the score over the verdict's threshold, strongest first. */
  decisive: string[];
  summary: string;
}

/** Share of the suspicious threshold that weak findings together can reach. */
const WEAK_SHARE = 2 / 3;
const SUMMARY_ITEMS = 3;

export function combineScores(scores: Iterable<number>): number {
  let clear = 1;
  for (const score of scores) clear *= 1 - Math.min(100, Math.max(0, score)) / 100;
  return 100 * (1 - clear);
}

export function verdictForScore(score: number, thresholds: VerdictThresholds): Verdict {
  if (score >= thresholds.malicious) return 'malicious';
  if (score >= thresholds.phishing) return 'phishing';
  if (score >= thresholds.suspicious) return 'suspicious';
  return 'clean';
}

function isWeak(finding: Finding): boolean {
  return finding.severity === 'info' || finding.severity === 'low';
}

/** The strongest finding of each id, strongest first (ties by id, for determinism). */
function strongestPerId(findings: readonly Finding[]): Finding[] {
  const best = new Map<string, Finding>();
  for (const finding of findings) {
    const seen = best.get(finding.id);
    if (!seen || finding.score > seen.score) best.set(finding.id, finding);
  }
  return [...best.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

/** Score of a set of distinct findings, with the weak ones capped together. */
function scoreOf(findings: readonly Finding[], weakCap: number): number {
  const strong = findings.filter((f) => !isWeak(f)).map((f) => f.score);
  const weak = Math.min(weakCap, combineScores(findings.filter(isWeak).map((f) => f.score)));
  return combineScores([...strong, weak]);
}

function thresholdOf(verdict: Verdict, thresholds: VerdictThresholds): number {
  return verdict === 'clean' ? 0 : thresholds[verdict];
}

/** The shortest strongest-first prefix of `ranked` that reaches `threshold`. */
function decisivePrefix(ranked: readonly Finding[], threshold: number, weakCap: number): Finding[] {
  for (let n = 1; n <= ranked.length; n++) {
    const prefix = ranked.slice(0, n);
    if (scoreOf(prefix, weakCap) >= threshold) return prefix;
  }
  return [...ranked];
}

function summarize(
  verdict: Verdict,
  score: number,
  decisive: readonly Finding[],
  total: number,
): string {
  const rounded = Math.round(score);
  if (verdict === 'clean') {
    return total === 0
      ? 'Clean: nothing suspicious was found.'
      : `Clean (score ${rounded}): ${total} minor finding${total === 1 ? '' : 's'}, none strong enough to matter.`;
  }
  const reasons = decisive
    .slice(0, SUMMARY_ITEMS)
    .map((f) => `${f.explanation.replace(/\.$/, '')} (${f.id})`)
    .join('; ');
  const more =
    decisive.length > SUMMARY_ITEMS ? `; and ${decisive.length - SUMMARY_ITEMS} more` : '';
  const label = verdict.charAt(0).toUpperCase() + verdict.slice(1);
  return `${label} (score ${rounded}): ${reasons}${more}.`;
}

export function decideVerdict(
  findings: readonly Finding[],
  thresholds: VerdictThresholds,
): VerdictDecision {
  const weakCap = thresholds.suspicious * WEAK_SHARE;
  const ranked = strongestPerId(findings);
  const critical = ranked.filter((f) => f.severity === 'critical');
  // A critical finding (a known-malicious attachment, say) is malicious on its own.
  const exact = Math.max(scoreOf(ranked, weakCap), critical.length > 0 ? thresholds.malicious : 0);
  // Decide on the score as reported, so a verdict never disagrees with its own number.
  const score = Math.round(exact * 10) / 10;
  const verdict = verdictForScore(score, thresholds);
  const decisive =
    verdict === 'clean'
      ? []
      : critical.length > 0
        ? critical
        : decisivePrefix(ranked, thresholdOf(verdict, thresholds), weakCap);
  return {
    verdict,
    score,
    decisive: decisive.map((f) => f.id),
    summary: summarize(verdict, score, decisive, ranked.length),
  };
}
