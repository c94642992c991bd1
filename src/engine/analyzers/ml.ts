/**
 * The `ml` analyzer: the trained phishing model's probability as one finding, with the
 * features that moved it most. Without a model in the ports it reports nothing.
 */
import type { Severity } from '../../contracts/analysis-result.ts';
import type { AnalyzerFn } from '../analyzer.ts';
import { defineFindings } from '../findings.ts';
import { predict, type Contribution, type PhishingModel, type Prediction } from '../ml/model.ts';
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
  const score = verdictScore(
    prediction.probability,
    ports.model,
    options.thresholds,
    prediction.corroborated,
  );
  return {
    findings: [
      finding('phishing_probability', evidenceOf(prediction, ports.model), {
        severity: mlSeverity(score, options.thresholds),
        score,
        explanation: explanationOf(prediction, ports.model),
      }),
    ],
  };
};

/** The model's two cut-offs, both calibrated probabilities chosen out of fold at training. */
export type ModelThresholds = Pick<PhishingModel, 'threshold' | 'confidentThreshold'>;

/**
 * How far from `suspicious` towards `phishing` the model's own threshold lands (two thirds: 50
 * on the default scale), which also sets how much a probability below it scores. Chosen with the
 * confident threshold's error rate by `scripts/tune-verdict.ts` on the train split's
 * out-of-fold predictions (folds that keep each sender together): the best F1 whose
 * false-positive rate stays at or below 0.5%, short of the grid's cliff (at 0.9 the
 * false positives triple).
 */
export const THRESHOLD_SHARE = 2 / 3;

/**
 * The most an uncorroborated probability may score, as a share of `suspicious` (a third: 10 on
 * the default scale, an `info` finding that cannot make a message suspicious even with a weak
 * finding beside it). Uncorroborated means no content or link finding, no Reply-To or
 * display-name trait and no form among the features: the model has only the words.
 *
 * Why: the corpus has no modern transactional ham, so the words of a bank newsletter, a
 * calendar invitation or a password reset ("account", "please", "email", "bank") are, to the
 * model, the words of phishing; it rated such mail 90–99.7% phishing with nothing else
 * suspicious about it. Words alone therefore say "worth a look" in the evidence, not a verdict.
 */
export const UNCORROBORATED_SHARE = 1 / 3;

/**
 * Maps the calibrated probability piecewise-linearly onto the verdict scale, in three bands:
 * - below the model's threshold it stays under the threshold's own score: a model leaning
 *   "ham" cannot, with weak findings, make a verdict of phishing;
 * - from the threshold to the confident threshold it rises to `phishing`: the model alone
 *   makes the message suspicious, and phishing once another finding agrees (a medium finding,
 *   or weak ones near the top of the band);
 * - from the confident threshold it is `phishing` on its own, stopping short of `malicious`,
 *   which needs evidence of harm beyond the words. The committed model's confident threshold is
 *   its threshold (tuning found no gain in a band between them), so the middle band is empty.
 * The model and the rule analyzers read some of the same traits (Reply-To, links), so their
 * scores are not independent; the middle band keeps noisy-OR from counting them twice.
 * Without corroboration (see `UNCORROBORATED_SHARE`) the score is capped far below suspicious.
 */
export function verdictScore(
  probability: number,
  { threshold, confidentThreshold }: ModelThresholds,
  thresholds: VerdictThresholds,
  corroborated: boolean,
  thresholdShare = THRESHOLD_SHARE,
  uncorroboratedShare = UNCORROBORATED_SHARE,
): number {
  const atThreshold =
    thresholds.suspicious + thresholdShare * (thresholds.phishing - thresholds.suspicious);
  const score =
    probability < threshold
      ? (probability / threshold) * atThreshold
      : probability < confidentThreshold
        ? atThreshold +
          ((probability - threshold) / (confidentThreshold - threshold)) *
            (thresholds.phishing - atThreshold)
        : thresholds.phishing +
          ((probability - confidentThreshold) / (1 - confidentThreshold)) *
            (thresholds.malicious - 1 - thresholds.phishing);
  const capped = corroborated
    ? score
    : Math.min(score, uncorroboratedShare * thresholds.suspicious);
  return Math.round(capped * 10) / 10;
}

export function mlSeverity(score: number, thresholds: VerdictThresholds): Severity {
  if (score >= thresholds.phishing) return 'high';
  if (score >= thresholds.suspicious) return 'medium';
  return score >= thresholds.suspicious / 2 ? 'low' : 'info';
}

function evidenceOf(prediction: Prediction, model: ModelThresholds): string {
  const features = prediction.contributions.map(
    ({ feature, logit }) => `${feature} (${logit > 0 ? '+' : ''}${logit.toFixed(2)})`,
  );
  return `probability ${prediction.probability.toFixed(3)}, threshold ${model.threshold.toFixed(3)}, confident at ${model.confidentThreshold.toFixed(3)}; strongest features: ${features.join(', ')}`;
}

function explanationOf(prediction: Prediction, model: ModelThresholds): string {
  const percent = Math.round(prediction.probability * 100);
  const towardsVerdict = prediction.readableContributions
    .filter(({ logit }) => (prediction.isPhishing ? logit > 0 : logit < 0))
    .slice(0, EXPLAINED_FEATURE_COUNT)
    .map(describeFeature);
  const because =
    towardsVerdict.length > 0 ? `, mostly because of ${towardsVerdict.join(', ')}` : '';
  const lean = !prediction.isPhishing
    ? 'not phishing'
    : !prediction.corroborated
      ? 'phishing by its words alone, which does not count towards the verdict without a rule finding'
      : prediction.probability >= model.confidentThreshold
        ? 'phishing, confidently'
        : 'phishing, but not confident enough on its own';
  return `The trained model rates this message ${percent}% likely to be phishing (${lean})${because}.`;
}

const FEATURE_KINDS: Readonly<Record<string, string>> = {
  s: 'the subject word',
  w: 'the word',
  b: 'the phrase',
  ut: 'a link ending in',
  uh: 'a link host that is',
  h: 'the header trait',
  x: 'the structure trait',
  r: 'the finding',
};

function describeFeature({ feature }: Contribution): string {
  const separator = feature.indexOf(':');
  const kind = feature.slice(0, separator);
  const value = feature.slice(separator + 1);
  if (kind === 'c') return describeWordPart(value);
  return `${FEATURE_KINDS[kind] ?? 'the feature'} "${value}"`;
}

/** A word piece's spaces mark the word's edges: " ver" starts a word, "ify " ends one. */
function describeWordPart(part: string): string {
  const letters = part.trim();
  if (part.startsWith(' ') && part.endsWith(' ')) return `the word "${letters}"`;
  if (part.startsWith(' ')) return `words starting "${letters}"`;
  if (part.endsWith(' ')) return `words ending "${letters}"`;
  return `words containing "${letters}"`;
}
