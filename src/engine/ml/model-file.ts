/**
 * The model file (`models/phishing-model.json`): written by `scripts/train.ts`, read by
 * `src/worker/adapters/model.ts`. Weights are stored sparsely, as ascending bucket indices and
 * their non-zero weights in integer units of `resolution`; every other bucket weighs 0.
 */
import { z } from 'zod';
import { FEATURE_VERSION } from './features.ts';
import type { PhishingModel } from './model.ts';

export const MODEL_FILE_FORMAT = 'phishnet.phishing-model';
export const MODEL_FILE_VERSION = 3;

const figuresSchema = z.object({
  truePositives: z.int().nonnegative(),
  falsePositives: z.int().nonnegative(),
  trueNegatives: z.int().nonnegative(),
  falseNegatives: z.int().nonnegative(),
  precision: z.number().min(0).max(1),
  recall: z.number().min(0).max(1),
  f1: z.number().min(0).max(1),
  falsePositiveRate: z.number().min(0).max(1),
});

const modelFileSchema = z
  .object({
    format: z.literal(MODEL_FILE_FORMAT),
    version: z.literal(MODEL_FILE_VERSION),
    featureVersion: z.literal(FEATURE_VERSION),
    bucketBits: z.int().min(8).max(24),
    bias: z.number(),
    calibration: z.object({ slope: z.number().positive(), intercept: z.number() }),
    threshold: z.number().gt(0).lt(1),
    confidentThreshold: z.number().gt(0).lt(1),
    training: z.object({
      trainedOn: z.iso.date(),
      corpusSha256: z.string().regex(/^[0-9a-f]{64}$/),
      phishingCount: z.int().nonnegative(),
      hamCount: z.int().nonnegative(),
      options: z.object({
        bucketBits: z.int(),
        epochs: z.int(),
        learningRate: z.number(),
        l2: z.number(),
        seed: z.int(),
        folds: z.int(),
        maxFalsePositiveRate: z.number(),
        maxConfidentFalsePositiveRate: z.number(),
        weightResolution: z.number().positive(),
        fitIntercept: z.boolean(),
        folding: z.enum(['sender', 'message']),
      }),
      crossValidation: figuresSchema,
      trainSet: figuresSchema,
    }),
    weights: z.object({
      resolution: z.number().positive(),
      indices: z.array(z.int().nonnegative()),
      units: z.array(z.int()),
    }),
  })
  .superRefine(
    ({ bucketBits, threshold, confidentThreshold, weights: { indices, units } }, context) => {
      if (confidentThreshold < threshold) {
        context.addIssue({
          code: 'custom',
          path: ['confidentThreshold'],
          message: `must be at least threshold (${threshold})`,
        });
      }
      if (indices.length !== units.length) {
        context.addIssue({
          code: 'custom',
          path: ['weights'],
          message: 'indices and units differ in length',
        });
      }
      const isAscendingInRange = indices.every(
        (index, i) => index < 2 ** bucketBits && (i === 0 || index > (indices[i - 1] ?? -1)),
      );
      if (!isAscendingInRange) {
        context.addIssue({
          code: 'custom',
          path: ['weights', 'indices'],
          message: `indices must ascend, without repeats, below 2^bucketBits (${2 ** bucketBits})`,
        });
      }
    },
  );

type ModelFile = z.infer<typeof modelFileSchema>;

export type ModelFileReading =
  { ok: true; model: PhishingModel } | { ok: false; problems: string[] };

/** Validates parsed JSON; each problem names its field path, for an operator to fix the file. */
export function readModelFile(json: unknown): ModelFileReading {
  const parsed = modelFileSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
      ),
    };
  }
  return { ok: true, model: fromModelFile(parsed.data) };
}

/**
 * Pretty-prints everything but the weights, which go on one line: readable in a diff, and
 * about a third of the size of one number per line.
 */
export function serializeModel(model: PhishingModel): string {
  const { weights, ...header } = toModelFile(model);
  const headerJson = JSON.stringify(header, null, 2);
  return `${headerJson.slice(0, -2)},\n  "weights": ${JSON.stringify(weights)}\n}\n`;
}

function toModelFile(model: PhishingModel): ModelFile {
  const resolution = model.training.options.weightResolution;
  const indices = [...model.weights.keys()].filter((index) => model.weights[index] !== 0);
  return {
    format: MODEL_FILE_FORMAT,
    version: MODEL_FILE_VERSION,
    featureVersion: FEATURE_VERSION,
    bucketBits: model.bucketBits,
    bias: model.bias,
    calibration: model.calibration,
    threshold: model.threshold,
    confidentThreshold: model.confidentThreshold,
    training: model.training,
    weights: {
      resolution,
      indices,
      units: indices.map((index) => Math.round((model.weights[index] ?? 0) / resolution)),
    },
  };
}

function fromModelFile(file: ModelFile): PhishingModel {
  const weights = new Float64Array(2 ** file.bucketBits);
  const { resolution, indices, units } = file.weights;
  indices.forEach((index, k) => (weights[index] = (units[k] ?? 0) * resolution));
  return {
    bucketBits: file.bucketBits,
    weights,
    bias: file.bias,
    calibration: file.calibration,
    threshold: file.threshold,
    confidentThreshold: file.confidentThreshold,
    training: file.training,
  };
}
