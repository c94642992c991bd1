/**
 * Combines the results of several analyses of one email (the children of a
 * comprehensive flow) into one result with one verdict over all the evidence.
 */
import type {
  AnalysisResult,
  Analyzer,
  AuthResult,
  Authentication,
  Finding,
} from '../contracts/analysis-result.ts';
import type { VerdictThresholds } from './types.ts';
import { decideVerdict } from './verdict.ts';

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/** A result that says something beats one that says nothing. */
function mergeAuthentication(results: readonly AnalysisResult[]): Authentication {
  const pick = (field: keyof Authentication): AuthResult =>
    results.map((r) => r.authentication[field]).find((value) => value !== 'none') ?? 'none';
  return { spf: pick('spf'), dkim: pick('dkim'), dmarc: pick('dmarc'), arc: pick('arc') };
}

export function mergeResults(
  results: readonly AnalysisResult[],
  thresholds: VerdictThresholds,
  extraFindings: readonly Finding[] = [],
): AnalysisResult {
  const [first] = results;
  if (!first) throw new Error('mergeResults needs at least one result');
  const findings = uniqueBy(
    [...results.flatMap((r) => r.findings), ...extraFindings],
    (f) => `${f.id}\u0000${f.evidence}`,
  );
  const analyzers = [...new Set<Analyzer>(results.flatMap((r) => r.analyzers))];
  return {
    ...decideVerdict(findings, thresholds),
    findings,
    email: first.email,
    authentication: mergeAuthentication(results),
    links: uniqueBy(
      results.flatMap((r) => r.links),
      (link) => link.url,
    ),
    attachments: uniqueBy(
      results.flatMap((r) => r.attachments),
      (attachment) => attachment.sha256,
    ),
    analyzers,
    engine_ms: results.reduce((sum, r) => sum + r.engine_ms, 0),
  };
}
