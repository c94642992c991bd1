/**
 * Trains the phishing model: L2-regularised logistic regression by SGD over hashed features,
 * a decision threshold and a Platt calibration chosen by stratified k-fold cross-validation
 * on the training set only. Pure and deterministic: the same examples and options give the
 * same model, bit for bit.
 */
import { getDomain } from 'tldts';
import type { ParsedEmail } from '../types.ts';
import { FREEMAIL_DOMAINS } from '../url/domain-lists.ts';
import { extractFeatures, hashFeatures, type SparseVector } from './features.ts';
import { classificationFigures, type ClassificationFigures } from './metrics.ts';
import { calibratedProbability, sigmoid, type Calibration, type PhishingModel } from './model.ts';
import { mulberry32, shuffleInPlace } from './random.ts';

export interface TrainingOptions {
  bucketBits: number;
  epochs: number;
  /** Initial SGD step; it decays as 1 / (1 + learningRate · l2 · step). */
  learningRate: number;
  /** Weight of ½‖w‖² against the mean log-loss. */
  l2: number;
  seed: number;
  folds: number;
  /** The threshold maximises out-of-fold F1 among those whose out-of-fold FPR stays at or below this. */
  maxFalsePositiveRate: number;
  /**
   * The confident threshold is the lowest at which the out-of-fold FPR stays at or below this:
   * above it the model alone makes the verdict `phishing` (see `analyzers/ml.ts`).
   */
  maxConfidentFalsePositiveRate: number;
  /** Weights are rounded to multiples of this, so the model file stores small integers. */
  weightResolution: number;
  /**
   * Whether SGD fits an intercept. Off, the logit is the sum of what the message's own features
   * say, and a message whose words the corpus never saw scores 0 rather than the intercept; on,
   * the intercept absorbed "ham has words of its own" (the ham is mostly technical lists with a
   * large vocabulary), so any short or unfamiliar message started out as phishing.
   */
  fitIntercept: boolean;
  /**
   * How cross-validation deals messages into folds: `sender` keeps every message of one sender
   * (registrable domain; the whole address for free mail) in one fold, so a message is never
   * judged by a model that learnt its siblings (a newsletter's other issues, a campaign's other
   * copies); `message` deals messages one by one. The figures and thresholds chosen out of fold
   * are then those for senders the model has not seen, which is what it meets in service.
   */
  folding: 'sender' | 'message';
}

export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = {
  bucketBits: 18,
  epochs: 80,
  learningRate: 0.5,
  l2: 1e-5,
  seed: 20_260_101,
  folds: 5,
  maxFalsePositiveRate: 0.01,
  maxConfidentFalsePositiveRate: 0.01,
  weightResolution: 1e-4,
  fitIntercept: false,
  folding: 'sender',
};

export interface TrainingExample {
  email: ParsedEmail;
  isPhishing: boolean;
}

export interface Provenance {
  /** UTC day, `YYYY-MM-DD`; an input rather than the clock, so retraining is reproducible. */
  trainedOn: string;
  corpusSha256: string;
}

interface Dataset {
  vectors: SparseVector[];
  labels: boolean[];
  /** Who sent each message (see `senderGroup`), for folds that keep a sender together. */
  senders: string[];
}

interface LinearWeights {
  weights: Float64Array;
  bias: number;
}

export function trainModel(
  examples: readonly TrainingExample[],
  provenance: Provenance,
  options: TrainingOptions = DEFAULT_TRAINING_OPTIONS,
): PhishingModel {
  return trainModelWithCrossValidation(examples, provenance, options).model;
}

/** `trainModel`, also returning the out-of-fold probabilities that chose its thresholds. */
export function trainModelWithCrossValidation(
  examples: readonly TrainingExample[],
  provenance: Provenance,
  options: TrainingOptions = DEFAULT_TRAINING_OPTIONS,
): { model: PhishingModel; crossValidation: CrossValidation } {
  const data = datasetOf(examples, options);
  const crossValidation = crossValidateDataset(data, options);
  const { calibration, outOfFold, threshold, confidentThreshold } = crossValidation;
  const fitted = fitLogistic(data, range(data.labels.length), options);
  const trainSet = data.vectors.map((vector) =>
    calibratedProbability(calibration, linearLogit(fitted, vector)),
  );
  const model: PhishingModel = {
    bucketBits: options.bucketBits,
    ...fitted,
    calibration,
    threshold,
    confidentThreshold,
    training: {
      ...provenance,
      phishingCount: data.labels.filter(Boolean).length,
      hamCount: data.labels.filter((label) => !label).length,
      options,
      crossValidation: figuresAt(outOfFold, data.labels, threshold),
      trainSet: figuresAt(trainSet, data.labels, threshold),
    },
  };
  return { model, crossValidation };
}

/** Out-of-fold results: what the calibration and threshold are chosen from. */
export interface CrossValidation {
  calibration: Calibration;
  /** Each example's calibrated probability from a model that never saw it, in input order. */
  outOfFold: number[];
  threshold: number;
  confidentThreshold: number;
}

/**
 * The cross-validation `trainModel` runs, on its own: lets a caller tune what sits downstream of
 * the model (the verdict) on probabilities the model did not fit, without touching the test split.
 */
export function crossValidate(
  examples: readonly TrainingExample[],
  options: TrainingOptions = DEFAULT_TRAINING_OPTIONS,
): CrossValidation {
  return crossValidateDataset(datasetOf(examples, options), options);
}

function datasetOf(examples: readonly TrainingExample[], options: TrainingOptions): Dataset {
  return {
    vectors: examples.map(({ email }) => hashFeatures(extractFeatures(email), options.bucketBits)),
    labels: examples.map(({ isPhishing }) => isPhishing),
    senders: examples.map(({ email }, i) => senderGroup(email, i)),
  };
}

/** Addresses the corpus wrote in place of real ones: not a sender of their own. */
const PLACEHOLDER_DOMAINS: ReadonlySet<string> = new Set(['example.org']);

/**
 * The sender a message counts as for folding: its From address's registrable domain, or the
 * whole address at a free-mail or placeholder domain (thousands of unrelated people share
 * gmail.com); a message without a From is a sender of its own.
 */
export function senderGroup(email: ParsedEmail, index: number): string {
  const address = email.from?.address.toLowerCase() ?? '';
  const at = address.lastIndexOf('@');
  if (at === -1) return `#${index}`;
  const domain = getDomain(address.slice(at + 1)) ?? address.slice(at + 1);
  return FREEMAIL_DOMAINS.has(domain) || PLACEHOLDER_DOMAINS.has(domain) ? address : domain;
}

function crossValidateDataset(data: Dataset, options: TrainingOptions): CrossValidation {
  const outOfFoldLogits = crossValidatedLogits(data, options);
  const calibration = fitCalibration(outOfFoldLogits, data.labels);
  const outOfFold = outOfFoldLogits.map((logit) => calibratedProbability(calibration, logit));
  const threshold = chooseThreshold(outOfFold, data.labels, options.maxFalsePositiveRate);
  const confidentThreshold = chooseConfidentThreshold(
    outOfFold,
    data.labels,
    threshold,
    options.maxConfidentFalsePositiveRate,
  );
  return { calibration, outOfFold, threshold, confidentThreshold };
}

/** Each example's logit from a model that never saw it. */
function crossValidatedLogits(data: Dataset, options: TrainingOptions): number[] {
  const random = mulberry32(options.seed);
  const folds =
    options.folding === 'sender'
      ? senderFolds(data.labels, data.senders, options.folds, random)
      : stratifiedFolds(data.labels, options.folds, random);
  const logits = new Array<number>(data.labels.length).fill(0);
  for (const held of folds) {
    const heldOut = new Set(held);
    const fitted = fitLogistic(
      data,
      range(data.labels.length).filter((i) => !heldOut.has(i)),
      options,
    );
    for (const i of held) logits[i] = linearLogit(fitted, data.vectors[i] as SparseVector);
  }
  return logits;
}

/** Deals each class's shuffled indices round-robin, so every fold has both classes in proportion. */
function stratifiedFolds(
  labels: readonly boolean[],
  foldCount: number,
  random: () => number,
): number[][] {
  const folds = Array.from({ length: foldCount }, () => [] as number[]);
  for (const label of [true, false]) {
    const members = range(labels.length).filter((i) => labels[i] === label);
    shuffleInPlace(members, random).forEach((index, position) => {
      folds[position % foldCount]?.push(index);
    });
  }
  return folds;
}

/**
 * Folds that never split a sender, each holding about its share of either class: senders in a
 * seeded random order, largest first, each given to the fold it fills least (by the larger of
 * its phishing and ham shares once the sender is added).
 */
export function senderFolds(
  labels: readonly boolean[],
  senders: readonly string[],
  foldCount: number,
  random: () => number,
): number[][] {
  const members = new Map<string, number[]>();
  senders.forEach((sender, i) => {
    const group = members.get(sender);
    if (group) group.push(i);
    else members.set(sender, [i]);
  });
  const groups = shuffleInPlace([...members.values()], random).sort((a, b) => b.length - a.length);
  const phishingTotal = Math.max(1, labels.filter(Boolean).length);
  const hamTotal = Math.max(1, labels.length - phishingTotal);
  const folds = Array.from({ length: foldCount }, () => ({
    phishing: 0,
    ham: 0,
    rows: [] as number[],
  }));
  for (const group of groups) {
    const phishing = group.filter((i) => labels[i] === true).length;
    const ham = group.length - phishing;
    const fill = (fold: { phishing: number; ham: number }) =>
      Math.max((fold.phishing + phishing) / phishingTotal, (fold.ham + ham) / hamTotal);
    const target = folds.reduce((best, fold) => (fill(fold) < fill(best) ? fold : best));
    target.phishing += phishing;
    target.ham += ham;
    target.rows.push(...group);
  }
  return folds.map(({ rows }) => rows.sort((a, b) => a - b));
}

/**
 * SGD on the mean log-loss plus (l2/2)‖w‖², with weights kept as `scale · v` so the L2 shrink
 * costs O(1) per step instead of touching every bucket (Bottou, "SGD tricks", 2012).
 */
function fitLogistic(
  data: Dataset,
  rows: readonly number[],
  options: TrainingOptions,
): LinearWeights {
  const random = mulberry32(options.seed);
  const v = new Float64Array(2 ** options.bucketBits);
  let scale = 1;
  let bias = 0;
  let step = 0;
  const order = [...rows];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (const row of shuffleInPlace(order, random)) {
      const { indices, values } = data.vectors[row] as SparseVector;
      const rate = options.learningRate / (1 + options.learningRate * options.l2 * step++);
      const gradient =
        sigmoid(scale * sparseDot(v, indices, values) + bias) - (data.labels[row] ? 1 : 0);
      scale *= 1 - rate * options.l2;
      indices.forEach((index, k) => {
        v[index] = (v[index] ?? 0) - (rate * gradient * (values[k] ?? 0)) / scale;
      });
      if (options.fitIntercept) bias -= rate * gradient;
      if (scale < 1e-9) {
        v.forEach((weight, index) => (v[index] = weight * scale));
        scale = 1;
      }
    }
  }
  return {
    weights: v.map((weight) => quantise(weight * scale, options.weightResolution)),
    bias: roundSignificant(bias, 6),
  };
}

function linearLogit({ weights, bias }: LinearWeights, { indices, values }: SparseVector): number {
  return bias + sparseDot(weights, indices, values);
}

function sparseDot(dense: Float64Array, indices: readonly number[], values: readonly number[]) {
  let sum = 0;
  indices.forEach((index, k) => (sum += (dense[index] ?? 0) * (values[k] ?? 0)));
  return sum;
}

/**
 * Platt scaling: fits σ(slope · logit + intercept) to the labels by Newton's method, with
 * Platt's smoothed targets so a perfectly separated fold cannot push the slope to infinity.
 */
function fitCalibration(logits: readonly number[], labels: readonly boolean[]): Calibration {
  const positives = labels.filter(Boolean).length;
  const negatives = labels.length - positives;
  const targetFor = (label: boolean | undefined) =>
    label === true ? (positives + 1) / (positives + 2) : 1 / (negatives + 2);
  let slope = 1;
  let intercept = 0;
  for (let iteration = 0; iteration < 50; iteration++) {
    let [gSlope, gIntercept, hSlope, hCross, hIntercept] = [0, 0, 1e-12, 0, 1e-12];
    logits.forEach((logit, i) => {
      const p = sigmoid(slope * logit + intercept);
      const residual = p - targetFor(labels[i]);
      const curvature = p * (1 - p);
      gSlope += residual * logit;
      gIntercept += residual;
      hSlope += curvature * logit * logit;
      hCross += curvature * logit;
      hIntercept += curvature;
    });
    const determinant = hSlope * hIntercept - hCross * hCross;
    slope -= (hIntercept * gSlope - hCross * gIntercept) / determinant;
    intercept -= (hSlope * gIntercept - hCross * gSlope) / determinant;
  }
  return { slope: roundSignificant(slope, 6), intercept: roundSignificant(intercept, 6) };
}

/** Midpoints between neighbouring distinct probabilities, lowest first. */
function candidateThresholds(probabilities: readonly number[]): number[] {
  const distinct = [...new Set(probabilities)].sort((a, b) => a - b);
  return distinct.slice(1).map((p, i) => roundSignificant(((distinct[i] ?? p) + p) / 2, 6));
}

/**
 * The lowest candidate at or above `threshold` whose out-of-fold FPR is at most
 * `maxFalsePositiveRate`: the most phishing the model may call on its own at that error rate.
 */
export function chooseConfidentThreshold(
  probabilities: readonly number[],
  labels: readonly boolean[],
  threshold: number,
  maxFalsePositiveRate: number,
): number {
  const candidates = [
    threshold,
    ...candidateThresholds(probabilities).filter((t) => t > threshold),
  ];
  const confident = candidates.find(
    (candidate) =>
      figuresAt(probabilities, labels, candidate).falsePositiveRate <= maxFalsePositiveRate,
  );
  return confident ?? roundSignificant(Math.max(threshold, ...probabilities) * 0.5 + 0.5, 6);
}

/** Midpoints between neighbouring distinct probabilities; ties keep the lowest threshold. */
function chooseThreshold(
  probabilities: readonly number[],
  labels: readonly boolean[],
  maxFalsePositiveRate: number,
): number {
  const candidates = candidateThresholds(probabilities);
  let best = { threshold: 0.5, f1: -1, withinFpr: false };
  for (const threshold of candidates) {
    const figures = figuresAt(probabilities, labels, threshold);
    const withinFpr = figures.falsePositiveRate <= maxFalsePositiveRate;
    const isBetter =
      (withinFpr && !best.withinFpr) || (withinFpr === best.withinFpr && figures.f1 > best.f1);
    if (isBetter) best = { threshold, f1: figures.f1, withinFpr };
  }
  return best.threshold;
}

/** Precision, recall and the rest when `threshold` splits the probabilities. */
export function figuresAt(
  probabilities: readonly number[],
  labels: readonly boolean[],
  threshold: number,
): ClassificationFigures {
  return classificationFigures(
    probabilities.map((probability, i) => ({
      isPhishing: labels[i] === true,
      predictedPhishing: probability >= threshold,
    })),
  );
}

/** `units · resolution`, the same expression the model file is read back with. */
function quantise(value: number, resolution: number): number {
  return Math.round(value / resolution) * resolution;
}

function roundSignificant(value: number, digits: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(digits));
}

function range(length: number): number[] {
  return Array.from({ length }, (_, i) => i);
}
