/**
 * Finding rules as data: each analyzer keeps a table of what it can report
 * (severity, score, explanation) and builds findings from it by key, so the
 * logic never spells a score inline.
 */
import type { Analyzer, Finding, Severity } from '../contracts/analysis-result.ts';

export interface FindingRule {
  severity: Severity;
  /** Contribution to the verdict score, 0–100. */
  score: number;
  explanation: string;
}

/** Evidence quotes attacker-controlled text; keep results small whatever the input. */
const MAX_EVIDENCE_CHARS = 300;

export function clipEvidence(text: string): string {
  return text.length > MAX_EVIDENCE_CHARS ? `${text.slice(0, MAX_EVIDENCE_CHARS - 1)}…` : text;
}

/** Quotes the first few items of a list and counts the rest. */
export function listEvidence(items: readonly string[], shown = 3): string {
  const head = items.slice(0, shown).join(', ');
  return items.length > shown ? `${head} (+${items.length - shown} more)` : head;
}

export type FindingFactory<K extends string> = (
  key: K,
  evidence: string,
  overrides?: Partial<FindingRule>,
) => Finding;

export function defineFindings<K extends string>(
  analyzer: Analyzer,
  rules: Readonly<Record<K, FindingRule>>,
): FindingFactory<K> {
  return (key, evidence, overrides) => ({
    id: `${analyzer}.${key}`,
    analyzer,
    ...rules[key],
    ...overrides,
    evidence: clipEvidence(evidence),
  });
}
