/**
 * Raw RFC 822 bytes, or the API's JSON fields, into one `ParsedEmail`.
 *
 * Never throws. Whatever is broken or oversized becomes a `parser.*` finding
 * and the best model that can still be built: input beyond `maxBytes` is cut
 * before parsing, and a message postal-mime refuses (too deep, too many header
 * bytes) is rebuilt from its top-level header alone, with its body kept as
 * plain text so the links and words in it are still examined.
 */
import PostalMime, { decodeWords, type Address, type Email } from 'postal-mime';
import { Buffer, isUtf8 } from 'node:buffer';
import { defineFindings, listEvidence } from './findings.ts';
import {
  codeOf,
  setFastDecoding,
  shippedDecoderPrototypes,
  skipAttachmentBytes,
  takesRanges,
} from './mime-decoders.ts';
import type { Finding } from '../contracts/analysis-result.ts';
import type { EmailInput, Mailbox, ParsedAttachment, ParsedEmail, ParseLimits } from './types.ts';

const finding = defineFindings('parser', {
  truncated: {
    severity: 'low',
    score: 10,
    explanation: 'The message is larger than the size limit; only its beginning was analysed.',
  },
  mime_depth_exceeded: {
    severity: 'medium',
    score: 40,
    explanation:
      'The MIME parts are nested deeper than any mail client produces, a known way to hide content from scanners.',
  },
  header_too_large: {
    severity: 'medium',
    score: 30,
    explanation: 'The header section is larger than the limit, which ordinary mail never needs.',
  },
  attachments_capped: {
    severity: 'low',
    score: 10,
    explanation: 'The message has more attachments than the limit; only the first ones were kept.',
  },
  malformed: {
    severity: 'info',
    score: 5,
    explanation:
      'The message does not follow the MIME format; mail clients may show it differently than scanners read it.',
  },
});

/** How much of an unparseable body is kept as text for the other analyzers. */
const MAX_FALLBACK_BODY_BYTES = 256 * 1024;
/** A part count or header size error from postal-mime; it has no error codes, only messages. */
const DEPTH_ERROR = /nesting depth/i;
const HEADER_SIZE_ERROR = /header size/i;

const CRLF = Buffer.from('\r\n\r\n');
const LF = Buffer.from('\n\n');

interface RawSplit {
  header: Buffer;
  body: Buffer;
  hasSeparator: boolean;
}

/** Splits at the first empty line; a message without one is all header. */
function splitHeader(bytes: Buffer): RawSplit {
  const lf = bytes.indexOf(LF);
  const crlf = bytes.indexOf(CRLF);
  const useCrlf = crlf !== -1 && (lf === -1 || crlf < lf);
  const at = useCrlf ? crlf : lf;
  if (at === -1) return { header: bytes, body: Buffer.alloc(0), hasSeparator: false };
  const gap = useCrlf ? CRLF.length : LF.length;
  return { header: bytes.subarray(0, at), body: bytes.subarray(at + gap), hasSeparator: true };
}

const FIRST_FIELD = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
const BOUNDARY_PARAM = /^content-type:[^]*?boundary\s*=\s*(?:"([^"\r\n]+)"|([^\s;]+))/im;

/** Cheap structural checks postal-mime forgives but an analyst should hear about. */
function checkStructure(split: RawSplit): string[] {
  const problems: string[] = [];
  const headerText = split.header.toString('latin1');
  if (!FIRST_FIELD.test(headerText)) problems.push('does not start with a header field');
  if (!split.hasSeparator && split.header.length > 0)
    problems.push('no empty line ends the header');
  if (split.header.includes(0)) problems.push('NUL byte in the header');
  else if (!isUtf8(split.header)) problems.push('undeclared 8-bit bytes in the header');
  const boundary = unfoldedTopContentType(headerText)?.match(BOUNDARY_PARAM);
  const name = boundary?.[1] ?? boundary?.[2];
  if (name !== undefined && !split.body.includes(`--${name}`)) {
    problems.push(`declared boundary "${name}" never appears`);
  }
  return problems;
}

/** The first Content-Type field with its continuation lines. */
const TOP_CONTENT_TYPE = /^content-type:.*(?:\r?\n[ \t].*)*/im;

function unfoldedTopContentType(headerText: string): string | undefined {
  return TOP_CONTENT_TYPE.exec(headerText)?.[0].replace(/\r?\n[ \t]+/g, ' ');
}

/** Groups spread into their members. A loop: `flatMap` cost more than the rest of this, once per address header. */
function mailboxes(addresses: readonly (Address | undefined)[] = []): Mailbox[] {
  const boxes: Mailbox[] = [];
  for (const a of addresses) {
    if (a === undefined) continue;
    if (a.group) for (const { name, address } of a.group) boxes.push({ name, address });
    else boxes.push({ name: a.name, address: a.address });
  }
  return boxes;
}

function toAttachment(attachment: Email['attachments'][number]): ParsedAttachment {
  const { content } = attachment;
  return {
    filename: attachment.filename,
    mimeType: attachment.mimeType,
    disposition: attachment.disposition,
    content:
      typeof content === 'string'
        ? Buffer.from(content, 'base64')
        : content instanceof Uint8Array
          ? content
          : new Uint8Array(content),
  };
}

function toParsedEmail(
  email: Email,
  raw: Uint8Array,
  limits: ParseLimits,
  findings: Finding[],
): ParsedEmail {
  if (email.attachments.length > limits.maxAttachments) {
    findings.push(
      finding(
        'attachments_capped',
        `${email.attachments.length} attachments, limit ${limits.maxAttachments}`,
      ),
    );
  }
  return {
    raw,
    headers: email.headers.map(({ key, value }) => ({
      key,
      value: value.includes('=?') ? decodeWords(value) : value,
    })),
    from: mailboxes([email.from])[0] ?? null,
    sender: mailboxes([email.sender])[0] ?? null,
    replyTo: mailboxes(email.replyTo),
    returnPath: email.returnPath ?? null,
    to: mailboxes(email.to),
    subject: email.subject ?? '',
    messageId: email.messageId ?? null,
    date: email.date ?? null,
    text: email.text ?? '',
    html: email.html ?? '',
    attachments: email.attachments.slice(0, limits.maxAttachments).map(toAttachment),
    parseFindings: findings,
  };
}

/**
 * postal-mime joins the decoded lines of every MIME part through a Blob
 * (`new Blob(chunks).arrayBuffer()`). On Node 20 that round trip is most of
 * the parse: about 70% of postal-mime's time on a median email (see
 * `bench/`). Its decoders are not exported, so their prototypes are reached
 * through a probe node and their `finalize` replaced by a plain copy into one
 * fresh ArrayBuffer, which is what the Blob produced. Only a `finalize` whose
 * code is exactly "flush, then Blob of `this.chunks`" is replaced; any other
 * version of postal-mime keeps its own code and is merely slower.
 */
type DecoderChunk = ArrayBuffer | ArrayBufferView | string;
type Flush = 'flushRemainder' | 'flushBuffer';
type Finalize = (this: DecoderState) => Promise<ArrayBuffer>;

interface DecoderState {
  chunks: DecoderChunk[];
  flushRemainder?: () => void;
  flushBuffer?: () => void;
}

interface DecoderPrototype {
  finalize: Finalize;
}

interface PatchedDecoder {
  prototype: DecoderPrototype;
  original: Finalize;
  fast: Finalize;
}

/** postal-mime's own `finalize`, kept on the replacement; `Symbol.for` because a test runner may load this module twice. */
const ORIGINAL_FINALIZE = Symbol.for('phishnet.postal-mime.finalize');
const BLOB_FINALIZE =
  /^finalize\(\)\{(?:this\.(flushRemainder|flushBuffer)\(\);)?return[\w$.(),]*blobToArrayBuffer\)?\(newBlob\(this\.chunks,\{type:["']application\/octet-stream["']\}\)\);?\}$/;
const textEncoder = new TextEncoder();

/** The bytes `new Blob(chunks)` holds: views and buffers as they are, strings as UTF-8. */
function joinChunks(chunks: readonly DecoderChunk[]): ArrayBuffer {
  let total = 0;
  for (const chunk of chunks) {
    // The pass-through decoder adds a '\n' string after every line.
    if (typeof chunk !== 'string') total += chunk.byteLength;
    else total += chunk === '\n' ? 1 : Buffer.byteLength(chunk, 'utf8');
  }
  // Not Buffer.concat: a small result would be a view into the shared pool, and postal-mime hands on the whole ArrayBuffer.
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    if (chunk === '\n') {
      out[at++] = 0x0a;
    } else if (typeof chunk === 'string') {
      at += textEncoder.encodeInto(chunk, out.subarray(at)).written;
    } else if (chunk instanceof Uint8Array) {
      out.set(chunk, at);
      at += chunk.byteLength;
    } else {
      const bytes = ArrayBuffer.isView(chunk)
        ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : new Uint8Array(chunk);
      out.set(bytes, at);
      at += bytes.byteLength;
    }
  }
  return out.buffer;
}

function blobFreeFinalize(flush: Flush | undefined, original: Finalize): Finalize {
  const fast: Finalize = function (this: DecoderState) {
    if (flush !== undefined) this[flush]?.();
    return Promise.resolve(joinChunks(this.chunks));
  };
  return Object.assign(fast, { [ORIGINAL_FINALIZE]: original });
}

function originalOf(finalize: Finalize): Finalize {
  const original = (finalize as Finalize & { [ORIGINAL_FINALIZE]?: Finalize })[ORIGINAL_FINALIZE];
  return original ?? finalize;
}

/** The prototypes of postal-mime's base64, quoted-printable and pass-through decoders, if they are as expected. */
function findDecoders(): PatchedDecoder[] {
  const decoders: PatchedDecoder[] = [];
  for (const prototype of shippedDecoderPrototypes()) {
    if (!isDecoderPrototype(prototype)) return [];
    const original = originalOf(prototype.finalize);
    const match = BLOB_FINALIZE.exec(codeOf(original));
    const flush = match?.[1] as Flush | undefined;
    if (!match || (flush !== undefined && typeof Reflect.get(prototype, flush) !== 'function'))
      return [];
    decoders.push({ prototype, original, fast: blobFreeFinalize(flush, original) });
  }
  return decoders;
}

function isDecoderPrototype(value: unknown): value is DecoderPrototype {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.hasOwn(value, 'finalize') &&
    typeof (value as { finalize: unknown }).finalize === 'function'
  );
}

const decoders = findDecoders();

/**
 * Switches postal-mime between the Blob-free join and its own code; returns
 * whether the Blob-free join is in use. On by default; tests switch it off to
 * compare the two.
 */
export function setBlobFreeDecoding(enabled: boolean): boolean {
  for (const { prototype, original, fast } of decoders) {
    prototype.finalize = enabled ? fast : original;
  }
  return enabled && decoders.length > 0;
}

setBlobFreeDecoding(true);

/**
 * postal-mime's `parse` awaits `processLine` for every line of the message, and `processLine`
 * is async only for the lines that may close a part (a boundary, or the last line): any other
 * line it hands to the current part's `feed`, synchronously. Awaiting an async call per line
 * was about a tenth of a median email's parse, so the replacement below feeds those lines
 * directly and awaits `processLine` only for the others. It is installed only over a `parse`
 * whose code is exactly the one it was written against; `processLine`'s test for a boundary
 * line is repeated here (two dashes, and some boundary open), so a line it would treat as one
 * still goes through it.
 */
interface LineParser {
  started: boolean;
  buf: ArrayBuffer;
  av: Uint8Array;
  readPos: number;
  forceRfc822Attachments: boolean;
  options: { forceRfc822Attachments?: boolean };
  root: unknown;
  boundaries: readonly unknown[];
  currentNode: { feed(line: Uint8Array): void; state: string; contentDecoder: object | null };
  resolveInput(input: unknown): Promise<ArrayBuffer>;
  readLine(): { bytes: Uint8Array; done: boolean };
  processLine(line: Uint8Array, isFinal: boolean): Promise<void>;
  hasReportParts(): boolean;
  collectNode(node: unknown, a: boolean, b: boolean): Promise<void>;
  renderTextContent(): void;
  buildMessage(): Email;
  encodeAttachments(): void;
}

type Parse = (this: LineParser, input: unknown) => Promise<Email>;

/** postal-mime 4.0's `parse`, comments and white space removed. */
const LINE_AWAITING_PARSE =
  "asyncparse(buf){if(this.started){thrownewError('Cannotreuseparser,createanewPostalMimeobject');}this.started=true;this.buf=awaitthis.resolveInput(buf);this.av=newUint8Array(this.buf);this.readPos=0;while(this.readPos<this.av.length){constline=this.readLine();awaitthis.processLine(line.bytes,line.done);}this.forceRfc822Attachments=Boolean(this.options.forceRfc822Attachments)||this.hasReportParts();awaitthis.collectNode(this.root,false,false);this.renderTextContent();constmessage=this.buildMessage();this.encodeAttachments();returnmessage;}";

const DASH = 0x2d;
const LINE_FEED = 0x0a;
/** Where a line that may be a boundary starts (after the LF). */
const DASH_LINE = Buffer.from('\n--');

/**
 * postal-mime 4.0's `readLine` (lines end at LF; trailing CR and LF are cut off) and the
 * opening of its `processLine` (only lines starting with two dashes may be boundaries, and
 * only while some boundary is open): what `rangeEnd` relies on.
 */
const READ_LINE_CODE =
  'readLine(){letstartPos=this.readPos;letendPos=this.readPos;while(this.readPos<this.av.length){constc=this.av[this.readPos++];if(c!==0x0d&&c!==0x0a){endPos=this.readPos;}if(c===0x0a){return{bytes:newUint8Array(this.buf,startPos,endPos-startPos),done:this.readPos>=this.av.length};}}return{bytes:newUint8Array(this.buf,startPos,endPos-startPos),done:this.readPos>=this.av.length};}';
const PROCESS_LINE_OPENING =
  'asyncprocessLine(line,isFinal){letboundaries=this.boundaries;if(boundaries.length&&line.length>2&&line[0]===0x2d&&line[1]===0x2d){';

/** Where the last line starts: `readLine` reports it `done`, so it always goes through `processLine`. */
function lastLineStart(bytes: Uint8Array): number {
  return bytes.length < 2 ? 0 : bytes.lastIndexOf(LINE_FEED, bytes.length - 2) + 1;
}

/**
 * The end of the run of whole lines from `at` that cannot be boundaries and are not the last
 * line: a part's decoder that takes ranges gets them in one piece (`mime-decoders.ts`).
 */
function rangeEnd(message: Buffer, at: number, lastStart: number, hasBoundaries: boolean): number {
  if (!hasBoundaries) return lastStart;
  if (message[at] === DASH && message[at + 1] === DASH) return at;
  const next = message.indexOf(DASH_LINE, at);
  return next === -1 ? lastStart : Math.min(lastStart, next + 1);
}

const feedLines: Parse = async function (this: LineParser, input: unknown) {
  if (this.started) throw new Error('Can not reuse parser, create a new PostalMime object');
  this.started = true;
  this.buf = await this.resolveInput(input);
  this.av = new Uint8Array(this.buf);
  this.readPos = 0;
  const source = Buffer.from(this.buf);
  const lastStart = lastLineStart(this.av);
  while (this.readPos < this.av.length) {
    const node = this.currentNode;
    if (canFeedRanges && node.state === 'body' && takesRanges(node.contentDecoder)) {
      const end = rangeEnd(source, this.readPos, lastStart, this.boundaries.length > 0);
      if (end > this.readPos) {
        node.contentDecoder.updateRange(new Uint8Array(this.buf, this.readPos, end - this.readPos));
        this.readPos = end;
        continue;
      }
    }
    const { bytes, done } = this.readLine();
    const mayBeBoundary =
      this.boundaries.length > 0 && bytes.length > 2 && bytes[0] === DASH && bytes[1] === DASH;
    if (done || mayBeBoundary) await this.processLine(bytes, done);
    else this.currentNode.feed(bytes);
  }
  this.forceRfc822Attachments =
    Boolean(this.options.forceRfc822Attachments) || this.hasReportParts();
  await this.collectNode(this.root, false, false);
  this.renderTextContent();
  const message = this.buildMessage();
  this.encodeAttachments();
  return message;
};

/** postal-mime's own `parse`, kept on the replacement, as `ORIGINAL_FINALIZE` is. */
const ORIGINAL_PARSE = Symbol.for('phishnet.postal-mime.parse');
type MaybeReplacedParse = Parse & { [ORIGINAL_PARSE]?: Parse };

const parserPrototype = PostalMime.prototype as unknown as { parse: MaybeReplacedParse };
const shippedParse = parserPrototype.parse[ORIGINAL_PARSE] ?? parserPrototype.parse;
const lineFeedingParse: Parse = Object.assign(feedLines, { [ORIGINAL_PARSE]: shippedParse });
const canFeedLines = codeOf(shippedParse) === LINE_AWAITING_PARSE;
const linePrototype = PostalMime.prototype as unknown as Pick<
  LineParser,
  'readLine' | 'processLine'
>;
const canFeedRanges =
  codeOf(linePrototype.readLine) === READ_LINE_CODE &&
  codeOf(linePrototype.processLine).startsWith(PROCESS_LINE_OPENING);

/**
 * Switches postal-mime between feeding plain lines directly and its own line loop; returns
 * whether lines are fed directly. On by default; tests switch it off to compare the two.
 */
export function setDirectLineFeeding(enabled: boolean): boolean {
  const direct = enabled && canFeedLines;
  parserPrototype.parse = direct ? lineFeedingParse : shippedParse;
  return direct;
}

setDirectLineFeeding(true);
setFastDecoding(true);

/** Up to `maxBytes` of the header, cut at a line end. */
function clipHeader(header: Buffer, maxBytes: number): Buffer {
  if (header.length <= maxBytes) return header;
  const cut = header.lastIndexOf(0x0a, maxBytes);
  return header.subarray(0, cut > 0 ? cut : maxBytes);
}

/** The model postal-mime could not build: top-level header, body as plain text. */
async function parseHeaderOnly(
  split: RawSplit,
  raw: Uint8Array,
  limits: ParseLimits,
  findings: Finding[],
): Promise<ParsedEmail> {
  const header = clipHeader(split.header, limits.maxHeaderBytes);
  let email: Email;
  try {
    email = await PostalMime.parse(Buffer.concat([header, CRLF]), {
      maxHeadersSize: limits.maxHeaderBytes + CRLF.length,
    });
  } catch {
    email = { headers: [], headerLines: [], attachments: [] };
  }
  const parsed = toParsedEmail(email, raw, limits, findings);
  parsed.text = split.body.subarray(0, MAX_FALLBACK_BODY_BYTES).toString('utf8');
  parsed.html = '';
  return parsed;
}

function refusalFinding(error: unknown, limits: ParseLimits): Finding {
  const message = error instanceof Error ? error.message : String(error);
  if (DEPTH_ERROR.test(message))
    return finding('mime_depth_exceeded', `more than ${limits.maxMimeDepth} nested parts`);
  if (HEADER_SIZE_ERROR.test(message))
    return finding('header_too_large', `more than ${limits.maxHeaderBytes} header bytes`);
  return finding('malformed', message);
}

/** The ArrayBuffer under `bytes` when they are all of it: postal-mime then reads it without copying. */
function wholeArrayBuffer(bytes: Uint8Array): ArrayBuffer | undefined {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength
    ? buffer
    : undefined;
}

async function parseRaw(
  input: Uint8Array,
  limits: ParseLimits,
  options: ParseOptions,
): Promise<ParsedEmail> {
  const findings: Finding[] = [];
  const whole = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const bytes = whole.length > limits.maxBytes ? whole.subarray(0, limits.maxBytes) : whole;
  if (bytes !== whole)
    findings.push(finding('truncated', `${whole.length} bytes, limit ${limits.maxBytes}`));
  const split = splitHeader(bytes);
  const problems = checkStructure(split);
  if (problems.length > 0) findings.push(finding('malformed', listEvidence(problems)));
  try {
    const parser = new PostalMime({
      maxNestingDepth: limits.maxMimeDepth,
      maxHeadersSize: limits.maxHeaderBytes,
      attachmentEncoding: 'arraybuffer',
    });
    if (options.attachmentBytes === false) skipAttachmentBytes(parser);
    const email = await parser.parse(wholeArrayBuffer(bytes) ?? bytes);
    return toParsedEmail(email, bytes, limits, findings);
  } catch (error) {
    findings.push(refusalFinding(error, limits));
    return parseHeaderOnly(split, bytes, limits, findings);
  }
}

const HTML_HINT = /<(?:!doctype|html|head|body|div|p|a|table|br|span|img|font|form)\b/i;

/** Header values from the API arrive unvalidated; a line break would forge new fields. */
function headerSafe(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim();
}

/** The API's JSON fields as an RFC 822 message, so both inputs take one path. */
function messageFromFields(input: EmailInput): Buffer {
  const content = input.content ?? '';
  const type = HTML_HINT.test(content) ? 'text/html' : 'text/plain';
  const header = [
    ...(input.sender ? [`From: ${headerSafe(input.sender)}`] : []),
    `Subject: ${headerSafe(input.subject ?? '')}`,
    'MIME-Version: 1.0',
    `Content-Type: ${type}; charset=utf-8`,
    'Content-Transfer-Encoding: 8bit',
  ].join('\r\n');
  return Buffer.from(`${header}\r\n\r\n${content}`, 'utf8');
}

export interface ParseOptions {
  /**
   * `false` when no analyzer will read the attachments' bytes: parts that are not text, a nested
   * message or multipart are then not decoded, and their attachments have empty `content`. Their
   * names, types and count are as usual.
   */
  attachmentBytes?: boolean;
}

export async function parseEmail(
  input: EmailInput,
  limits: ParseLimits,
  options: ParseOptions = {},
): Promise<ParsedEmail> {
  if (input.raw !== undefined) return parseRaw(input.raw, limits, options);
  const parsed = await parseRaw(messageFromFields(input), limits, options);
  parsed.origin = 'fields';
  return parsed;
}
