import { describe, expect, it } from 'vitest';
import { readEmailFacts } from '../../src/jobs/email-facts.ts';
import { fixture } from '../helpers/stack.ts';

function multipart(parts: string[]): Buffer {
  const boundary = 'b-outer';
  return Buffer.from(
    [
      'From: a@example.com',
      'Subject: parts',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      ...parts.flatMap((part) => [`--${boundary}`, part]),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

describe('readEmailFacts', () => {
  it('counts the links of a plain newsletter and finds no attachment', () => {
    const email = fixture('benign-newsletter.eml');
    expect(readEmailFacts(email)).toEqual({
      bytes: email.byteLength,
      attachments: 0,
      attachmentBytes: 0,
      links: 8,
    });
  });

  it('finds an attachment and estimates its decoded size from the base64', () => {
    const facts = readEmailFacts(fixture('attachment-zip-script.eml'));
    expect(facts.attachments).toBe(1);
    // 380 base64 characters in the fixture: a 285-byte zip.
    expect(facts.attachmentBytes).toBe(285);
  });

  it('counts attachments in nested multiparts, and links only outside them', () => {
    const payload = Buffer.alloc(30_000, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
    const email = multipart([
      'Content-Type: multipart/alternative; boundary="b-inner"\r\n\r\n--b-inner\r\nContent-Type: text/plain\r\n\r\nsee https://example.com/a and http://example.org/b\r\n--b-inner\r\nContent-Type: text/html\r\n\r\n<a href="https://example.com/a">a</a>\r\n--b-inner--',
      `Content-Type: application/octet-stream; name="one.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${payload}`,
      'Content-Type: text/plain\r\nContent-Disposition: attachment; filename="two.txt"\r\n\r\nhttps://not-counted.example/inside-an-attachment',
    ]);
    const facts = readEmailFacts(email);
    expect(facts.attachments).toBe(2);
    expect(facts.links).toBe(3);
    expect(facts.attachmentBytes).toBeGreaterThanOrEqual(30_000);
    expect(facts.attachmentBytes).toBeLessThan(30_100);
  });

  it('reads any bytes without throwing', () => {
    expect(readEmailFacts(new Uint8Array([0xff, 0xfe, 0x00, 0x0a]))).toMatchObject({ bytes: 4 });
    expect(
      readEmailFacts(Buffer.from('Content-Type: multipart/mixed; boundary=\r\n\r\nx')),
    ).toMatchObject({
      attachments: 0,
    });
  });
});
