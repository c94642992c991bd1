import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_OPTIONS } from '../../src/engine/defaults.ts';
import { parseEmail } from '../../src/engine/parse.ts';
import { DEFAULT_MIME_LIMITS, scanMimeLimits } from '../../src/lib/mime-scan.ts';
import { nestedMultiparts, withAttachments } from '../helpers/hostile-emails.ts';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('scanMimeLimits', () => {
  it('passes ordinary mail', () => {
    expect(
      scanMimeLimits(
        bytes('From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n'),
        DEFAULT_MIME_LIMITS,
      ),
    ).toBeNull();
    expect(scanMimeLimits(bytes(withAttachments(3)), DEFAULT_MIME_LIMITS)).toBeNull();
    expect(scanMimeLimits(bytes(nestedMultiparts(5)), DEFAULT_MIME_LIMITS)).toBeNull();
  });

  it('counts header fields, folded lines once', () => {
    const header = Array.from({ length: 10 }, (_, i) => `X-F${i}: a\r\n  continued`).join('\r\n');
    const email = bytes(`${header}\r\n\r\nbody`);
    expect(scanMimeLimits(email, { ...DEFAULT_MIME_LIMITS, maxHeaderFields: 10 })).toBeNull();
    expect(scanMimeLimits(email, { ...DEFAULT_MIME_LIMITS, maxHeaderFields: 9 })).toEqual({
      limit: 'header_fields',
      max: 9,
      found: 10,
      where: 'message',
    });
  });

  it('bounds the bytes of a header block, also one that never ends', () => {
    const long = bytes(`Subject: ${'a'.repeat(5_000)}\r\n\r\nbody`);
    expect(scanMimeLimits(long, { ...DEFAULT_MIME_LIMITS, maxHeaderBytes: 4_096 })).toMatchObject({
      limit: 'header_bytes',
      max: 4_096,
    });
    const endless = bytes(`Subject: x\r\n${' folded\r\n'.repeat(100_000)}`);
    expect(scanMimeLimits(endless, DEFAULT_MIME_LIMITS)).toMatchObject({ limit: 'header_bytes' });
  });

  it('applies the header limits to every part', () => {
    const part = Array.from({ length: 20 }, (_, i) => `X-P${i}: v`).join('\r\n');
    const email = bytes(
      `Content-Type: multipart/mixed; boundary="z"\r\n\r\n--z\r\n${part}\r\n\r\nhi\r\n--z--\r\n`,
    );
    expect(scanMimeLimits(email, { ...DEFAULT_MIME_LIMITS, maxHeaderFields: 10 })).toMatchObject({
      limit: 'header_fields',
      where: 'part at depth 1',
    });
  });

  it('measures nesting as the parser does: as deep as the limit passes, one more does not', async () => {
    const limits = { ...DEFAULT_MIME_LIMITS, maxMimeDepth: 10 };
    expect(scanMimeLimits(bytes(nestedMultiparts(10)), limits)).toBeNull();
    expect(scanMimeLimits(bytes(nestedMultiparts(11)), limits)).toMatchObject({
      limit: 'mime_depth',
      max: 10,
      found: 11,
    });
    const engine = { ...DEFAULT_ENGINE_OPTIONS.limits, maxMimeDepth: 10 };
    const findingsAt = async (levels: number) =>
      (await parseEmail({ raw: bytes(nestedMultiparts(levels)) }, engine)).parseFindings.map(
        (f) => f.id,
      );
    expect(await findingsAt(10)).not.toContain('parser.mime_depth_exceeded');
    expect(await findingsAt(11)).toContain('parser.mime_depth_exceeded');
  });

  it('stops early on ten thousand nested multiparts', () => {
    expect(scanMimeLimits(bytes(nestedMultiparts(10_000)), DEFAULT_MIME_LIMITS)).toMatchObject({
      limit: 'mime_depth',
      found: DEFAULT_MIME_LIMITS.maxMimeDepth + 1,
    });
  });

  it('does not add depth for siblings: a thousand parts side by side are depth 1', () => {
    const parts = ['Content-Type: multipart/alternative; boundary="s"\r\n\r\n'];
    for (let i = 0; i < 1_000; i++) parts.push('--s\r\nContent-Type: text/plain\r\n\r\nx\r\n');
    parts.push('--s--\r\n');
    expect(scanMimeLimits(bytes(parts.join('')), DEFAULT_MIME_LIMITS)).toBeNull();
  });

  it('counts an attached message as a level of its own', () => {
    let inner = 'Subject: innermost\r\n\r\nhello\r\n';
    for (let i = 0; i < 12; i++) {
      inner = `Content-Type: message/rfc822\r\n\r\n${inner}`;
    }
    expect(
      scanMimeLimits(bytes(inner), { ...DEFAULT_MIME_LIMITS, maxMimeDepth: 10 }),
    ).toMatchObject({
      limit: 'mime_depth',
    });
  });

  it('counts attachments', () => {
    const limits = { ...DEFAULT_MIME_LIMITS, maxAttachments: 5 };
    expect(scanMimeLimits(bytes(withAttachments(5)), limits)).toBeNull();
    expect(scanMimeLimits(bytes(withAttachments(6)), limits)).toMatchObject({
      limit: 'attachments',
      max: 5,
      found: 6,
    });
  });

  it('reads a large body line by line without refusing it', () => {
    const body = `${'a'.repeat(998)}\r\n`.repeat(20_000);
    expect(scanMimeLimits(bytes(`Subject: big\r\n\r\n${body}`), DEFAULT_MIME_LIMITS)).toBeNull();
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4_096 }), (input) => {
        const result = scanMimeLimits(input, { ...DEFAULT_MIME_LIMITS, maxMimeDepth: 3 });
        expect(result === null || typeof result.limit === 'string').toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
