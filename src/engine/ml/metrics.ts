/** Binary classification figures, phishing being the positive class. */

export interface ClassificationFigures {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
  falsePositiveRate: number;
}

export interface Outcome {
  isPhishing: boolean;
  predictedPhishing: boolean;
}

export function classificationFigures(outcomes: readonly Outcome[]): ClassificationFigures {
  let truePositives = 0;
  let falsePositives = 0;
  let trueNegatives = 0;
  let falseNegatives = 0;
  for (const { isPhishing, predictedPhishing } of outcomes) {
    if (isPhishing && predictedPhishing) truePositives++;
    else if (isPhishing) falseNegatives++;
    else if (predictedPhishing) falsePositives++;
    else trueNegatives++;
  }
  const precision = ratio(truePositives, truePositives + falsePositives);
  const recall = ratio(truePositives, truePositives + falseNegatives);
  return {
    truePositives,
    falsePositives,
    trueNegatives,
    falseNegatives,
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
    falsePositiveRate: ratio(falsePositives, falsePositives + trueNegatives),
  };
}

/** 0 when the denominator is 0: no predictions means no precision to claim. */
function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}
