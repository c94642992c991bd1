import { generateKeyPairSync, createSign, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyzeEmail, DEFAULT_ENGINE_OPTIONS, parseEmail } from '../../src/engine/index.ts';
import {
  compilePhraseMatcher,
  compilePhrases,
  compilePhraseSets,
  CREDENTIAL_PHRASES,
  FOLDS_UNLIKE_LOWER_CASE,
  LURE_PHRASES,
  PAYMENT_PHRASES,
  THREAT_PHRASES,
  URGENCY_PHRASES,
} from '../../src/engine/text/phrases.ts';

const encoder = new TextEncoder();

describe('analysing the API’s JSON fields', () => {
  it('builds the same model from subject, sender and HTML content', async () => {
    const email = await parseEmail(
      {
        subject: 'Account locked',
        sender: 'PayPal <alert@pp-alerts.example>',
        content: '<p>Verify your account: <a href="http://203.0.113.5/">www.paypal.com</a></p>',
      },
      DEFAULT_ENGINE_OPTIONS.limits,
    );
    expect(email.origin).toBe('fields');
    expect(email.from).toEqual({ name: 'PayPal', address: 'alert@pp-alerts.example' });
    expect(email.html).toContain('203.0.113.5');
  });

  it('does not let a line break in a field forge a header', async () => {
    const email = await parseEmail(
      { sender: 'a@b.example\r\nBcc: injected@example.org', subject: 'x\nReply-To: c@d.example' },
      DEFAULT_ENGINE_OPTIONS.limits,
    );
    expect(email.headers.map((h) => h.key)).not.toEqual(expect.arrayContaining(['bcc']));
    expect(email.replyTo).toEqual([]);
  });

  it('judges it without complaining about headers it never had', async () => {
    const result = await analyzeEmail(
      {
        subject: 'Account locked',
        sender: 'PayPal <alert@pp-alerts.example>',
        content: '<p>Verify your account: <a href="http://203.0.113.5/">www.paypal.com</a></p>',
      },
      DEFAULT_ENGINE_OPTIONS,
    );
    const ids = result.findings.map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'headers.display_name_spoof',
        'links.ip_host',
        'links.anchor_mismatch',
      ]),
    );
    expect(ids).not.toContain('headers.missing_message_id');
    expect(result.verdict).toMatch(/phishing|malicious/);
  });

  it('runs only the analyzers asked for, and lists them', async () => {
    const result = await analyzeEmail(
      { content: 'hello' },
      { ...DEFAULT_ENGINE_OPTIONS, analyzers: ['links'] },
    );
    expect(result.analyzers).toEqual(['links']);
  });
});

describe('when receivers are trusted', () => {
  const raw = encoder.encode(
    [
      'Authentication-Results: forged.example; spf=pass; dmarc=pass',
      'Authentication-Results: mx.trusted.example; spf=fail smtp.mailfrom=x@y.example; dmarc=fail',
      'From: a@y.example',
      'Message-ID: <1@y.example>',
      'Date: Tue, 12 Mar 2024 09:13:58 +0000',
      '',
      'hi',
    ].join('\r\n'),
  );

  it('believes only their Authentication-Results', async () => {
    const trusted = await analyzeEmail(
      { raw },
      { ...DEFAULT_ENGINE_OPTIONS, trustedReceivers: ['trusted.example'] },
    );
    expect(trusted.authentication).toMatchObject({ spf: 'fail', dmarc: 'fail' });
  });

  it('believes the top-most stamp when none are configured', async () => {
    const untrusted = await analyzeEmail({ raw }, DEFAULT_ENGINE_OPTIONS);
    expect(untrusted.authentication).toMatchObject({ spf: 'pass', dmarc: 'pass' });
  });
});

describe('verifying DKIM through the resolver port', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const body = 'Hello, this is signed.\r\n';
  const headers = 'From: a@signer.example\r\nSubject: signed\r\n';

  function signed(bodyText: string): Uint8Array {
    const bh = createHash('sha256').update(body).digest('base64');
    const tags = `v=1; a=rsa-sha256; c=simple/simple; d=signer.example; s=sel; h=from:subject; bh=${bh}; b=`;
    const signer = createSign('RSA-SHA256');
    signer.update(`${headers}DKIM-Signature: ${tags}`);
    const b = signer.sign(privateKey, 'base64');
    return encoder.encode(`DKIM-Signature: ${tags}${b}\r\n${headers}\r\n${bodyText}`);
  }

  const key = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const resolveTxt = (name: string) =>
    Promise.resolve(name === 'sel._domainkey.signer.example' ? [[`v=DKIM1; k=rsa; p=${key}`]] : []);

  it('passes an intact message', async () => {
    const result = await analyzeEmail({ raw: signed(body) }, DEFAULT_ENGINE_OPTIONS, {
      resolveTxt,
    });
    expect(result.authentication.dkim).toBe('pass');
    expect(result.findings.map((f) => f.id)).not.toContain('headers.dkim_invalid');
  });

  it('reports a message altered after signing', async () => {
    const result = await analyzeEmail(
      { raw: signed('Hello, this was changed.\r\n') },
      DEFAULT_ENGINE_OPTIONS,
      { resolveTxt },
    );
    expect(result.authentication.dkim).toBe('fail');
    expect(result.findings.map((f) => f.id)).toContain('headers.dkim_invalid');
  });

  it('does not verify without a resolver', async () => {
    const result = await analyzeEmail({ raw: signed(body) }, DEFAULT_ENGINE_OPTIONS);
    expect(result.authentication.dkim).toBe('none');
  });
});

describe('HTML with tags named like Object properties', () => {
  it('is analysed, not thrown on', async () => {
    const raw = encoder.encode(
      'From: a@b.example\r\nContent-Type: text/html\r\n\r\n<constructor>x</constructor><__proto__ href="http://203.0.113.9/">y</__proto__>',
    );
    const result = await analyzeEmail({ raw }, DEFAULT_ENGINE_OPTIONS);
    expect(result.verdict).toBeDefined();
  });
});

describe('the phrase matcher', () => {
  const tables = [
    CREDENTIAL_PHRASES,
    PAYMENT_PHRASES,
    THREAT_PHRASES,
    URGENCY_PHRASES,
    LURE_PHRASES,
  ];
  const fragments = [
    'verify your account',
    'confirm your payment details',
    'claim your reward',
    'you have won',
    'airdrop',
    'Your password expires',
    'payment failed',
    'account will be suspended',
    'urgent',
    'imediatamente',
    'último aviso',
    'sofort',
    'ſofort',
    'İmmediately',
    'ᾀverify your account',
    '\u0345urgent',
    'x',
    'é',
    '😀',
    '\u{1d400}',
    ' ',
    '\n',
    '-',
    '.',
    '1',
  ];
  const text = fc
    .array(fc.oneof(fc.constantFrom(...fragments), fc.string({ unit: 'grapheme', maxLength: 4 })), {
      maxLength: 30,
    })
    .map((parts) => parts.join(''));

  it('finds what the single regular expression finds, where it finds it', () => {
    const pairs = tables.map((t) => [compilePhrases(t), compilePhraseMatcher(t)] as const);
    fc.assert(
      fc.property(text, (sample) => {
        for (const [regex, matcher] of pairs) {
          const expected = regex.exec(sample);
          const actual = matcher.exec(sample);
          expect(actual?.index).toBe(expected?.index);
          expect(actual?.[0]).toBe(expected?.[0]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('finds in one pass what each table finds on its own, even where two tables match at once', () => {
    const sets = compilePhraseSets({
      a: CREDENTIAL_PHRASES,
      b: PAYMENT_PHRASES,
      c: THREAT_PHRASES,
      d: URGENCY_PHRASES,
      e: LURE_PHRASES,
    });
    const alone = tables.map((t) => compilePhrases(t));
    // Where two tables match at the same place, both are found.
    const overlapping = compilePhraseSets({ long: ['verify your account'], short: ['verify'] });
    const both = overlapping.exec('Please verify your account');
    expect([both.get('long')?.text, both.get('short')?.text]).toEqual([
      'verify your account',
      'verify',
    ]);
    fc.assert(
      fc.property(text, (sample) => {
        const found = sets.exec(sample);
        ['a', 'b', 'c', 'd', 'e'].forEach((key, i) => {
          const expected = alone[i]?.exec(sample) ?? null;
          const actual = found.get(key as 'a') ?? null;
          expect(actual?.index).toBe(expected?.index);
          expect(actual?.text).toBe(expected?.[0]);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('searches the lower-cased text only where lower case stands for case folding', () => {
    // Code points are what a regex compares, so `Array.from` (not graphemes) is what is wanted.
    const letters = [
      ...new Set(Array.from(tables.flat().join('')).filter((c) => /\p{L}/u.test(c))),
    ];
    const asLetter = letters.map((letter) => [letter, new RegExp(`^${letter}$`, 'iu')] as const);
    const checks = [
      [/^[\p{L}\p{N}]$/iu, /^[\p{L}\p{N}]$/u],
      [/^\w$/iu, /^\w$/u],
    ] as const;
    const differing: string[] = [];
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const char = String.fromCodePoint(code);
      const lower = char.toLowerCase();
      if (lower.length !== char.length) continue; // searched as written
      const differs =
        checks.some(([folding, lowered]) => folding.test(char) !== lowered.test(lower)) ||
        asLetter.some(([letter, folding]) => folding.test(char) !== (lower === letter));
      if (differs) differing.push(char);
    }
    expect(differing.every((char) => FOLDS_UNLIKE_LOWER_CASE.test(char))).toBe(true);
    expect(differing).toEqual(['\u017f', '\u0345']);
  });

  it('keeps every phrase in lower case and free of capturing groups, as the one-pass search needs', () => {
    for (const phrase of tables.flat()) {
      expect(phrase).not.toMatch(/\((?!\?)/);
      expect(phrase).toBe(phrase.toLowerCase());
    }
  });
});
