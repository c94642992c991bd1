/**
 * Tunes how the model's probability enters the verdict, on the `train` split only: the model's
 * out-of-fold probabilities (from models that never saw the message) are combined with the rule
 * analyzers' findings exactly as the engine combines them, for a grid of the two knobs in
 * `src/engine/analyzers/ml.ts`. The test split is never read.
 * Usage: node dist/scripts/tune-verdict.js [corpusDir]
 */
import { fileURLToPath } from 'node:url';
import type { Finding, Verdict } from '../src/contracts/analysis-result.ts';
import {
  mlSeverity,
  THRESHOLD_SHARE,
  UNCORROBORATED_SHARE,
  verdictScore,
} from '../src/engine/analyzers/ml.ts';
import type { ModelThresholds } from '../src/engine/analyzers/ml.ts';
import {
  analyzeEmail,
  decideVerdict,
  DEFAULT_ENGINE_OPTIONS,
  type ParsedEmail,
} from '../src/engine/index.ts';
import { isCorroborated } from '../src/engine/ml/features.ts';
import { classificationFigures, type ClassificationFigures } from '../src/engine/ml/metrics.ts';
import {
  chooseConfidentThreshold,
  crossValidate,
  DEFAULT_TRAINING_OPTIONS,
} from '../src/engine/ml/train.ts';
import { DEFAULT_CORPUS_DIR, parseMessage, readSplit } from './corpus.ts';
import { FULL_SCAN_ANALYZERS } from '../src/engine/index.ts';

/** What the engine's verdict must not exceed out of fold: half the 1% goal, for a margin. */
const MAX_OUT_OF_FOLD_FPR = 0.005;
const SHARES = [0, 1 / 3, 0.5, 2 / 3, 5 / 6, 0.9, 1];
const CONFIDENT_FPRS = [0.01, 0.008, 0.006, 0.005, 0.004, 0.003];

/** Whether a rule-level trait backs each message's words (see `isCorroborated`). */
export function corroborationOf(emails: readonly ParsedEmail[]): boolean[] {
  return emails.map((email) => isCorroborated(email));
}

/** Each message's findings from every full-scan analyzer but the model. */
export async function ruleFindingsOf(emails: readonly ParsedEmail[]): Promise<Finding[][]> {
  const options = {
    ...DEFAULT_ENGINE_OPTIONS,
    analyzers: FULL_SCAN_ANALYZERS.filter((analyzer) => analyzer !== 'ml'),
  };
  const findings: Finding[][] = [];
  for (const email of emails) findings.push((await analyzeEmail(email, options)).findings);
  return findings;
}

/** The engine's verdict on one message, with the findings it combined. */
export interface EngineJudgement {
  isPhishing: boolean;
  predictedPhishing: boolean;
  verdict: Verdict;
  score: number;
  findings: Finding[];
}

/** The engine's verdict on each message when the model's finding comes from the given probabilities. */
export function engineJudgements(
  ruleFindings: readonly Finding[][],
  labels: readonly boolean[],
  probabilities: readonly number[],
  model: ModelThresholds,
  corroborated: readonly boolean[],
  thresholdShare = THRESHOLD_SHARE,
  uncorroboratedShare = UNCORROBORATED_SHARE,
): EngineJudgement[] {
  const { thresholds } = DEFAULT_ENGINE_OPTIONS;
  return ruleFindings.map((findings, i) => {
    const score = verdictScore(
      probabilities[i] ?? 0,
      model,
      thresholds,
      corroborated[i] === true,
      thresholdShare,
      uncorroboratedShare,
    );
    const ml: Finding = {
      id: 'ml.phishing_probability',
      analyzer: 'ml',
      severity: mlSeverity(score, thresholds),
      score,
      evidence: `probability ${(probabilities[i] ?? 0).toFixed(3)}`,
      explanation: '',
    };
    const all = [...findings, ml];
    const decision = decideVerdict(all, thresholds);
    return {
      isPhishing: labels[i] === true,
      predictedPhishing: decision.verdict === 'phishing' || decision.verdict === 'malicious',
      verdict: decision.verdict,
      score: decision.score,
      findings: all,
    };
  });
}

/** The engine's verdict figures when the model's finding comes from the given probabilities. */
export function engineFigures(...args: Parameters<typeof engineJudgements>): ClassificationFigures {
  return classificationFigures(engineJudgements(...args));
}

/**
 * The `train` split read for tuning: its messages parsed, the model's out-of-fold probabilities
 * (sender folds, as `train.ts` deals them), and the rule findings and corroboration of each.
 */
export async function readTrainOutOfFold(corpusDir: string) {
  const messages = readSplit(corpusDir, 'train');
  const emails = await Promise.all(messages.map(({ raw }) => parseMessage(raw)));
  const labels = messages.map(({ isPhishing }) => isPhishing);
  const cv = crossValidate(emails.map((email, i) => ({ email, isPhishing: labels[i] === true })));
  const rules = await ruleFindingsOf(emails);
  return { messages, emails, labels, cv, rules, corroborated: corroborationOf(emails) };
}

async function main(): Promise<void> {
  const { messages, labels, cv, rules, corroborated } = await readTrainOutOfFold(
    process.argv[2] ?? DEFAULT_CORPUS_DIR,
  );
  console.log(`train split, out of fold: ${messages.length} messages, threshold ${cv.threshold}`);
  console.log('confident FPR  confident at  share   F1     FPR    FP  FN');
  let best: { f1: number; label: string } | undefined;
  for (const confidentFpr of CONFIDENT_FPRS) {
    const confidentThreshold = chooseConfidentThreshold(
      cv.outOfFold,
      labels,
      cv.threshold,
      confidentFpr,
    );
    for (const share of SHARES) {
      const figures = engineFigures(
        rules,
        labels,
        cv.outOfFold,
        { threshold: cv.threshold, confidentThreshold },
        corroborated,
        share,
      );
      const label = `${(confidentFpr * 100).toFixed(1).padStart(12)}%  ${confidentThreshold.toFixed(4).padStart(12)}  ${share.toFixed(2)}  ${figures.f1.toFixed(4)}  ${(figures.falsePositiveRate * 100).toFixed(2)}%  ${String(figures.falsePositives).padStart(2)}  ${String(figures.falseNegatives).padStart(2)}`;
      console.log(label);
      const isBetter = best === undefined || figures.f1 > best.f1;
      if (figures.falsePositiveRate <= MAX_OUT_OF_FOLD_FPR && isBetter) {
        best = { f1: figures.f1, label };
      }
    }
  }
  console.log(
    `\nbest F1 with FPR ≤ ${MAX_OUT_OF_FOLD_FPR * 100}%:\n${best?.label ?? '(none)'}\n` +
      `in use: confident FPR ${DEFAULT_TRAINING_OPTIONS.maxConfidentFalsePositiveRate * 100}%, share ${THRESHOLD_SHARE}`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
