/**
 * Builds an RFC 822 message from the seed's JSON fields, so every submission is
 * stored and analysed as one kind of thing: raw bytes.
 */
export interface MessageFields {
  subject?: string | undefined;
  sender?: string | undefined;
  content?: string | undefined;
}

const HTML_HINT = /<\s*(html|body|div|p|a|table|span|br|img|form)\b/i;

export function looksLikeHtml(content: string): boolean {
  return HTML_HINT.test(content);
}

export function composeRfc822(fields: MessageFields): string {
  const content = fields.content ?? '';
  const type = looksLikeHtml(content) ? 'text/html' : 'text/plain';
  const headers = [
    `From: ${headerValue(fields.sender ?? '')}`,
    `Subject: ${encodeWord(headerValue(fields.subject ?? ''))}`,
    'MIME-Version: 1.0',
    `Content-Type: ${type}; charset=utf-8`,
    'Content-Transfer-Encoding: 8bit',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${content.replace(/\r?\n/g, '\r\n')}`;
}

/** Line breaks in a field would let the submitter forge headers of their own. */
function headerValue(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim();
}

function encodeWord(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

const BASE64_ONLY = /^[A-Za-z0-9+/=\s]+$/;

/**
 * `raw` arrives as text or base64. A message's first line is always a header
 * (`Name: value`), and base64 has no colon, so the two cannot be confused.
 */
export function decodeRawEmail(raw: string): Buffer {
  const firstLine = raw.slice(0, raw.search(/\r?\n|$/));
  if (!firstLine.includes(':') && BASE64_ONLY.test(raw)) return Buffer.from(raw, 'base64');
  return Buffer.from(raw, 'utf8');
}
