/**
 * Trains the phishing model on the corpus's `train` split and writes
 * `models/phishing-model.json` and `models/TRAINING.md`.
 * Usage: node dist/scripts/train.js [corpusDir]
 *
 * The training day comes from SOURCE_DATE_EPOCH when set (the reproducible-builds convention),
 * so the same corpus and day give the same file byte for byte.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ClassificationFigures } from '../src/engine/ml/metrics.ts';
import { THRESHOLD_SHARE, UNCORROBORATED_SHARE } from '../src/engine/analyzers/ml.ts';
import { FEATURE_VERSION } from '../src/engine/ml/features.ts';
import { DEFAULT_ENGINE_OPTIONS } from '../src/engine/index.ts';
import { serializeModel } from '../src/engine/ml/model-file.ts';
import { predict, type PhishingModel } from '../src/engine/ml/model.ts';
import {
  crossValidate,
  DEFAULT_TRAINING_OPTIONS,
  trainModelWithCrossValidation,
  figuresAt,
} from '../src/engine/ml/train.ts';
import { DEFAULT_MODEL_PATH, PACKAGE_ROOT } from '../src/worker/adapters/model.ts';
import { corpusSha256, DEFAULT_CORPUS_DIR, parseMessage, readSplit } from './corpus.ts';
import { evaluateCorpus, formatFigures, type EvaluationReport } from './eval.ts';
import { corroborationOf, engineFigures, ruleFindingsOf } from './tune-verdict.ts';

async function main(): Promise<void> {
  const corpusDir = process.argv[2] ?? DEFAULT_CORPUS_DIR;
  const messages = readSplit(corpusDir, 'train');
  const examples = await Promise.all(
    messages.map(async ({ raw, isPhishing }) => ({ email: await parseMessage(raw), isPhishing })),
  );
  const { model, crossValidation } = trainModelWithCrossValidation(examples, {
    trainedOn: trainingDay(process.env.SOURCE_DATE_EPOCH),
    corpusSha256: corpusSha256(messages),
  });
  writeFileSync(DEFAULT_MODEL_PATH, serializeModel(model));
  const emails = examples.map(({ email }) => email);
  const labels = examples.map(({ isPhishing }) => isPhishing);
  const corroborated = corroborationOf(emails);
  const rules = await ruleFindingsOf(emails);
  // Folds dealt message by message, as version 2 reported them: for comparison only.
  const byMessage = crossValidate(examples, { ...DEFAULT_TRAINING_OPTIONS, folding: 'message' });
  const outOfFold: OutOfFoldFigures = {
    bySender: {
      model: model.training.crossValidation,
      engine: engineFigures(rules, labels, crossValidation.outOfFold, model, corroborated),
    },
    byMessage: {
      model: figuresAt(byMessage.outOfFold, labels, byMessage.threshold),
      engine: engineFigures(rules, labels, byMessage.outOfFold, byMessage, corroborated),
    },
  };
  const passwordReset = await parseMessage(
    readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'emails', 'benign-password-reset.eml')),
  );
  const notes: NoteFigures = {
    passwordResetPercent: (predict(model, passwordReset).probability * 100).toFixed(1),
    uncorroboratedPhishCount: examples.filter(({ isPhishing }, i) => isPhishing && !corroborated[i])
      .length,
  };
  // The model is final before the test split is read: the test figures are reported, never tuned on.
  const test = await evaluateCorpus(corpusDir, model);
  writeFileSync(
    join(dirname(DEFAULT_MODEL_PATH), 'TRAINING.md'),
    trainingNotes(model, outOfFold, test, notes),
  );
  console.log(`wrote ${DEFAULT_MODEL_PATH}\n`);
  console.log(formatFigures('test split, model alone', test.model));
  console.log(formatFigures('\ntest split, full engine', test.engine));
}

interface ModelAndEngine {
  model: ClassificationFigures;
  engine: ClassificationFigures;
}

/** Out-of-fold figures on train: with folds by sender (what chose the thresholds) and by message. */
interface OutOfFoldFigures {
  bySender: ModelAndEngine;
  byMessage: ModelAndEngine;
}

function trainingDay(sourceDateEpochSeconds: string | undefined): string {
  const ms =
    sourceDateEpochSeconds === undefined ? Date.now() : Number(sourceDateEpochSeconds) * 1000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Figures the notes quote that come from outside the model file. */
interface NoteFigures {
  passwordResetPercent: string;
  uncorroboratedPhishCount: number;
}

function trainingNotes(
  model: PhishingModel,
  outOfFold: OutOfFoldFigures,
  test: EvaluationReport,
  { passwordResetPercent, uncorroboratedPhishCount }: NoteFigures,
): string {
  const { training } = model;
  const { options } = training;
  const testHamCount = test.model.figures.falsePositives + test.model.figures.trueNegatives;
  const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
  const f1Fpr = (f: ClassificationFigures) =>
    `${f.f1.toFixed(3)} / ${pct(f.falsePositiveRate)} (${f.falsePositives} FP, ${f.falseNegatives} FN)`;
  const uncorroboratedScore = UNCORROBORATED_SHARE * DEFAULT_ENGINE_OPTIONS.thresholds.suspicious;
  const { suspicious, phishing } = DEFAULT_ENGINE_OPTIONS.thresholds;
  // The score just below the threshold (at it, with this model, the message is already phishing).
  const thresholdScore = Math.round(suspicious + THRESHOLD_SHARE * (phishing - suspicious));
  const share = THRESHOLD_SHARE === 2 / 3 ? 'two thirds' : THRESHOLD_SHARE.toFixed(2);
  return `# The phishing model

Generated by \`node dist/scripts/train.js\` on ${training.trainedOn}; do not edit by hand.

## Data

- Corpus: \`shared/corpus\` (see its README), split \`train\` only: ${training.phishingCount} phishing, ${training.hamCount} ham.
  sha256 of the training messages: \`${training.corpusSha256}\`.
- Test figures below are on split \`test\` (${test.messageCount} messages), read only after the model was written.

## Method

- Features (\`src/engine/ml/features.ts\`, version ${FEATURE_VERSION}): lower-cased words of the subject and
  body, bigrams of neighbouring content words, **four-letter pieces of those words** (new in
  version 3; "verify" gives " ver", "veri", "erif", "rify", "ify "), the public suffix of each
  link's host or "IP address", log-scaled and L2-normalised; plus flags weighing 0.1 each:
  Reply-To domain differs from From, display name holding an address, no From, an HTML form, and
  the finding ids of the content and link analyzers (credential or payment request, threat,
  urgency, reward lure, disguised words, brand impersonation, IP host, lookalike domain, anchor
  mismatch, shortener...), judged with the built-in brand list whatever a deployment configures.
- Version 3 reads what the quick analyzers read instead of reading the message again: the
  HTML document (parsed once per email), its visible text (hidden text is left out: stuffing it
  with ordinary words is how filters are fooled), the URLs a reader is sent to (inspected once)
  and the content and link findings a scan has already made. Words disguised with invisible
  characters or look-alike letters are read as the reader sees them (\`text/obfuscation.ts\`).
- Version 4 adds rule traits for scams that ask for no password and carry no link, which the
  model's words alone could not carry past the corroboration cap: advance-fee, romance, crypto
  and callback phrases and crypto addresses (content findings), a Reply-To at another free
  mailbox when From is free mail, a jumbled mixed-case sender mailbox and a From address no one
  could answer (header flags), a display name claiming a brand (corroboration only, not a
  feature: as a feature it cost a false positive in the folds by message), and 33 more
  protected brands. A link to an unsubscribe page on
  the sender's own domain now keeps its other links from corroborating (a list owner's partner
  links). All were chosen on the train split's out-of-fold mistakes
  (\`scripts/train-mistakes.ts\`), and none fires on a train ham message.
- Left out since version 2, because they say when and by what software a message was written
  rather than what it wants: the charset, the mailer, the body kind, link and attachment counts,
  attachment types, quoting, From = To, link domains and paths, function words in six languages,
  numbers, list subject tags, collector traces (\`taint.org\`, \`zzzz\`, \`domain.com\`,
  \`example.org\`), Date, Message-ID, DKIM and trace headers.
- Hashing: FNV-1a into 2^${options.bucketBits} buckets.
- Logistic regression without an intercept, SGD with L2 = ${options.l2}, learning rate ${options.learningRate} decaying
  as 1 / (1 + rate · L2 · step), ${options.epochs} epochs, shuffled by mulberry32 seed ${options.seed}.
  Weights rounded to multiples of ${options.weightResolution}.
- **${options.folds}-fold cross-validation with folds by sender** (new in version 3): every message of
  one sender (its From address's registrable domain, or the whole address at a free-mail or
  placeholder domain) falls in one fold, each fold holding its share of either class. Dealt
  message by message, a newsletter's other issues and a campaign's other copies sat in the
  training folds, and the out-of-fold figures measured recognising senders already seen: the
  version 2 features scored F1 0.957 with folds by message but 0.880 with folds by sender. A
  deployment meets senders it has never seen, so the thresholds are chosen on these figures.
- Platt scaling on the out-of-fold logits gives the calibration (slope ${model.calibration.slope}, intercept ${model.calibration.intercept}),
  and the threshold (${model.threshold}) is the one with the best out-of-fold F1 among those with an
  out-of-fold false-positive rate of at most ${options.maxFalsePositiveRate * 100}%.
- The confident threshold (${model.confidentThreshold}) is the lowest at which the out-of-fold
  false-positive rate is at most ${options.maxConfidentFalsePositiveRate * 100}%${model.confidentThreshold === model.threshold ? ', which makes it the threshold itself' : ''}.
- The feature set, L2, the epochs and the flag weight were compared on train only
  (\`scripts/feature-experiment.ts\`, which also scores the hand-written fixtures in
  \`test/fixtures/emails\`; development used the same out-of-fold figures): word pieces of three,
  four or five letters, with or without bigrams, subject pieces apart or together, flag weights
  0.05–0.4, L2 10^-4–3·10^-6, 15–80 epochs. Only the word pieces and the two new rule findings
  moved the figures beyond noise. In version 4, 2^18 buckets and 80 epochs (instead of 2^16 and
  40) were chosen over six fold deals (seeds): the engine's out-of-fold verdict missed 217
  phish with 17 false positives in all, against 230 and 19; 2^20 buckets, 120 epochs or another
  learning rate did no better. Fewer colliding features and a fit run closer to convergence, not
  a new feature.

## How the probability enters the verdict

\`src/engine/analyzers/ml.ts\` maps the probability onto the engine's 0–100 scale: below the
threshold it rises to ${thresholdScore} (${share} of the way from suspicious to phishing), so a
model leaning towards phishing makes a message phishing with one medium finding beside it; from
the confident threshold the model alone says phishing, up to 84 (malicious needs evidence of
harm beyond the words). Between the two thresholds the score would rise from ${thresholdScore} to 60; with
this model they coincide.

**The words alone cannot move the verdict** (since version 2). Unless the message also has a
corroborating trait — a content or link finding (other than hidden text or too many URLs), a
Reply-To, display-name or sender-address flag, a form, or a link leading away from the From
address's registrable domain (unless the message links to an unsubscribe page on that domain) —
the model's score is capped at ${uncorroboratedScore} (an info finding), whatever the
probability; the evidence still shows it. The corpus has no modern transactional ham, so the
words of a bank newsletter or a password reset ("account", "email", "bank", "please") remain
phishing words to any model trained on it (the Google password reset fixture is rated
${passwordResetPercent}% phishing). What tells that reset from a phish is that it asks for nothing through a link to
someone else, which the rule findings and the link–sender relation see and the words do not.
${uncorroboratedPhishCount} of ${training.phishingCount} training phish have no corroborating trait; the cap costs them.

The knobs (where the threshold lands; the confident rate) were chosen by
\`scripts/tune-verdict.ts\` from a grid, on the sender-fold out-of-fold probabilities of the
train split combined with the rule analyzers' findings and the cap: the best F1 with an
out-of-fold FPR of at most 0.5%, except that the grid's best (five sixths) sat next to a cliff
(at 0.9 the false positives tripled), so the next one down was taken. The test split was read
once, by \`train.ts\`, after the model and the knobs were fixed.

## Figures

Full engine (\`full_email_scan\` analyzers: parser, headers, links, content, ml, intel;
no feeds, no DNS), verdict phishing or malicious counted as positive:

| set | precision | recall | F1 | FPR | TP | FP | TN | FN |
|---|---|---|---|---|---|---|---|---|
${figuresRow('train, out of fold, folds by sender', outOfFold.bySender.engine)}
${figuresRow('train, out of fold, folds by message', outOfFold.byMessage.engine)}
${figuresRow('test', test.engine.figures)}

${goalNote(test)}

Model alone, at threshold ${model.threshold} (by message: at that CV's own threshold):

| set | precision | recall | F1 | FPR | TP | FP | TN | FN |
|---|---|---|---|---|---|---|---|---|
${figuresRow('train, out of fold, folds by sender', outOfFold.bySender.model)}
${figuresRow('train, out of fold, folds by message', outOfFold.byMessage.model)}
${figuresRow('train, resubstitution', training.trainSet)}
${figuresRow('test', test.model.figures)}

Test split by source (messages called phishing):

| source | label | messages | model alone | full engine |
|---|---|---|---|---|
${test.model.bySource.map((s, i) => `| \`${s.source}\` | ${s.isPhishing ? 'phishing' : 'ham'} | ${s.messageCount} | ${s.flaggedCount} | ${test.engine.bySource[i]?.flaggedCount ?? '?'} |`).join('\n')}

The full engine's mistakes on the test split:

${mistakeList(test)}

## Before and after (version 3 → version 4)

| | version 3 | version 4 |
|---|---|---|
| full engine, test: F1 / FPR | 0.947 / 1.4% (2 FP, 13 FN) | ${f1Fpr(test.engine.figures)} |
| model alone, test: F1 / FPR | 0.965 / 1.4% (2 FP, 8 FN) | ${f1Fpr(test.model.figures)} |
| full engine, train out of fold by sender: F1 / FPR | 0.936 / 0.3% (2 FP, 65 FN) | ${f1Fpr(outOfFold.bySender.engine)} |
| full engine, train out of fold by message: F1 / FPR | 0.949 / 0.5% (3 FP, 51 FN) | ${f1Fpr(outOfFold.byMessage.engine)} |
| model alone, train out of fold by message: F1 / FPR | 0.972 / 0.8% (5 FP, 25 FN) | ${f1Fpr(outOfFold.byMessage.model)} |
| model alone, train out of fold by sender: F1 / FPR | 0.953 / 1.0% (6 FP, 44 FN) | ${f1Fpr(outOfFold.bySender.model)} |
| benign fixtures called phishing with the model | 0 | 0 |

(Version 2 → 3: full engine on test 0.918 / 3.5% → 0.947 / 1.4%; see the history of this file.)

## What these figures do and do not show

- The ham is mostly mailing-list traffic (2002–2003 SpamAssassin lists, the USRP list) and 2002
  newsletters; there is no modern transactional mail (banks, shipping, SaaS notices). Legitimate
  mail that looks most like phishing is absent, so real-world false positives will be higher
  than shown.
- The test split is drawn from the same sources as train, by a hash of the path, not by sender:
  most of its messages come from senders train has (a newsletter's other issues, a campaign's
  other copies), so it measures recognising these senders as much as judging new ones. The
  sender-fold figures are the better guide to new senders.
- Phishing and ham come from different eras and collectors. What is left still carries some era:
  content words (a 2002 list's "uhd", "kernel", "wrote" against "account", "wallet", "invoice")
  and their pieces, the public suffix of links, and the languages (the ham is all English; a
  German or Portuguese message has only phishing to be compared with). The cap keeps these from
  deciding a verdict alone, not from shading one.
- The corroborating traits are judged by rules written for phishing; mail that legitimately
  links through a third-party click tracker (an ESP domain unlike the From domain) counts as
  linking elsewhere, so a modern newsletter sent that way gets no protection from the cap and
  rests on its words. The corpus has no such mail to measure how often that goes wrong.
- phishing_pot holds spam and scams (miracle products, dating, pharmacy, advance-fee letters) as
  well as credential phishing; many are rated phishing by the model but have no link away from
  their own sender's domain and no rule finding, so the cap keeps them out of the verdict. That
  is most of the engine's lost recall, and the price of keeping modern benign mail clean.
- With ${testHamCount} ham test messages one false positive moves the test rate by ${(100 / testHamCount).toFixed(1)} points.
- 15 phishing_pot messages greet the honeypot owner by first name; that name can still be a feature.
- Authentication (SPF, DKIM, DMARC alignment) is what really tells a bank's own newsletter from a
  forgery of it, and the corpus removed the Authentication-Results fields, so the model cannot
  learn it; the header analyzer judges it separately.
- The hand-written fixtures are a handful of messages written to test the rules; that they pass
  says the worst era effects are gone, not what the false-positive rate is on live modern mail.
  That needs modern transactional ham (banks, shipping, SaaS notices) to train and test on.
`;
}

/** The engine's false positives and missed phish on the test split, one line each. */
function mistakeList({ engine: { mistakes } }: EvaluationReport): string {
  const line = ({ path, subject, said }: (typeof mistakes)[number]) => {
    const shown = subject.replace(/\s+/g, ' ').replace(/[|`]/g, ' ').slice(0, 80);
    const why = said.replace(/[|`]/g, ' ').slice(0, 140);
    return `- \`${path}\` "${shown}": ${why}`;
  };
  const falsePositives = mistakes.filter(({ isPhishing }) => !isPhishing);
  const missed = mistakes.filter(({ isPhishing }) => isPhishing);
  return [
    `False positives (${falsePositives.length}):`,
    '',
    ...(falsePositives.length > 0 ? falsePositives.map(line) : ['- none']),
    '',
    `Missed phishing (${missed.length}):`,
    '',
    ...(missed.length > 0 ? missed.map(line) : ['- none']),
  ].join('\n');
}

/** Says plainly whether the test split met the engine's goal: F1 ≥ 0.97, FPR ≤ 1%. */
function goalNote({ engine: { figures } }: EvaluationReport): string {
  const hamCount = figures.falsePositives + figures.trueNegatives;
  const isMet = figures.f1 >= 0.97 && figures.falsePositiveRate <= 0.01;
  return isMet
    ? 'The engine meets its goal on the test split (F1 ≥ 0.97, FPR ≤ 1%).'
    : `The engine misses its goal on the test split (F1 ≥ 0.97, FPR ≤ 1%): ${figures.falsePositives} false positives of ${hamCount} ham. The knobs were not re-tuned after seeing this, since that would tune on the test split.`;
}

function figuresRow(label: string, figures: ClassificationFigures): string {
  const cells = [figures.precision, figures.recall, figures.f1, figures.falsePositiveRate].map(
    (v) => v.toFixed(3),
  );
  const counts = [
    figures.truePositives,
    figures.falsePositives,
    figures.trueNegatives,
    figures.falseNegatives,
  ];
  return `| ${label} | ${[...cells, ...counts].join(' | ')} |`;
}

await main();
