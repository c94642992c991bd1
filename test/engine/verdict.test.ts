import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../../src/contracts/analysis-result.ts';
import { combineScores, decideVerdict, DEFAULT_ENGINE_OPTIONS } from '../../src/engine/index.ts';

const { thresholds } = DEFAULT_ENGINE_OPTIONS;
const f = (id: string, score: number, severity: Severity = 'high'): Finding => ({
  id,
  analyzer: 'links',
  severity,
  score,
  evidence: 'x',
  explanation: `${id} explained.`,
});

describe('deciding a verdict', () => {
  it('combines independent evidence noisy-OR style', () => {
    expect(combineScores([50, 50])).toBeCloseTo(75);
    expect(combineScores([])).toBe(0);
  });

  it.each([
    [[], 'clean', 0],
    [[f('a', 40), f('b', 40)], 'phishing', 64],
    [[f('a', 30)], 'suspicious', 30],
    [[f('a', 60), f('b', 60), f('c', 30)], 'malicious', 88.8],
  ] as const)('scores %j as %s', (findings, verdict, score) => {
    const decision = decideVerdict(findings, thresholds);
    expect(decision.verdict).toBe(verdict);
    expect(decision.score).toBeCloseTo(score, 1);
  });

  it('counts a finding id once, at its strongest', () => {
    const many = Array.from({ length: 50 }, () => f('links.shortener', 40));
    expect(decideVerdict(many, thresholds).score).toBe(40);
  });

  it('never lets weak findings alone leave clean', () => {
    const weak = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => f(id, 15, 'low'));
    expect(decideVerdict(weak, thresholds).verdict).toBe('clean');
  });

  it('lets a critical finding force malicious', () => {
    const decision = decideVerdict([f('attachments.known_malware', 10, 'critical')], thresholds);
    expect(decision.verdict).toBe('malicious');
    expect(decision.decisive).toEqual(['attachments.known_malware']);
  });

  it('names the strongest findings that crossed the threshold, strongest first', () => {
    const decision = decideVerdict(
      [f('small', 10, 'medium'), f('big', 50), f('mid', 30)],
      thresholds,
    );
    expect(decision.verdict).toBe('phishing');
    expect(decision.decisive).toEqual(['big', 'mid']);
    expect(decision.summary).toMatch(
      /^Phishing \(score \d+\): big explained \(big\); mid explained \(mid\)\.$/,
    );
  });
});
