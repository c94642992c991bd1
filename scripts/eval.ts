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

/** A message the classifier got wrong, and what it said about it. */
export interface Mistake {
  path: string;
  source: string;
  /** The label: a missed phish (true) or a false alarm on ham (false). */
  isPhishing: boolean;
  subject: string;
  said: string;
}

export interface ClassifierEvaluation {
  figures: ClassificationFigures;
  bySource: SourceFigures[];
  mistakes: Mistake[];
}

export interface EvaluationReport {
  corpusDir: string;
  messageCount: number;
  model: ClassifierEvaluation;
  /** The full engine's verdict, `phishing` or `malicious` counting as positive. */
  engine: ClassifierEvaluation;
}

interface Judgement {
  predictedPhishing: boolean;
  subject: string;
  /** Why, in a line: the probability, or the verdict and its summary. */
  said: string;
}

type Classifier = (message: CorpusMessage) => Promise<Judgement>;

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
  return async ({ raw }) => {
    const email = await parseMessage(raw);
    const { isPhishing, probability, corroborated } = predict(model, email);
    const said = `probability ${probability.toFixed(3)}${corroborated ? '' : ', uncorroborated'}`;
    return { predictedPhishing: isPhishing, subject: email.subject, said };
  };
}

export function engineClassifier(model: PhishingModel): Classifier {
  return async ({ raw }) => {
    const options = { ...DEFAULT_ENGINE_OPTIONS, analyzers: FULL_SCAN_ANALYZERS };
    const { verdict, score, findings, email } = await analyzeEmail({ raw }, options, { model });
    const probability = /^probability ([\d.]+)/.exec(
      findings.find(({ id }) => id === 'ml.phishing_probability')?.evidence ?? '',
    )?.[1];
    const others = findings.filter(({ analyzer }) => analyzer !== 'ml').map(({ id }) => id);
    return {
      predictedPhishing: verdict === 'phishing' || verdict === 'malicious',
      subject: email.subject,
      said: `${verdict} (score ${score}), model ${probability ?? '?'}; ${others.length > 0 ? others.join(', ') : 'no rule finding'}`,
    };
  };
}

export async function evaluateClassifier(
  messages: readonly CorpusMessage[],
  classify: Classifier,
): Promise<ClassifierEvaluation> {
  const outcomes: ({ message: CorpusMessage } & Judgement)[] = [];
  for (const message of messages) outcomes.push({ message, ...(await classify(message)) });
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
    mistakes: outcomes
      .filter(({ message, predictedPhishing }) => message.isPhishing !== predictedPhishing)
      .map(({ message: { path, source, isPhishing }, subject, said }) => ({
        path,
        source,
        isPhishing,
        subject,
        said,
      })),
  };
}

export function formatFigures(
  title: string,
  { figures, bySource, mistakes }: ClassifierEvaluation,
): string {
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
    ...formatMistakes(
      'false positives (ham called phishing)',
      mistakes.filter((m) => !m.isPhishing),
    ),
    ...formatMistakes(
      'missed phishing',
      mistakes.filter((m) => m.isPhishing),
    ),
  ].join('\n');
}

function formatMistakes(title: string, mistakes: readonly Mistake[]): string[] {
  if (mistakes.length === 0) return [`  ${title}: none`];
  const clip = (text: string, chars: number) =>
    text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
  return [
    `  ${title}: ${mistakes.length}`,
    ...mistakes.map(
      ({ path, subject, said }) =>
        `    ${path}\n      "${clip(subject.replace(/\s+/g, ' '), 70)}": ${clip(said, 160)}`,
    ),
  ];
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
