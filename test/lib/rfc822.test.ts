import { describe, expect, it } from 'vitest';
import { composeRfc822, decodeRawEmail } from '../../src/lib/rfc822.ts';

describe('composeRfc822', () => {
  it('builds a message from the seed fields, HTML detected', () => {
    const message = composeRfc822({
      subject: 'Hi',
      sender: 'a@b.example',
      content: '<p>hello</p>',
    });
    expect(message).toContain('From: a@b.example\r\n');
    expect(message).toContain('Content-Type: text/html; charset=utf-8');
    expect(message.endsWith('\r\n\r\n<p>hello</p>')).toBe(true);
  });

  it('does not let a field inject headers', () => {
    const message = composeRfc822({ subject: 'x\r\nBcc: victim@example.org', content: 'y' });
    expect(message).not.toMatch(/^Bcc:/m);
  });

  it('encodes a non-ASCII subject as an encoded word', () => {
    expect(composeRfc822({ subject: 'Überweisung', content: 'y' })).toContain(
      'Subject: =?UTF-8?B?',
    );
  });
});

describe('decodeRawEmail', () => {
  const raw = 'From: a@b.example\r\nSubject: s\r\n\r\nbody';
  it('takes a message as text', () => {
    expect(decodeRawEmail(raw).toString()).toBe(raw);
  });
  it('takes a message as base64', () => {
    expect(decodeRawEmail(Buffer.from(raw).toString('base64')).toString()).toBe(raw);
  });
});
