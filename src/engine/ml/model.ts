/**
 * The phishing model: logistic regression over hashed features, with Platt calibration so
 * its probability can be read as one. Loading it from disk is the worker's job
 * (`src/worker/adapters/model.ts`); the engine receives it through `EnginePorts.model`.
 */
import type { ParsedEmail } from '../types.ts';
import { extractFeatures, featureBucket, isCorroborated, type Feature } from './features.ts';
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
}

const DEFAULT_CONTRIBUTION_COUNT = 8;

export function predict(
  model: PhishingModel,
  email: ParsedEmail,
  contributionCount = DEFAULT_CONTRIBUTION_COUNT,
): Prediction {
  const features = extractFeatures(email);
  const contributions = featureContributions(model, features);
  const logit = contributions.reduce((sum, { logit: part }) => sum + part, model.bias);
  const probability = calibratedProbability(model.calibration, logit);
  return {
    probability,
    isPhishing: probability >= model.threshold,
    corroborated: isCorroborated(email, features),
    contributions: strongestFirst(contributions).slice(0, contributionCount),
  };
}

export function calibratedProbability(calibration: Calibration, logit: number): number {
  return sigmoid(calibration.slope * logit + calibration.intercept);
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Scoring named features gives the same logit as scoring their hashed vector, and names to show. */
function featureContributions(model: PhishingModel, features: readonly Feature[]): Contribution[] {
  const mask = model.weights.length - 1;
  return features.map(({ name, value }) => ({
    feature: name,
    logit: (model.weights[featureBucket(name, mask)] ?? 0) * value,
  }));
}

function strongestFirst(contributions: Contribution[]): Contribution[] {
  return contributions
    .filter(({ logit }) => logit !== 0)
    .sort(
      (a, b) =>
        Math.abs(b.logit) - Math.abs(a.logit) ||
        (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0),
    );
}
