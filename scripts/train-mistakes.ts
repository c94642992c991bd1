/**
 * Lists the full engine's out-of-fold mistakes on the `train` split, with the findings behind
 * each verdict: where to look for a missing or misfiring rule. The model's probabilities come
 * from the sender-fold cross-validation `train.ts` runs (models that never saw the message); the
 * test split is never read.
 * Usage: node dist/scripts/train-mistakes.js [corpusDir]
 */
import { classificationFigures } from '../src/engine/ml/metrics.ts';
import { chooseConfidentThreshold, DEFAULT_TRAINING_OPTIONS } from '../src/engine/ml/train.ts';
import { DEFAULT_CORPUS_DIR } from './corpus.ts';
import { engineJudgements, readTrainOutOfFold } from './tune-verdict.ts';

async function main(): Promise<void> {
  const { messages, emails, labels, cv, rules, corroborated } = await readTrainOutOfFold(
    process.argv[2] ?? DEFAULT_CORPUS_DIR,
  );
  const confidentThreshold = chooseConfidentThreshold(
    cv.outOfFold,
    labels,
    cv.threshold,
    DEFAULT_TRAINING_OPTIONS.maxConfidentFalsePositiveRate,
  );
  const judgements = engineJudgements(
    rules,
    labels,
    cv.outOfFold,
    { threshold: cv.threshold, confidentThreshold },
    corroborated,
  );
  const figures = classificationFigures(judgements);
  console.log(
    `train split, out of fold by sender: F1 ${figures.f1.toFixed(4)}, FPR ${(figures.falsePositiveRate * 100).toFixed(2)}%, ${figures.falsePositives} FP, ${figures.falseNegatives} FN`,
  );
  for (const wantPhishing of [false, true]) {
    console.log(wantPhishing ? '\nmissed phishing:' : '\nfalse positives:');
    judgements.forEach((judgement, i) => {
      if (judgement.isPhishing !== wantPhishing || judgement.predictedPhishing === wantPhishing) {
        return;
      }
      const findings = judgement.findings
        .map(({ id, score, evidence }) => `${id} ${score} ${evidence.slice(0, 60)}`)
        .join(' | ');
      const subject = (emails[i]?.subject ?? '').replace(/\s+/g, ' ').slice(0, 70);
      console.log(
        `${messages[i]?.path ?? '?'} ${judgement.verdict} ${judgement.score} "${subject}"`,
      );
      console.log(`    ${findings}`);
    });
  }
}

await main();
