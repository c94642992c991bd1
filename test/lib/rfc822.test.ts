import { describe, expect, it } from 'vitest';
import {
  composeRfc822,
  decodeEncodedWords,
  decodeRawEmail,
  readHeaderSection,
  readHeaderValue,
} from '../../src/lib/rfc822.ts';

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

describe('reading headers from a raw message', () => {
  const message = Buffer.from(
    [
      'Received: from a',
      '\tby b',
      'From: =?UTF-8?B?UGF5UGFs?= =?UTF-8?Q?_S=C3=A9rvice?= <service@paypal.com>',
      'Subject: Your account',
      '  has been limited',
      '',
      'Subject: not a header, the body',
    ].join('\r\n'),
  );

  it('returns the header section only, cut at the limit', () => {
    expect(readHeaderSection(message, 1_000)).toEqual({
      headers: message.toString('utf8').split('\r\n\r\n')[0],
      truncated: false,
    });
    expect(readHeaderSection(message, 10)).toEqual({ headers: 'Received: ', truncated: true });
    expect(readHeaderSection(Buffer.from('Subject: x\n\nbody'), 100).headers).toBe('Subject: x');
  });

  it('unfolds a header and decodes its encoded words', () => {
    expect(readHeaderValue(message, 'Subject')).toBe('Your account has been limited');
    expect(readHeaderValue(message, 'from')).toBe('PayPal Sérvice <service@paypal.com>');
    expect(readHeaderValue(message, 'reply-to')).toBe('');
  });

  it('keeps an encoded word whose charset it does not know', () => {
    expect(decodeEncodedWords('=?x-unknown?B?aGk=?=')).toBe('=?x-unknown?B?aGk=?=');
    expect(decodeEncodedWords('=?iso-8859-1?Q?caf=E9?=')).toBe('café');
  });
});
