import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeMl, verdictScore } from '../../src/engine/analyzers/ml.ts';
import type { Finding, Severity } from '../../src/contracts/analysis-result.ts';
import {
  analyzeEmail,
  analyzeLinks,
  decideVerdict,
  DEFAULT_ENGINE_OPTIONS,
  FULL_SCAN_ANALYZERS,
  parseEmail,
  type ParsedEmail,
} from '../../src/engine/index.ts';
import { extractFeatures, fnv1a32, hashFeatures } from '../../src/engine/ml/features.ts';
import { readModelFile, serializeModel } from '../../src/engine/ml/model-file.ts';
import { predict } from '../../src/engine/ml/model.ts';
import { mulberry32 } from '../../src/engine/ml/random.ts';
import {
  DEFAULT_TRAINING_OPTIONS,
  senderFolds,
  senderGroup,
  trainModel,
  type TrainingExample,
} from '../../src/engine/ml/train.ts';
import { isAppError } from '../../src/lib/errors.ts';
import { loadModel } from '../../src/worker/adapters/model.ts';

const CREDENTIAL_PHISH = `From: "PayPal Security" <service@paypa1-secure-verify.com>
To: recipient@example.org
Subject: Your account has been suspended - verify your identity
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><body>
<p>Dear Customer,</p>
<p>We noticed unusual activity on your account and have temporarily suspended it.
To restore access, please verify your identity and confirm your password within 24 hours,
or your account will be permanently closed.</p>
<p><a href="http://paypa1-secure-verify.com/login/verify.php?id=8812">Verify your account now</a></p>
<p>Thank you,<br>PayPal Security Team</p>
</body></html>
`;

const LIST_REPLY = `From: Marcus Leech <mleech@example.net>
To: usrp-users@lists.ettus.com
Subject: Re: [USRP-users] B210 overflows at 56 Msps on Ubuntu 22.04
Content-Type: text/plain; charset=us-ascii

On 03/14/2023 10:12 AM, Jan wrote:
> I get a stream of O's when running rx_samples_to_file at 56 Msps on a B210.
> Is this a known limitation?

The B210 is on USB3, and at 56 Msps with two channels you are at the limit of what the
host controller can sustain. Try a single channel, use sc16 instead of fc32 on the wire,
and make sure the CPU governor is set to performance. Also check that the device
enumerates as USB3 with uhd_find_devices, not USB2.

Marcus
`;

function parse(raw: string): Promise<ParsedEmail> {
  return parseEmail({ raw: new TextEncoder().encode(raw) }, DEFAULT_ENGINE_OPTIONS.limits);
}

function message(from: string, subject: string, body: string, type = 'text/plain'): string {
  return `From: ${from}\nTo: recipient@example.org\nSubject: ${subject}\nContent-Type: ${type}; charset=utf-8\n\n${body}\n`;
}

const PHISH_LINES = [
  ['Account suspended', 'Your account is suspended. Verify your password now at'],
  ['Urgent: confirm your identity', 'Confirm your identity and login details immediately at'],
  ['Security alert', 'Unusual sign-in detected. Verify your account password at'],
  ['Payment failed', 'Your payment failed. Update your billing details and password at'],
  ['Mailbox full', 'Your mailbox is full. Login to verify your account at'],
  ['Final notice', 'Your account will be closed. Confirm your password urgently at'],
] as const;

const HAM_LINES = [
  ['Re: build fails on arm64', 'The linker flags need -fPIC; I pushed a patch to the branch.'],
  ['Re: kernel module question', 'Rebuild the driver against the running kernel headers first.'],
  ['Re: FPGA image mismatch', 'Load the image that matches the firmware version you compiled.'],
  ['Re: gcc warning in parser', 'That warning is harmless; the cast is checked two lines above.'],
  ['Re: test suite timing out', 'Raise the timeout in the config file, the runner is slow on CI.'],
  ['Re: patch review', 'Looks good to me, but please split the refactor into its own commit.'],
] as const;

async function tinyCorpus(): Promise<TrainingExample[]> {
  const phish = PHISH_LINES.map(([subject, body], i) =>
    message(
      `"Security" <alert@secure-login${i}.xyz>`,
      subject,
      `<p>${body} <a href="http://secure-login${i}.xyz/verify/login">verify now</a></p>`,
      'text/html',
    ),
  );
  const ham = HAM_LINES.map(([subject, body]) =>
    message('Dev <dev@example.net>', subject, `> earlier question\n\n${body}`),
  );
  return [
    ...(await Promise.all(
      phish.map(async (raw) => ({ email: await parse(raw), isPhishing: true })),
    )),
    ...(await Promise.all(
      ham.map(async (raw) => ({ email: await parse(raw), isPhishing: false })),
    )),
  ];
}

const TINY_OPTIONS = { ...DEFAULT_TRAINING_OPTIONS, bucketBits: 12, folds: 3, epochs: 30 };
const PROVENANCE = { trainedOn: '2026-01-01', corpusSha256: '0'.repeat(64) };

describe('feature extraction', () => {
  it('hashes with 32-bit FNV-1a', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
  });

  it('gives the same features and vector for the same email', async () => {
    const first = extractFeatures(await parse(CREDENTIAL_PHISH));
    const second = extractFeatures(await parse(CREDENTIAL_PHISH));
    expect(second).toEqual(first);
    expect(hashFeatures(second, 16)).toEqual(hashFeatures(first, 16));
  });

  it('leaves out what dates a message rather than what it asks: mailer, charset, MIME, function words', async () => {
    const email = await parse(
      `From: Bank <news@bank.example>\nTo: recipient@example.org\nSubject: Your statement\nX-Mailer: Microsoft Outlook 16.0\nContent-Type: text/html; charset=utf-8\n\n<p style="color:#004a8f">Your statement is ready. You can view it on the website.</p>\n`,
    );
    const names = extractFeatures(email).map(({ name }) => name);
    expect(names).toContain('w:statement');
    expect(
      names.filter((name) => /^[hx]:(?:mailer|charset|body|urls|attachments)/.test(name)),
    ).toEqual([]);
    expect(names.filter((name) => /^w:(?:your|you|the|is|it|on)$/.test(name))).toEqual([]);
    expect(names.filter((name) => /color|004a8f/.test(name))).toEqual([]);
  });

  it("feeds the content and link analyzers' findings as features", async () => {
    const names = extractFeatures(await parse(CREDENTIAL_PHISH)).map(({ name }) => name);
    expect(names).toContain('r:content.credential_request');
    expect(names).toContain('r:content.threat_language');
  });

  it('reads the rule findings a full scan has already made, not new ones', async () => {
    const email = await parse(CREDENTIAL_PHISH);
    const options = { ...DEFAULT_ENGINE_OPTIONS, analyzers: FULL_SCAN_ANALYZERS };
    const result = await analyzeEmail(email, options, { model: loadModel() });
    const ruleIds = result.findings
      .filter(({ analyzer }) => analyzer === 'content' || analyzer === 'links')
      .map(({ id }) => `r:${id}`);
    const flags = extractFeatures(email)
      .map(({ name }) => name)
      .filter((name) => name.startsWith('r:'));
    expect(ruleIds.length).toBeGreaterThan(2);
    expect(new Set(flags)).toEqual(new Set(ruleIds));
  });

  it("judges links with the built-in brands whatever the deployment's list", async () => {
    const email = await parse(
      message(
        'Billing <billing@shop.example>',
        'Your invoice',
        '<p><a href="https://paypal-billing.example/pay">Pay now</a></p>',
        'text/html',
      ),
    );
    const noBrands = { options: { ...DEFAULT_ENGINE_OPTIONS, brandDomains: [] }, ports: {} };
    const links = await analyzeLinks(email, noBrands);
    expect(links.findings.map(({ id }) => id)).not.toContain('links.lookalike_domain');
    expect(extractFeatures(email).map(({ name }) => name)).toContain('r:links.lookalike_domain');
  });

  it('leaves out list tags, numbers and collector traces', async () => {
    const email = await parse(
      message(
        'List <list@spamassassin.taint.org>',
        '[ILUG] Re: meeting in 2002',
        'See http://www.domain.com/x and write to jm@jmason.zzzz.org about 2002.',
      ),
    );
    const names = extractFeatures(email).map(({ name }) => name);
    expect(names).toContain('s:meeting');
    expect(names.filter((name) => /ilug|2002|taint|zzzz|domain\.com/.test(name))).toEqual([]);
  });
});

describe('training', () => {
  it('separates obvious phishing from ham in a tiny corpus', async () => {
    const model = trainModel(await tinyCorpus(), PROVENANCE, TINY_OPTIONS);
    const phish = await parse(
      message(
        '"Support" <help@account-check.top>',
        'Verify your account',
        '<p>Your password expires. Verify your account at <a href="http://account-check.top/login">login</a></p>',
        'text/html',
      ),
    );
    const ham = await parse(
      message('Dev <dev@example.net>', 'Re: linker flags', '> question\n\nRebuild with the patch.'),
    );
    expect(predict(model, phish).probability).toBeGreaterThan(0.5);
    expect(predict(model, ham).probability).toBeLessThan(0.5);
  });

  it('gives the same model file, byte for byte, when run twice', async () => {
    const examples = await tinyCorpus();
    const first = serializeModel(trainModel(examples, PROVENANCE, TINY_OPTIONS));
    const second = serializeModel(trainModel(examples, PROVENANCE, TINY_OPTIONS));
    expect(second).toBe(first);
  });

  it('reads back the model it writes', async () => {
    const model = trainModel(await tinyCorpus(), PROVENANCE, TINY_OPTIONS);
    const reading = readModelFile(JSON.parse(serializeModel(model)));
    expect(reading.ok && serializeModel(reading.model)).toBe(serializeModel(model));
  });
});

describe('cross-validation folds', () => {
  it('counts a sender by registrable domain, or by address at a free-mail or placeholder domain', async () => {
    const from = (address: string) => parse(message(address, 'Hello', 'Hi.'));
    expect(senderGroup(await from('news@mail.shop.example.co.uk'), 0)).toBe('example.co.uk');
    expect(senderGroup(await from('Jane.Doe@Gmail.com'), 1)).toBe('jane.doe@gmail.com');
    expect(senderGroup(await from('recipient@example.org'), 2)).toBe('recipient@example.org');
  });

  it('keeps every sender in one fold and each class spread evenly', () => {
    const senders = [
      ...Array.from({ length: 30 }, () => 'newsletter.example'),
      ...Array.from({ length: 60 }, (_, i) => `sender-${i % 20}.example`),
      ...Array.from({ length: 50 }, (_, i) => `one-off-${i}.example`),
    ];
    const labels = senders.map((_, i) => i % 3 === 0);
    const folds = senderFolds(labels, senders, 5, mulberry32(7));
    expect(folds.flat().sort((a, b) => a - b)).toEqual(senders.map((_, i) => i));
    const foldOf = new Map<string, Set<number>>();
    folds.forEach((rows, fold) => {
      for (const row of rows) {
        const sender = senders[row] ?? '';
        foldOf.set(sender, (foldOf.get(sender) ?? new Set()).add(fold));
      }
    });
    for (const [sender, inFolds] of foldOf) expect(inFolds.size, sender).toBe(1);
    const phishing = labels.filter(Boolean).length;
    for (const rows of folds) {
      const share = rows.filter((row) => labels[row]).length / phishing;
      expect(share).toBeGreaterThan(0.1);
      expect(share).toBeLessThan(0.3);
    }
  });
});

describe('the committed model', () => {
  const model = loadModel();

  it('rates an obvious credential phish as phishing', async () => {
    const prediction = predict(model, await parse(CREDENTIAL_PHISH));
    expect(prediction.isPhishing).toBe(true);
    expect(prediction.probability).toBeGreaterThan(0.9);
  });

  it('rates a technical mailing-list reply as not phishing', async () => {
    const prediction = predict(model, await parse(LIST_REPLY));
    expect(prediction.isPhishing).toBe(false);
    expect(prediction.probability).toBeLessThan(0.1);
  });
});

describe('loadModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'phishnet-model-'));

  it('rejects a malformed file, naming the bad fields', () => {
    const path = join(dir, 'malformed.json');
    writeFileSync(path, JSON.stringify({ format: 'phishnet.phishing-model', version: 1 }));
    expect(() => loadModel(path)).toThrow(
      /phishing model .*malformed\.json is invalid: .*bucketBits/,
    );
    expect(() => loadModel(path)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('rejects a file that is not JSON', () => {
    const path = join(dir, 'garbage.json');
    writeFileSync(path, '{ not json');
    expect(() => loadModel(path)).toThrow(/is not JSON/);
  });

  it('says how to get a model when the file is missing', () => {
    let error: unknown;
    try {
      loadModel(join(dir, 'missing.json'));
    } catch (thrown) {
      error = thrown;
    }
    expect(isAppError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/cannot be read; train one/);
  });
});

describe('the ml analyzer', () => {
  const context = { options: DEFAULT_ENGINE_OPTIONS, ports: {} };

  it('reports nothing without a model', async () => {
    expect(await analyzeMl(await parse(CREDENTIAL_PHISH), context)).toEqual({ findings: [] });
  });

  it('reports the probability with the strongest features', async () => {
    const model = loadModel();
    const output = await analyzeMl(await parse(CREDENTIAL_PHISH), { ...context, ports: { model } });
    expect(output.findings).toHaveLength(1);
    expect(output.findings[0]).toMatchObject({
      id: 'ml.phishing_probability',
      analyzer: 'ml',
      severity: 'high',
    });
    expect(output.findings[0]?.evidence).toMatch(
      /^probability [01]\.\d{3}, threshold 0\.\d{3}, confident at 0\.\d{3}; strongest features: /,
    );
    expect(output.findings[0]?.explanation).toMatch(
      /% likely to be phishing \(phishing, confidently\), mostly/,
    );
  });

  describe('when the model threshold is 0.7 and it is confident from 0.9', () => {
    const model = { threshold: 0.7, confidentThreshold: 0.9 };
    const { thresholds } = DEFAULT_ENGINE_OPTIONS;

    it.each([
      [0, 0],
      [0.35, 25],
      [0.7, 50],
      [0.8, 55],
      [0.9, 60],
      [0.95, 72],
      [1, 84],
    ])('maps probability %f to score %f', (probability, score) => {
      expect(verdictScore(probability, model, thresholds, true)).toBe(score);
    });

    it('makes a borderline score phishing only with a second finding that agrees', () => {
      const ml = (score: number, severity: Severity): Finding => ({
        id: 'ml.phishing_probability',
        analyzer: 'ml',
        severity,
        score,
        evidence: '',
        explanation: 'The model rated it.',
      });
      const replyTo: Finding = {
        id: 'headers.reply_to_mismatch',
        analyzer: 'headers',
        severity: 'medium',
        score: 25,
        evidence: '',
        explanation: 'Replies go elsewhere.',
      };
      const borderline = ml(verdictScore(0.8, model, thresholds, true), 'medium');
      expect(decideVerdict([borderline], thresholds).verdict).toBe('suspicious');
      expect(decideVerdict([borderline, replyTo], thresholds).verdict).toBe('phishing');
      const leaningHam = ml(verdictScore(0.65, model, thresholds, true), 'medium');
      const weak = { ...replyTo, severity: 'low' as const, score: 12 };
      expect(decideVerdict([leaningHam, weak], thresholds).verdict).toBe('suspicious');
      const confident = ml(verdictScore(0.92, model, thresholds, true), 'high');
      expect(decideVerdict([confident], thresholds).verdict).toBe('phishing');
    });

    it('keeps a probability its words alone support under suspicious', () => {
      expect(verdictScore(0.99, model, thresholds, false)).toBe(10);
      expect(verdictScore(0.1, model, thresholds, false)).toBe(7.1);
    });
  });
});
