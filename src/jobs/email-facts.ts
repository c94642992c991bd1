/**
 * What routing needs to know about an email, from one pass over its bytes and no MIME
 * parse: its size, its attachments (count and decoded bytes, estimated from each part's
 * encoded size) and how many links it carries. Approximate on purpose: a link inside a
 * base64 body or folded by quoted-printable is not counted, which can only keep a job on
 * the faster lane; the engine's parse is the real one.
 */
import type { EmailFacts } from './routing.ts';

const BOUNDARY = /boundary\s*=\s*(?:"([^"\r\n]+)"|([^;\s]+))/gi;
const LINK = /\bhttps?:\/\//gi;
/** A part is an attachment when it says so, or carries a file name. */
const ATTACHMENT =
  /^content-disposition:\s*attachment|^content-(?:disposition|type):[^\r\n]*\b(?:file)?name\*?\s*=/im;
const BASE64 = /^content-transfer-encoding:\s*base64/im;

export function readEmailFacts(email: Uint8Array): EmailFacts {
  // latin1 maps every byte to one character: no decoding work, and offsets stay byte offsets.
  const text = Buffer.from(email.buffer, email.byteOffset, email.byteLength).toString('latin1');
  const facts: EmailFacts = {
    bytes: email.byteLength,
    attachments: 0,
    attachmentBytes: 0,
    links: 0,
  };
  const boundaries = new Set<string>();
  for (const match of text.matchAll(BOUNDARY)) {
    const boundary = match[1] ?? match[2];
    if (boundary) boundaries.add(boundary);
  }
  if (boundaries.size === 0) {
    facts.links = countLinks(text);
    return facts;
  }
  for (const part of splitParts(text, boundaries)) {
    const headerEnd = part.search(/\r?\n\r?\n/);
    const headers = headerEnd === -1 ? part : part.slice(0, headerEnd);
    const body = headerEnd === -1 ? '' : part.slice(headerEnd);
    if (ATTACHMENT.test(headers)) {
      facts.attachments += 1;
      facts.attachmentBytes += BASE64.test(headers) ? base64Bytes(body) : body.length;
    } else {
      facts.links += countLinks(part);
    }
  }
  return facts;
}

/** Decoded size of a base64 body: its characters less line breaks, three bytes per four. */
function base64Bytes(body: string): number {
  let breaks = 0;
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) breaks += 1;
  for (let i = body.indexOf('\r'); i !== -1; i = body.indexOf('\r', i + 1)) breaks += 1;
  return Math.floor(((body.length - breaks) * 3) / 4);
}

function countLinks(text: string): number {
  let count = 0;
  LINK.lastIndex = 0;
  while (LINK.exec(text) !== null) count += 1;
  return count;
}

/** Every part between boundary lines, nested multiparts flattened; the preamble is part one. */
function splitParts(text: string, boundaries: ReadonlySet<string>): string[] {
  const escaped = [...boundaries].map((b) => b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const delimiter = new RegExp(`^--(?:${escaped.join('|')})(?:--)?[ \\t]*\\r?$`, 'm');
  return text.split(delimiter);
}
