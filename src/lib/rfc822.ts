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

/**
 * The header section of a raw message: everything before the first empty line,
 * cut at `maxBytes` so a message of endless headers stays a small answer.
 */
export function readHeaderSection(
  email: Uint8Array,
  maxBytes: number,
): { headers: string; truncated: boolean } {
  const bytes = Buffer.from(email.buffer, email.byteOffset, email.byteLength);
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  const ends = [crlf, lf].filter((index) => index >= 0);
  const end = ends.length > 0 ? Math.min(...ends) : bytes.byteLength;
  const truncated = end > maxBytes;
  return {
    headers: bytes.subarray(0, Math.min(end, maxBytes)).toString('utf8'),
    truncated,
  };
}

/**
 * One header's value from a raw message (the first occurrence, unfolded, with
 * RFC 2047 encoded words decoded), or '' when it is absent. For display and
 * search at submission time; the engine does the full parse later.
 */
export function readHeaderValue(email: Uint8Array, name: string): string {
  const { headers } = readHeaderSection(email, 64 * 1024);
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const wanted = `${name.toLowerCase()}:`;
  for (const line of unfolded.split(/\r?\n/)) {
    if (line.toLowerCase().startsWith(wanted)) {
      return decodeEncodedWords(line.slice(wanted.length).trim());
    }
  }
  return '';
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bqBQ])\?([^?\s]*)\?=/g;

/** `=?UTF-8?B?…?=` and `=?iso-8859-1?Q?…?=` to text; whitespace between two encoded words goes. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(ENCODED_WORD, (word, charset: string, encoding: string, text: string) => {
      try {
        const bytes =
          encoding.toUpperCase() === 'B'
            ? Buffer.from(text, 'base64')
            : Buffer.from(
                text
                  .replace(/_/g, ' ')
                  .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) =>
                    String.fromCharCode(parseInt(hex, 16)),
                  ),
                'latin1',
              );
        return new TextDecoder(charset.split('*')[0]).decode(bytes);
      } catch {
        return word; // An unknown charset: the word stays as it came.
      }
    });
}
