/**
 * Evaluates the committed phishing model on the corpus's `test` split, which training never
 * reads.  Usage: node dist/scripts/eval.js [corpusDir]
 */
import { fileURLToPath } from 'node:url';
import { analyzeEmail, DEFAULT_ENGINE_OPTIONS, FULL_SCAN_ANALYZERS } from '../src/engine/index.ts';
import { classificationFigures, type ClassificationFigures } from '../src/engine/ml/metrics.ts';
import { predict, type PhishingModel } from '../src/engine/ml/model.ts';
import { loadModel } from '../src/worker/adapters/model.ts';
import { DEFAULT_CORPUS_DIR, parseMessage, readSplit, type CorpusMessage } from './corpus.ts';

export interface SourceFigures {
  source: string;
  isPhishing: boolean;
  messageCount: number;
  /** Messages of this source the classifier called phishing. */
  flaggedCount: number;
}

export interface ClassifierEvaluation {
  figures: ClassificationFigures;
  bySource: SourceFigures[];
}

export interface EvaluationReport {
  corpusDir: string;
  messageCount: number;
  model: ClassifierEvaluation;
  /** The full engine's verdict, `phishing` or `malicious` counting as positive. */
  engine: ClassifierEvaluation;
}

type Classifier = (message: CorpusMessage) => Promise<boolean>;

/** The model alone and the full engine on the test split: what the benchmark reuses. */
export async function evaluateCorpus(
  corpusDir: string,
  model: PhishingModel,
): Promise<EvaluationReport> {
  const messages = readSplit(corpusDir, 'test');
  return {
    corpusDir,
    messageCount: messages.length,
    model: await evaluateClassifier(messages, modelClassifier(model)),
    engine: await evaluateClassifier(messages, engineClassifier(model)),
  };
}

export function modelClassifier(model: PhishingModel): Classifier {
  return async ({ raw }) => predict(model, await parseMessage(raw)).isPhishing;
}

export function engineClassifier(model: PhishingModel): Classifier {
  return async ({ raw }) => {
    const options = { ...DEFAULT_ENGINE_OPTIONS, analyzers: FULL_SCAN_ANALYZERS };
    const { verdict } = await analyzeEmail({ raw }, options, { model });
    return verdict === 'phishing' || verdict === 'malicious';
  };
}

export async function evaluateClassifier(
  messages: readonly CorpusMessage[],
  classify: Classifier,
): Promise<ClassifierEvaluation> {
  const outcomes: { message: CorpusMessage; predictedPhishing: boolean }[] = [];
  for (const message of messages)
    outcomes.push({ message, predictedPhishing: await classify(message) });
  return {
    figures: classificationFigures(
      outcomes.map(({ message, predictedPhishing }) => ({
        isPhishing: message.isPhishing,
        predictedPhishing,
      })),
    ),
    bySource: [...new Set(messages.map(({ source }) => source))].sort().map((source) => {
      const ofSource = outcomes.filter(({ message }) => message.source === source);
      return {
        source,
        isPhishing: ofSource[0]?.message.isPhishing ?? false,
        messageCount: ofSource.length,
        flaggedCount: ofSource.filter(({ predictedPhishing }) => predictedPhishing).length,
      };
    }),
  };
}

export function formatFigures(title: string, { figures, bySource }: ClassifierEvaluation): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  return [
    title,
    `  precision ${percent(figures.precision)}  recall ${percent(figures.recall)}  F1 ${figures.f1.toFixed(3)}  FPR ${percent(figures.falsePositiveRate)}`,
    '  confusion          predicted phishing  predicted ham',
    `    actual phishing  ${pad(figures.truePositives)}  ${pad(figures.falseNegatives)}`,
    `    actual ham       ${pad(figures.falsePositives)}  ${pad(figures.trueNegatives)}`,
    '  by source          messages  called phishing',
    ...bySource.map(
      ({ source, messageCount, flaggedCount }) =>
        `    ${source.padEnd(17)}  ${String(messageCount).padStart(8)}  ${String(flaggedCount).padStart(15)}`,
    ),
  ].join('\n');
}

function pad(count: number): string {
  return String(count).padStart(18);
}

async function main(): Promise<void> {
  const corpusDir = process.argv[2] ?? DEFAULT_CORPUS_DIR;
  const report = await evaluateCorpus(corpusDir, loadModel());
  console.log(`test split of ${report.corpusDir}: ${report.messageCount} messages\n`);
  console.log(formatFigures('model alone', report.model));
  console.log(formatFigures('\nfull engine (verdict phishing or malicious)', report.engine));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
