/**
 * The phishing model: logistic regression over hashed features, with Platt calibration so
 * its probability can be read as one. Loading it from disk is the worker's job
 * (`src/worker/adapters/model.ts`); the engine receives it through `EnginePorts.model`.
 */
import type { ParsedEmail } from '../types.ts';
import { featureBucket, isWordPiece, readForModel } from './features.ts';
import type { ClassificationFigures } from './metrics.ts';
import type { TrainingOptions } from './train.ts';

/** Maps a raw logit to a calibrated probability: σ(slope · logit + intercept). */
export interface Calibration {
  slope: number;
  intercept: number;
}

/** Where the model came from; kept in the model file so a figure can be traced to its data. */
export interface TrainingSummary {
  /** UTC day, `YYYY-MM-DD`. */
  trainedOn: string;
  /** sha256 over the training messages' paths and bytes. */
  corpusSha256: string;
  phishingCount: number;
  hamCount: number;
  options: TrainingOptions;
  /** Out-of-fold figures at `threshold`: what chose the threshold. */
  crossValidation: ClassificationFigures;
  /** Figures on the training set itself: optimistic, shown to spot under-fitting. */
  trainSet: ClassificationFigures;
}

export interface PhishingModel {
  bucketBits: number;
  /** One weight per bucket, `2^bucketBits` long. */
  weights: Float64Array;
  bias: number;
  calibration: Calibration;
  /** Calibrated probability at or above which the model calls a message phishing. */
  threshold: number;
  /**
   * A higher probability at or above which the model is confident enough to make the verdict
   * `phishing` on its own; between `threshold` and this, it needs another finding to agree.
   */
  confidentThreshold: number;
  training: TrainingSummary;
}

/** A feature's push on the logit: positive towards phishing, negative towards ham. */
export interface Contribution {
  feature: string;
  logit: number;
}

export interface Prediction {
  /** Calibrated probability that the message is phishing, 0–1. */
  probability: number;
  isPhishing: boolean;
  /**
   * Whether a rule-level trait (a content or link finding, a Reply-To or display-name flag, a
   * form, a link away from the sender's domain) backs the words: what lets the probability move
   * the verdict.
   */
  corroborated: boolean;
  /** The strongest features in either direction, strongest first. */
  contributions: Contribution[];
  /**
   * The same among the features a reader can follow (words, phrases, findings, traits), without
   * the word pieces: those often weigh most, but "words ending ing" explains nothing.
   */
  readableContributions: Contribution[];
}

const DEFAULT_CONTRIBUTION_COUNT = 8;

export function predict(
  model: PhishingModel,
  email: ParsedEmail,
  contributionCount = DEFAULT_CONTRIBUTION_COUNT,
): Prediction {
  const { features, corroborated } = readForModel(email);
  const mask = model.weights.length - 1;
  const strongest = new StrongestContributions(contributionCount);
  const readable = new StrongestContributions(contributionCount);
  let logit = model.bias;
  // Scoring named features gives the same logit as scoring their hashed vector, and names to show.
  for (const { name, value } of features) {
    const part = (model.weights[featureBucket(name, mask)] ?? 0) * value;
    logit += part;
    strongest.offer(name, part);
    if (!isWordPiece(name)) readable.offer(name, part);
  }
  const probability = calibratedProbability(model.calibration, logit);
  return {
    probability,
    isPhishing: probability >= model.threshold,
    corroborated,
    contributions: strongest.list,
    readableContributions: readable.list,
  };
}

export function calibratedProbability(calibration: Calibration, logit: number): number {
  return sigmoid(calibration.slope * logit + calibration.intercept);
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/**
 * The strongest non-zero contributions seen, strongest first (ties by name): a short sorted list
 * filled in one pass, since a message has a thousand or more features and only a few are shown.
 */
class StrongestContributions {
  readonly list: Contribution[] = [];
  private readonly count: number;

  constructor(count: number) {
    this.count = count;
  }

  offer(feature: string, logit: number): void {
    if (logit === 0 || this.count <= 0) return;
    const { list } = this;
    const weakest = list[list.length - 1];
    if (list.length >= this.count && weakest !== undefined && !isStronger(feature, logit, weakest))
      return;
    let at = list.length;
    while (at > 0 && isStronger(feature, logit, list[at - 1] as Contribution)) at--;
    list.splice(at, 0, { feature, logit });
    if (list.length > this.count) list.pop();
  }
}

function isStronger(feature: string, logit: number, than: Contribution): boolean {
  const difference = Math.abs(logit) - Math.abs(than.logit);
  return difference > 0 || (difference === 0 && feature < than.feature);
}
