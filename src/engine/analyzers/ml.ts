/**
 * The `ml` analyzer: the trained phishing model's probability as one finding, with the
 * features that moved it most. Without a model in the ports it reports nothing.
 */
import type { Severity } from '../../contracts/analysis-result.ts';
import type { AnalyzerFn } from '../analyzer.ts';
import { defineFindings } from '../findings.ts';
import { predict, type Contribution, type Prediction } from '../ml/model.ts';
import type { VerdictThresholds } from '../types.ts';

const finding = defineFindings('ml', {
  phishing_probability: {
    severity: 'info',
    score: 0,
    explanation: 'A statistical model trained on labelled mail rated how likely this is phishing.',
  },
});

const EXPLAINED_FEATURE_COUNT = 3;

export const analyzeMl: AnalyzerFn = (email, { ports, options }) => {
  if (ports.model === undefined) return { findings: [] };
  const prediction = predict(ports.model, email);
  const score = verdictScore(prediction.probability, ports.model.threshold, options.thresholds);
  return {
    findings: [
      finding('phishing_probability', evidenceOf(prediction, ports.model.threshold), {
        severity: severityOf(score, options.thresholds),
        score,
        explanation: explanationOf(prediction),
      }),
    ],
  };
};

/**
 * Maps the calibrated probability piecewise-linearly so the model's own threshold lands on the
 * engine's `phishing` threshold: on its own, the finding gives the verdict the model would.
 * A certain model stops just short of `malicious`, which needs evidence of harm beyond the words.
 */
export function verdictScore(
  probability: number,
  modelThreshold: number,
  thresholds: VerdictThresholds,
): number {
  const score =
    probability < modelThreshold
      ? (probability / modelThreshold) * thresholds.phishing
      : thresholds.phishing +
        ((probability - modelThreshold) / (1 - modelThreshold)) *
          (thresholds.malicious - 1 - thresholds.phishing);
  return Math.round(score * 10) / 10;
}

function severityOf(score: number, thresholds: VerdictThresholds): Severity {
  if (score >= thresholds.phishing) return 'high';
  if (score >= thresholds.suspicious) return 'medium';
  return score >= thresholds.suspicious / 2 ? 'low' : 'info';
}

function evidenceOf(prediction: Prediction, modelThreshold: number): string {
  const features = prediction.contributions.map(
    ({ feature, logit }) => `${feature} (${logit > 0 ? '+' : ''}${logit.toFixed(2)})`,
  );
  return `probability ${prediction.probability.toFixed(3)}, threshold ${modelThreshold.toFixed(3)}; strongest features: ${features.join(', ')}`;
}

function explanationOf(prediction: Prediction): string {
  const percent = Math.round(prediction.probability * 100);
  const towardsVerdict = prediction.contributions
    .filter(({ logit }) => (prediction.isPhishing ? logit > 0 : logit < 0))
    .slice(0, EXPLAINED_FEATURE_COUNT)
    .map(describeFeature);
  const because =
    towardsVerdict.length > 0 ? `, mostly because of ${towardsVerdict.join(', ')}` : '';
  const lean = prediction.isPhishing ? 'phishing' : 'not phishing';
  return `The trained model rates this message ${percent}% likely to be phishing (${lean})${because}.`;
}

const FEATURE_KINDS: Readonly<Record<string, string>> = {
  s: 'the subject word',
  w: 'the word',
  b: 'the phrase',
  ud: 'a link to',
  ut: 'a link ending in',
  up: 'the link path word',
  uh: 'a link host that is',
  h: 'the header trait',
  x: 'the structure trait',
};

function describeFeature({ feature }: Contribution): string {
  const separator = feature.indexOf(':');
  const kind = FEATURE_KINDS[feature.slice(0, separator)] ?? 'the feature';
  return `${kind} "${feature.slice(separator + 1)}"`;
}
