import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analysisResultSchema } from '../../src/contracts/analysis-result.ts';
import {
  analyzeEmail,
  DEFAULT_ENGINE_OPTIONS,
  parseEmail,
  QUICK_ANALYZERS,
} from '../../src/engine/index.ts';
import type { EngineOptions } from '../../src/engine/index.ts';
import { setFastDecoding } from '../../src/engine/mime-decoders.ts';
import { setBlobFreeDecoding, setDirectLineFeeding } from '../../src/engine/parse.ts';

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

/** Small limits, so the properties reach every limit quickly. */
const TIGHT: EngineOptions = {
  ...DEFAULT_ENGINE_OPTIONS,
  limits: { maxBytes: 64 * 1024, maxHeaderBytes: 8 * 1024, maxMimeDepth: 20, maxAttachments: 5 },
};

const SEED_MESSAGE = [
  'From: "PayPal" <service@paypa1.example>',
  'To: recipient@example.org',
  'Subject: =?UTF-8?B?VmVyaWZ5?= your account',
  'Date: Tue, 12 Mar 2024 09:13:58 +0000',
  'Message-ID: <a@b.example>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="XX"',
  '',
  '--XX',
  'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '<a href=3D"http://3232235777/">www.paypal.com</a><form><input type=3Dpassword></form>',
  '--XX',
  'Content-Type: application/octet-stream; name="a.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  'AAECAwQFBgcICQ==',
  '--XX--',
  '',
].join('\r\n');

function nested(depth: number): string {
  const open = Array.from(
    { length: depth },
    (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`,
  );
  return `From: a@b.example\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n${open.join('')}--b${depth}\r\n\r\nhi http://203.0.113.1/\r\n`;
}

/** A message with a random edit: bytes replaced, inserted, or the message cut short. */
const mutatedMessage = fc
  .tuple(
    fc.nat({ max: SEED_MESSAGE.length }),
    fc.uint8Array({ minLength: 1, maxLength: 64 }),
    fc.constantFrom('replace', 'insert', 'cut'),
  )
  .map(([at, junk, how]) => {
    const seed = bytes(SEED_MESSAGE);
    if (how === 'cut') return seed.subarray(0, at);
    const tail = seed.subarray(how === 'replace' ? Math.min(seed.length, at + junk.length) : at);
    return new Uint8Array([...seed.subarray(0, at), ...junk, ...tail]);
  });

const anyMessage = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }),
  fc.string({ maxLength: 2048 }).map(bytes),
  mutatedMessage,
  fc.integer({ min: 1, max: 200 }).map((depth) => bytes(nested(depth))),
  fc
    .integer({ min: 1, max: 40 })
    .map((kib) => bytes(`X-Big: ${'a'.repeat(kib * 1024)}\r\nFrom: a@b.example\r\n\r\nbody`)),
);

async function expectWellFormed(raw: Uint8Array, options: EngineOptions): Promise<void> {
  const email = await parseEmail({ raw }, options.limits);
  expect(email.attachments.length).toBeLessThanOrEqual(options.limits.maxAttachments);
  const result = analysisResultSchema.parse(await analyzeEmail(email, options));
  expect(result.findings.every((f) => f.evidence.length <= 300)).toBe(true);
}

describe('parsing and analysing arbitrary input', () => {
  it('never throws and always returns a well-formed result', async () => {
    await fc.assert(
      fc.asyncProperty(anyMessage, (raw) => expectWellFormed(raw, TIGHT)),
      { numRuns: 150 },
    );
  });

  it('reports nesting beyond the limit instead of failing, even 10,000 levels deep', async () => {
    const started = performance.now();
    const email = await parseEmail({ raw: bytes(nested(10_000)) }, DEFAULT_ENGINE_OPTIONS.limits);
    expect(email.parseFindings.map((f) => f.id)).toContain('parser.mime_depth_exceeded');
    await expectWellFormed(bytes(nested(10_000)), DEFAULT_ENGINE_OPTIONS);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('reports a header section over the limit', async () => {
    const email = await parseEmail(
      {
        raw: bytes(`X-Big: ${'a'.repeat(20_000)}\r\nFrom: a@b.example\r\nSubject: hi\r\n\r\nbody`),
      },
      TIGHT.limits,
    );
    expect(email.parseFindings.map((f) => f.id)).toContain('parser.header_too_large');
  });

  it('cuts input over maxBytes before parsing and says so', async () => {
    const raw = bytes(`From: a@b.example\r\nSubject: big\r\n\r\n${'x'.repeat(100_000)}`);
    const email = await parseEmail({ raw }, TIGHT.limits);
    expect(email.raw.byteLength).toBe(TIGHT.limits.maxBytes);
    expect(email.parseFindings.map((f) => f.id)).toContain('parser.truncated');
  });

  it('keeps at most maxAttachments attachments', async () => {
    const parts = Array.from(
      { length: 12 },
      (_, i) =>
        `--Z\r\nContent-Type: application/octet-stream; name="f${i}.bin"\r\nContent-Disposition: attachment\r\n\r\nAAAA\r\n`,
    );
    const raw = bytes(
      `From: a@b.example\r\nContent-Type: multipart/mixed; boundary="Z"\r\n\r\n${parts.join('')}--Z--\r\n`,
    );
    const email = await parseEmail({ raw }, TIGHT.limits);
    expect(email.attachments).toHaveLength(TIGHT.limits.maxAttachments);
    expect(email.parseFindings.map((f) => f.id)).toContain('parser.attachments_capped');
  });
});

/** A multipart message whose parts use every transfer encoding, over random content. */
const encodedPart = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((content) => {
    const lines =
      Buffer.from(content)
        .toString('base64')
        .match(/.{1,76}/g) ?? [];
    return `Content-Type: application/octet-stream; name="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${lines.join('\r\n')}`;
  }),
  fc
    .string({ unit: 'binary', maxLength: 300 })
    .map(
      (text) =>
        `Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${text.replace(/[^\x20-\x7e\n]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0').slice(-2)}`)}=\r\n<p>x=3D1</p>`,
    ),
  fc
    .string({ unit: 'grapheme', maxLength: 300 })
    .map(
      (text) =>
        `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text}`,
    ),
);
const encodedMessage = fc
  .array(encodedPart, { minLength: 1, maxLength: 4 })
  .map((parts) =>
    bytes(
      `From: a@b.example\r\nContent-Type: multipart/mixed; boundary="P"\r\n\r\n${parts.map((p) => `--P\r\n${p}\r\n`).join('')}--P--\r\n`,
    ),
  );

describe('parsing without postal-mime’s Blob round trip', () => {
  it('is in use with the installed postal-mime', () => {
    expect(setBlobFreeDecoding(true)).toBe(true);
  });

  it('builds the same model as postal-mime’s own decoders', async () => {
    const parseBoth = async (raw: Uint8Array) => {
      try {
        setBlobFreeDecoding(false);
        const stock = await parseEmail({ raw }, TIGHT.limits);
        setBlobFreeDecoding(true);
        const blobFree = await parseEmail({ raw }, TIGHT.limits);
        expect(blobFree).toEqual(stock);
      } finally {
        setBlobFreeDecoding(true);
      }
    };
    await parseBoth(bytes(SEED_MESSAGE));
    await fc.assert(fc.asyncProperty(fc.oneof(encodedMessage, anyMessage), parseBoth), {
      numRuns: 200,
    });
  });
});

describe('parsing with plain lines fed directly', () => {
  it('is in use with the installed postal-mime', () => {
    expect(setDirectLineFeeding(true)).toBe(true);
  });

  it('builds the same model as postal-mime’s own line loop', async () => {
    const parseBoth = async (raw: Uint8Array) => {
      try {
        setDirectLineFeeding(false);
        const stock = await parseEmail({ raw }, TIGHT.limits);
        setDirectLineFeeding(true);
        const direct = await parseEmail({ raw }, TIGHT.limits);
        expect(direct).toEqual(stock);
      } finally {
        setDirectLineFeeding(true);
      }
    };
    await parseBoth(bytes(SEED_MESSAGE));
    await fc.assert(fc.asyncProperty(fc.oneof(encodedMessage, anyMessage), parseBoth), {
      numRuns: 200,
    });
  });
});

/** Base64 as mailers write it and as they break it: short and long lines, padding mid-part, junk bytes, CR-only or LF-only line ends. */
const base64Part = fc
  .tuple(
    fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 0, maxLength: 4 }),
    fc.integer({ min: 1, max: 100 }),
    fc.constantFrom('\r\n', '\n', '\r\r\n'),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('=', '==', '!', '\u00e9', ' ', '-', '=A')), {
      maxLength: 3,
    }),
  )
  .map(([pieces, width, eol, junk]) => {
    // Each piece is encoded with its own padding, so a part may carry '=' in the middle.
    let text = pieces.map((p) => Buffer.from(p).toString('base64')).join('');
    for (const [at, what] of junk) {
      const i = text.length === 0 ? 0 : at % text.length;
      text = text.slice(0, i) + what + text.slice(i);
    }
    const lines = text.match(new RegExp(`[^]{1,${width}}`, 'g')) ?? [];
    return `Content-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${lines.join(eol)}`;
  });

const typedPart = fc
  .tuple(
    fc.constantFrom(
      'text/plain',
      'text/html',
      'text/calendar',
      'image/png',
      'application/octet-stream',
      'message/rfc822',
    ),
    fc.constantFrom('base64', 'quoted-printable', '7bit'),
    fc.constantFrom('', 'Content-Disposition: attachment; filename="x"\r\n'),
    fc.uint8Array({ maxLength: 300 }),
  )
  .map(([type, encoding, disposition, content]) => {
    const body =
      encoding === 'base64'
        ? (
            Buffer.from(content)
              .toString('base64')
              .match(/.{1,76}/g) ?? []
          ).join('\r\n')
        : encoding === 'quoted-printable'
          ? Buffer.from(content)
              .toString('latin1')
              .replace(
                /[^\x20-\x3c\x3e-\x7e]/g,
                (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
              )
              .replace(/.{70}/g, '$&=\r\n')
          : `Subject: inner\r\n\r\n${Buffer.from(content).toString('latin1')}`;
    return `Content-Type: ${type}\r\nContent-Transfer-Encoding: ${encoding}\r\n${disposition}\r\n${body}`;
  });

/** Plain text whose lines end every way mail does: CRLF, LF, runs of CR before LF, a lone CR; some lines start with dashes. */
const textLinesPart = fc
  .array(
    fc.tuple(
      fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('--', '--P', '-', '--x--', '')),
      fc.constantFrom('\r\n', '\n', '\r\r\n', '\r', '\r\n\r\n'),
    ),
    { maxLength: 12 },
  )
  .map(
    (lines) =>
      `Content-Type: text/plain; charset=utf-8\r\n\r\n${lines.map(([text, eol]) => text + eol).join('')}`,
  );

/** Quoted-printable as found in the wild: escapes in any case, broken escapes, '=' at line ends, CR runs. */
const rawQpPart = fc
  .array(
    fc.tuple(
      fc.array(
        fc.constantFrom('=', '=3D', '=3d', '=G1', '=4', 'A', 'f', '3', ' ', '\r', 'x', '--'),
        {
          maxLength: 20,
        },
      ),
      fc.constantFrom('\r\n', '\n', '\r\r\n', '=\r\n', '\r'),
    ),
    { maxLength: 10 },
  )
  .map(
    (lines) =>
      `Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${lines.map(([parts, eol]) => parts.join('') + eol).join('')}`,
  );

const decoderMessage = fc
  .array(fc.oneof(base64Part, typedPart, encodedPart, textLinesPart, rawQpPart), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) =>
    bytes(
      `From: a@b.example\r\nContent-Type: multipart/mixed; boundary="P"\r\n\r\n${parts.map((p) => `--P\r\n${p}\r\n`).join('')}--P--\r\n`,
    ),
  );

describe('parsing with the fast decoders', () => {
  it('is in use with the installed postal-mime', () => {
    expect(setFastDecoding(true)).toBe(true);
  });

  it('builds the same model as postal-mime’s own decoders', async () => {
    const parseBoth = async (raw: Uint8Array) => {
      try {
        setFastDecoding(false);
        const stock = await parseEmail({ raw }, TIGHT.limits);
        setFastDecoding(true);
        const fast = await parseEmail({ raw }, TIGHT.limits);
        expect(fast).toEqual(stock);
      } finally {
        setFastDecoding(true);
      }
    };
    await parseBoth(bytes(SEED_MESSAGE));
    await fc.assert(
      fc.asyncProperty(fc.oneof(decoderMessage, encodedMessage, anyMessage), parseBoth),
      {
        numRuns: 300,
      },
    );
  });

  it('keeps every attachment but not its bytes when asked, and nothing else changes', async () => {
    const parseBoth = async (raw: Uint8Array) => {
      const whole = await parseEmail({ raw }, TIGHT.limits);
      const lean = await parseEmail({ raw }, TIGHT.limits, { attachmentBytes: false });
      const withoutBytes = (email: typeof whole) => ({
        ...email,
        attachments: email.attachments.map(({ content: _content, ...rest }) => rest),
      });
      expect(withoutBytes(lean)).toEqual(withoutBytes(whole));
      lean.attachments.forEach((attachment, i) => {
        const readable = /^(?:text|message)\//.test(attachment.mimeType);
        expect(attachment.content).toEqual(
          readable ? whole.attachments[i]?.content : new Uint8Array(0),
        );
      });
    };
    await parseBoth(bytes(SEED_MESSAGE));
    await fc.assert(fc.asyncProperty(fc.oneof(decoderMessage, encodedMessage), parseBoth), {
      numRuns: 200,
    });
  });

  it('skips the bytes only when a scan reads none: quick results are those of a full parse', async () => {
    const quick: EngineOptions = { ...TIGHT, analyzers: QUICK_ANALYZERS };
    const check = async (raw: Uint8Array) => {
      const lean = await analyzeEmail({ raw }, quick);
      const whole = await analyzeEmail(await parseEmail({ raw }, quick.limits), quick);
      expect({ ...lean, engine_ms: 0 }).toEqual({ ...whole, engine_ms: 0 });
    };
    await check(bytes(SEED_MESSAGE));
    await fc.assert(fc.asyncProperty(decoderMessage, check), { numRuns: 100 });
  });
});
