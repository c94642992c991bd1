/**
 * Compares feature sets on the `train` split only: out-of-fold figures at the chosen threshold
 * and the engine's out-of-fold verdict figures, then the hand-written fixtures scored by a model
 * fitted on all of train. The test split is never read.
 * Usage: node dist/scripts/feature-experiment.js [corpusDir]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeEmail, DEFAULT_ENGINE_OPTIONS } from '../src/engine/index.ts';
import { classificationFigures } from '../src/engine/ml/metrics.ts';
import { predict } from '../src/engine/ml/model.ts';
import { DEFAULT_TRAINING_OPTIONS, trainModelWithCrossValidation } from '../src/engine/ml/train.ts';
import { PACKAGE_ROOT } from '../src/worker/adapters/model.ts';
import { DEFAULT_CORPUS_DIR, parseMessage, readSplit } from './corpus.ts';
import { FULL_SCAN_ANALYZERS } from '../src/engine/index.ts';
import { corroborationOf, engineFigures, ruleFindingsOf } from './tune-verdict.ts';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures', 'emails');

async function main(): Promise<void> {
  const corpusDir = process.argv[2] ?? DEFAULT_CORPUS_DIR;
  const messages = readSplit(corpusDir, 'train');
  const emails = await Promise.all(messages.map(({ raw }) => parseMessage(raw)));
  const labels = messages.map(({ isPhishing }) => isPhishing);
  const options = {
    ...DEFAULT_TRAINING_OPTIONS,
    ...(process.env.L2 === undefined ? {} : { l2: Number(process.env.L2) }),
    ...(process.env.EPOCHS === undefined ? {} : { epochs: Number(process.env.EPOCHS) }),
  };
  const { model, crossValidation: cv } = trainModelWithCrossValidation(
    emails.map((email, i) => ({ email, isPhishing: labels[i] === true })),
    { trainedOn: '2026-01-01', corpusSha256: '0'.repeat(64) },
    options,
  );
  const oof = classificationFigures(
    cv.outOfFold.map((p, i) => ({
      isPhishing: labels[i] === true,
      predictedPhishing: p >= cv.threshold,
    })),
  );
  const engine = engineFigures(
    await ruleFindingsOf(emails),
    labels,
    cv.outOfFold,
    model,
    corroborationOf(emails),
  );
  const show = (f: typeof oof) =>
    `F1 ${f.f1.toFixed(4)} FPR ${(f.falsePositiveRate * 100).toFixed(2)}% FP ${f.falsePositives} FN ${f.falseNegatives}`;
  console.log(`threshold ${cv.threshold} confident ${cv.confidentThreshold}`);
  console.log(`model OOF:  ${show(oof)}`);
  console.log(`engine OOF: ${show(engine)}`);
  const bySource = new Map<string, [number, number]>();
  messages.forEach(({ source }, i) => {
    const [n, flagged] = bySource.get(source) ?? [0, 0];
    bySource.set(source, [n + 1, flagged + ((cv.outOfFold[i] ?? 0) >= cv.threshold ? 1 : 0)]);
  });
  console.log([...bySource].map(([s, [n, f]]) => `${s} ${f}/${n}`).join('  '));
  for (const name of readdirSync(FIXTURES)
    .filter((n) => n.endsWith('.eml'))
    .sort()) {
    const raw = readFileSync(join(FIXTURES, name));
    const prediction = predict(model, await parseMessage(raw), 6);
    const engineOptions = { ...DEFAULT_ENGINE_OPTIONS, analyzers: FULL_SCAN_ANALYZERS };
    const { verdict } = await analyzeEmail({ raw }, engineOptions, { model });
    const expected = readFileSync(join(FIXTURES, name.replace(/\.eml$/, '.expected.json')), 'utf8');
    const want = JSON.stringify((JSON.parse(expected) as { verdict: unknown }).verdict);
    const top = prediction.contributions.map(
      (c) => `${c.feature}${c.logit > 0 ? '+' : ''}${c.logit.toFixed(2)}`,
    );
    const ok = want.includes(`"${verdict}"`) ? '  ' : '!!';
    console.log(
      `${ok} ${name.padEnd(38)} p=${prediction.probability.toFixed(3)} ${verdict.padEnd(9)} want ${want}  ${top.join(' ')}`,
    );
  }
}

await main();
