/**
 * PDF actions from the raw bytes and from Flate streams (object streams hide
 * most of a modern PDF's dictionaries). Names are decoded first, so
 * `/J#61vaScript` counts as `/JavaScript`.
 */
import type { AttachmentFindingKey } from './findings.ts';
import { latin1 } from './bytes.ts';
import { inflateBounded } from './inflate.ts';
import { ATTACHMENT_LIMITS } from './limits.ts';

/** Decoded PDF names worth a finding. */
const ACTION_NAMES: ReadonlyMap<string, AttachmentFindingKey> = new Map([
  ['JavaScript', 'pdf_javascript'],
  ['JS', 'pdf_javascript'],
  ['Launch', 'pdf_launch'],
  ['EmbeddedFile', 'pdf_embedded_file'],
  ['EmbeddedFiles', 'pdf_embedded_file'],
  ['OpenAction', 'pdf_open_action'],
  ['AA', 'pdf_open_action'],
  ['SubmitForm', 'pdf_submit_form'],
  ['URI', 'pdf_uri'],
]);

/** A name is `/` and then anything up to whitespace or a delimiter (ISO 32000 7.3.5). */
const NAME = /\/([^\s/[\]()<>{}%]{1,127})/g;
const STREAM_START = /\bstream\r?\n/g;
const IMAGE_SUBTYPE = /\/Subtype\s*\/Image\b/;
/** How far back from `stream` its dictionary is looked for. */
const DICTIONARY_LOOKBACK_CHARS = 1024;
const MAX_URI_CHARS = 2048;

export interface PdfScan {
  /** Each action found, with the first spelling seen (to show obfuscation). */
  actions: Map<AttachmentFindingKey, string>;
  uris: string[];
}

export function scanPdf(bytes: Uint8Array): PdfScan {
  const scan: PdfScan = { actions: new Map(), uris: [] };
  const { objectText, streams } = splitStreams(latin1(bytes, ATTACHMENT_LIMITS.pdfScanBytes));
  scanNames(objectText, scan);
  let budget = ATTACHMENT_LIMITS.maxPdfInflatedBytes;
  let inflated = 0;
  for (const { dictionary, start, end } of streams) {
    if (inflated >= ATTACHMENT_LIMITS.maxPdfStreams || budget <= 0) break;
    const data = bytes.subarray(start, end);
    if (IMAGE_SUBTYPE.test(dictionary) || !hasZlibHeader(data)) continue;
    inflated++;
    const result = inflateBounded(data, budget, 'zlib');
    if (result.status === 'too_large') break;
    budget -= result.status === 'ok' ? result.bytes.length : result.producedBytes;
    if (result.status === 'ok') scanNames(latin1(result.bytes), scan);
  }
  return scan;
}

interface StreamSpan {
  /** Text just before `stream`, where its dictionary is. */
  dictionary: string;
  start: number;
  end: number;
}

/**
 * Separates object text from stream bodies: names are only looked for in the
 * former, since binary stream data (images, fonts) is full of chance `/JS`s.
 */
function splitStreams(text: string): { objectText: string; streams: StreamSpan[] } {
  const pieces: string[] = [];
  const streams: StreamSpan[] = [];
  let at = 0;
  for (const match of text.matchAll(STREAM_START)) {
    if (match.index < at) continue;
    const start = match.index + match[0].length;
    const found = text.indexOf('endstream', start);
    const end = found < 0 ? text.length : found;
    pieces.push(text.slice(at, match.index));
    streams.push({
      dictionary: text.slice(Math.max(at, match.index - DICTIONARY_LOOKBACK_CHARS), match.index),
      start,
      end,
    });
    at = end;
  }
  pieces.push(text.slice(at));
  return { objectText: pieces.join('\n'), streams };
}

function scanNames(text: string, scan: PdfScan): void {
  for (const match of text.matchAll(NAME)) {
    const spelling = match[1] ?? '';
    const key = ACTION_NAMES.get(decodeName(spelling));
    if (key === undefined) continue;
    if (!scan.actions.has(key)) scan.actions.set(key, `/${spelling}`);
    if (key === 'pdf_uri') collectUri(text, match.index + match[0].length, scan.uris);
  }
}

function decodeName(spelling: string): string {
  return spelling.replace(/#([0-9a-f]{2})/gi, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

function collectUri(text: string, at: number, uris: string[]): void {
  if (uris.length >= ATTACHMENT_LIMITS.maxPdfUris) return;
  const uri = readStringObject(text, at);
  if (uri !== null && uri !== '' && !uris.includes(uri)) uris.push(uri);
}

/** A literal `(…)` or hex `<…>` string after optional whitespace; `null` if neither. */
function readStringObject(text: string, from: number): string | null {
  let at = from;
  while (at < text.length && /\s/.test(text.charAt(at))) at++;
  if (text.charAt(at) === '<') {
    const end = text.indexOf('>', at);
    if (end < 0 || end - at > MAX_URI_CHARS) return null;
    const hex = text.slice(at + 1, end).replace(/\s/g, '');
    return (hex.match(/[0-9a-f]{2}/gi) ?? [])
      .map((h) => String.fromCharCode(parseInt(h, 16)))
      .join('');
  }
  return text.charAt(at) === '(' ? readLiteralString(text, at) : null;
}

function readLiteralString(text: string, start: number): string | null {
  let depth = 0;
  let out = '';
  for (let at = start; at < text.length && at - start < MAX_URI_CHARS; at++) {
    const c = text.charAt(at);
    if (c === '\\') {
      out += text.charAt(++at);
    } else if (c === '(') {
      if (depth++ > 0) out += c;
    } else if (c === ')') {
      if (--depth === 0) return out;
      out += c;
    } else {
      out += c;
    }
  }
  return null;
}

/** RFC 1950: deflate method, and a header checksum divisible by 31. */
function hasZlibHeader(data: Uint8Array): boolean {
  const cmf = data[0] ?? 0;
  const flg = data[1] ?? 0;
  return (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
}
