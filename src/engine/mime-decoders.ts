/**
 * Faster content decoders for postal-mime, installed over `MimeNode.setupContentDecoder`:
 * - base64 is decoded by Node (`Buffer.write(…, 'base64')`) once per part, instead of
 *   postal-mime's JavaScript decoder line by line (a `TextDecoder`, a regex and a split per line);
 * - quoted-printable and 7bit/8bit parts are written into one growing buffer, instead of a fresh,
 *   zeroed 100 KiB one per quoted-printable part (about a twelfth of a median email's parse) and
 *   two chunks per line;
 * - every one of them also takes a run of whole lines at once (`takesRanges`), so `parse.ts`
 *   hands it the lines between two possible boundaries without a view per line;
 * - a parser marked by `skipAttachmentBytes` does not decode the parts no scan of it reads: not
 *   text, not a nested message, not multipart. Those become attachments with no bytes, for scans
 *   whose analyzers look at none (see `analyze.ts`).
 * postal-mime does not export its decoders, so they are reached through a probe node, and the
 * replacement is installed only over code that is exactly what it was written against
 * (`SETUP_CODE`, `BASE64_CODE`, `QP_CODE`, `PASS_THROUGH_CODE`); any other version of postal-mime
 * keeps its own code and is merely slower. `parse.property.test.ts` checks that the patched
 * parser builds the same model as postal-mime's own code on random and mutated MIME.
 */
import PostalMime from 'postal-mime';
import { Buffer } from 'node:buffer';

type Line = Uint8Array;

interface ContentDecoder {
  update(line: Line): void;
  finalize(): Promise<ArrayBuffer>;
}

/** A decoder that also takes a run of whole lines, line ends included (see `takesRanges`). */
export interface RangeDecoder {
  updateRange(range: Uint8Array): void;
}

type DecoderClass = (new () => ContentDecoder) & { prototype: object };

interface MimeNodeLike {
  contentDecoder: ContentDecoder | null;
  contentType: { parsed: { value: string } };
  postalMime: object;
}

type SetupContentDecoder = (this: MimeNodeLike, transferEncoding: string) => void;

interface MimeNodePrototype {
  setupContentDecoder: SetupContentDecoder & { [ORIGINAL_SETUP]?: SetupContentDecoder };
}

/** postal-mime's own `setupContentDecoder`, kept on the replacement; `Symbol.for` because a test runner may load this module twice. */
const ORIGINAL_SETUP = Symbol.for('phishnet.postal-mime.setup-content-decoder');
/**
 * The `PostalMime` parsers whose non-text parts need no bytes. A set rather than a property on
 * the parser, which would give marked parsers another shape and slow every line of theirs; kept
 * under a `Symbol.for` key so that two loads of this module share it.
 */
const SKIP_ATTACHMENT_BYTES = Symbol.for('phishnet.postal-mime.skip-attachment-bytes');
const skippingParsers = sharedWeakSet(SKIP_ATTACHMENT_BYTES);

function sharedWeakSet(key: symbol): WeakSet<object> {
  const shared: unknown = Reflect.get(globalThis, key);
  if (shared instanceof WeakSet) return shared;
  const created = new WeakSet<object>();
  Reflect.set(globalThis, key, created);
  return created;
}

/** Code with comments and white space removed, to compare against the versions below. */
export function codeOf(fn: object): string {
  return Function.prototype.toString
    .call(fn)
    .replace(/\/\/[^\n]*|\/\*[^]*?\*\//g, '')
    .replace(/\s+/g, '');
}

/** postal-mime 4.0's `MimeNode.setupContentDecoder`, `Base64Decoder` and `QPDecoder` constructor. */
const SETUP_CODE =
  'setupContentDecoder(transferEncoding){if(/base64/i.test(transferEncoding)){this.contentDecoder=newBase64Decoder();}elseif(/quoted-printable/i.test(transferEncoding)){this.contentDecoder=newQPDecoder();}else{this.contentDecoder=newPassThroughDecoder();}}';
const BASE64_CODE =
  "classBase64Decoder{constructor(opts){opts=opts||{};this.decoder=opts.decoder||newTextDecoder();this.maxChunkSize=100*1024;this.chunks=[];this.remainder='';}pushChunk(base64Str){if(base64Str.length){this.chunks.push(decodeBase64(base64Str));}}flushRemainder(){this.pushChunk(this.remainder);this.remainder='';}update(buffer){letstr=this.decoder.decode(buffer).replace(/[^a-zA-Z0-9+/=]+/g,'');constunits=str.split(/=+/);for(leti=0;i<units.length;i++){this.remainder+=units[i];if(i<units.length-1){this.flushRemainder();}}if(this.remainder.length>=this.maxChunkSize){constalignedLength=Math.floor(this.remainder.length/4)*4;this.pushChunk(this.remainder.substring(0,alignedLength));this.remainder=this.remainder.substring(alignedLength);}}finalize(){this.flushRemainder();returnblobToArrayBuffer(newBlob(this.chunks,{type:'application/octet-stream'}));}}";
const QP_CODE =
  "classQPDecoder{constructor(){this.maxChunkSize=100*1024;this.buffer=newUint8Array(this.maxChunkSize);this.bufferPos=0;this.chunks=[];}writeByte(byte){if(this.bufferPos>=this.buffer.length){this.flushBuffer();}this.buffer[this.bufferPos++]=byte;}writeBytes(line,start,end){while(start<end){if(this.bufferPos>=this.buffer.length){this.flushBuffer();}constcount=Math.min(end-start,this.buffer.length-this.bufferPos);this.buffer.set(line.subarray(start,start+count),this.bufferPos);this.bufferPos+=count;start+=count;}}flushBuffer(){if(this.bufferPos){this.chunks.push(this.buffer.slice(0,this.bufferPos));this.bufferPos=0;}}update(line){letlen=line.length;constsoftBreak=len>0&&line[len-1]===CHR_EQUALS;if(softBreak){len--;}letliteralStart=0;for(leti=0;i<len;i++){if(line[i]!==CHR_EQUALS||i+2>=len){continue;}consthigh=hexNibble(line[i+1]);constlow=hexNibble(line[i+2]);if(high<0||low<0){continue;}this.writeBytes(line,literalStart,i);this.writeByte((high<<4)|low);i+=2;literalStart=i+1;}this.writeBytes(line,literalStart,len);if(!softBreak){this.writeByte(CHR_LF);}}finalize(){this.flushBuffer();returnblobToArrayBuffer(newBlob(this.chunks,{type:'application/octet-stream'}));}}";
const PASS_THROUGH_CODE =
  "classPassThroughDecoder{constructor(){this.chunks=[];}update(line){this.chunks.push(line);this.chunks.push('\\n');}finalize(){returnblobToArrayBuffer(newBlob(this.chunks,{type:'application/octet-stream'}));}}";

const LF = 0x0a;
const CR = 0x0d;
const EQUALS = 0x3d;
const NOT_BASE64 = /[^a-zA-Z0-9+/=]/;
const NOT_BASE64_RUNS = /[^a-zA-Z0-9+/=]+/g;
const PADDING = /=+/;

/**
 * What postal-mime's `Base64Decoder` produces, from the part's lines at once: every base64
 * character of the part in order (other bytes dropped, as its per-line `TextDecoder` and regex
 * drop them: UTF-8 decoding never turns a byte outside ASCII into an ASCII character), cut into
 * units at each run of `=`, each unit decoded on its own. Node decodes a unit of base64 letters
 * as `decodeBase64` does: three bytes per four letters, the bits of a last group too short for a
 * byte dropped.
 *
 * The lines are views into one message buffer, in order, separated only by the line ends the
 * reader cut off; so the part is read as one range of that buffer, line ends included (they are
 * not base64 letters). A line from elsewhere (never seen) is copied.
 */
class NativeBase64Decoder implements ContentDecoder {
  updateRange(range: Uint8Array): void {
    this.update(range);
  }

  private source: ArrayBufferLike | null = null;
  private start = 0;
  private end = 0;
  private copied: Uint8Array[] | null = null;

  update(line: Line): void {
    if (this.copied === null) {
      if (this.source === null) {
        this.source = line.buffer;
        this.start = line.byteOffset;
        this.end = line.byteOffset + line.byteLength;
        return;
      }
      if (line.buffer === this.source && this.onlyLineEndsBefore(line.byteOffset)) {
        this.end = line.byteOffset + line.byteLength;
        return;
      }
      this.copied = [this.range()];
    }
    this.copied.push(line.slice());
  }

  finalize(): Promise<ArrayBuffer> {
    const bytes = this.copied === null ? this.range() : Buffer.concat(this.copied);
    const text = viewOf(bytes).toString('latin1');
    return Promise.resolve(decodeBase64Units(text));
  }

  private range(): Uint8Array {
    return this.source === null
      ? new Uint8Array(0)
      : new Uint8Array(this.source, this.start, this.end - this.start);
  }

  private onlyLineEndsBefore(offset: number): boolean {
    if (offset < this.end || this.source === null) return false;
    const between = new Uint8Array(this.source, this.end, offset - this.end);
    return between.every((byte) => byte === LF || byte === CR);
  }
}

const CR_RUN_BEFORE_LF = /\r+\n/g;

/** Decoded bytes in one buffer that grows as needed; `finalize` hands on exactly the bytes written. */
abstract class GrowingOutput {
  protected out = Buffer.allocUnsafeSlow(0);
  protected length = 0;

  finalize(): Promise<ArrayBuffer> {
    const { buffer } = this.out;
    return Promise.resolve(
      this.length === buffer.byteLength ? buffer : buffer.slice(0, this.length),
    );
  }

  protected reserve(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.out.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.out.length * 2));
    this.out.copy(grown, 0, 0, this.length);
    this.out = grown;
  }
}

/**
 * What postal-mime's `PassThroughDecoder` produces (each line, its trailing CRs cut by the line
 * reader, then a LF), copied into one growing buffer: a run of whole lines is taken at once, each
 * CR run before a LF dropped, with no object per line.
 */
class PassThroughRanges extends GrowingOutput implements ContentDecoder {
  update(line: Line): void {
    this.reserve(line.byteLength + 1);
    this.out.set(line, this.length);
    this.length += line.byteLength;
    this.out[this.length++] = LF;
  }

  /**
   * Whole lines, each ending in LF. As latin1 text (one character per byte, both ways), so that
   * dropping the CRs is one native replace rather than a copy per line.
   */
  updateRange(range: Uint8Array): void {
    const text = viewOf(range).toString('latin1');
    const lines = text.includes('\r') ? text.replace(CR_RUN_BEFORE_LF, '\n') : text;
    this.reserve(lines.length);
    this.length += this.out.write(lines, this.length, 'latin1');
  }
}

/**
 * What postal-mime's `QPDecoder` produces, line by line as it does (a `=` ending a line joins it
 * to the next; `=` and two hex digits is a byte, any other `=` itself; every other line ends in
 * LF), into one growing buffer instead of a fresh, zeroed 100 KiB one per part (about a twelfth
 * of a median email's parse), and from a run of whole lines at once.
 */
class QuotedPrintableRanges extends GrowingOutput implements ContentDecoder {
  /** The next `=` at or after the current line's start in the range being read, or -1. */
  private nextEquals = -1;

  update(line: Line): void {
    this.reserve(line.byteLength + 1);
    const bytes = viewOf(line);
    this.nextEquals = bytes.indexOf(EQUALS);
    this.decodeLine(bytes, 0, bytes.length);
  }

  /** Whole lines, each ending in LF. */
  updateRange(range: Uint8Array): void {
    this.reserve(range.byteLength);
    const lines = viewOf(range);
    this.nextEquals = lines.indexOf(EQUALS);
    for (let start = 0; start < lines.length;) {
      const lf = lines.indexOf(LF, start);
      const next = lf === -1 ? lines.length : lf + 1;
      let end = lf === -1 ? lines.length : lf;
      while (end > start && lines[end - 1] === CR) end--;
      this.decodeLine(lines, start, end);
      start = next;
    }
  }

  private decodeLine(bytes: Buffer, start: number, lineEnd: number): void {
    const softBreak = lineEnd > start && bytes[lineEnd - 1] === EQUALS;
    const end = softBreak ? lineEnd - 1 : lineEnd;
    let literal = start;
    // `nextEquals` is shared by the lines of a range, so the bytes up to each `=` are searched once.
    let at = this.nextEquals;
    if (at !== -1 && at < start) at = bytes.indexOf(EQUALS, start);
    for (; at !== -1 && at + 2 < end; at = bytes.indexOf(EQUALS, at + 1)) {
      const high = hexNibble(bytes[at + 1] ?? 0);
      const low = hexNibble(bytes[at + 2] ?? 0);
      if (high < 0 || low < 0) continue;
      this.length += bytes.copy(this.out, this.length, literal, at);
      this.out[this.length++] = (high << 4) | low;
      at += 2;
      literal = at + 1;
    }
    this.nextEquals = at;
    this.length += bytes.copy(this.out, this.length, literal, end);
    if (!softBreak) this.out[this.length++] = LF;
  }
}

/** postal-mime's `hexNibble`: the value of a hex digit, or -1. */
function hexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function viewOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeBase64Units(text: string): ArrayBuffer {
  const letters = NOT_BASE64.test(text) ? text.replace(NOT_BASE64_RUNS, '') : text;
  const units = letters.includes('=') ? letters.split(PADDING) : [letters];
  let total = 0;
  for (const unit of units) total += decodedLength(unit.length);
  const out = Buffer.from(new ArrayBuffer(total));
  let at = 0;
  for (const unit of units) {
    const length = decodedLength(unit.length);
    if (length > 0) at += out.write(unit, at, length, 'base64');
  }
  return out.buffer;
}

/** Bytes in `letters` base64 letters: three per four, and one or two for a last group of two or three. */
function decodedLength(letters: number): number {
  const rest = letters % 4;
  return Math.floor(letters / 4) * 3 + (rest > 1 ? rest - 1 : 0);
}

/** The content of a part no scan of this parser reads. */
class SkippedContent implements ContentDecoder {
  update(): void {
    // Nothing is kept.
  }

  updateRange(): void {
    // Nothing is kept.
  }

  finalize(): Promise<ArrayBuffer> {
    return Promise.resolve(new ArrayBuffer(0));
  }
}

const READ_TYPES = /^(?:text|message|multipart)\//;

function fastSetup(original: SetupContentDecoder): SetupContentDecoder {
  const setup: SetupContentDecoder = function (this, transferEncoding) {
    if (skippingParsers.has(this.postalMime) && !READ_TYPES.test(this.contentType.parsed.value)) {
      this.contentDecoder = new SkippedContent();
    } else if (/base64/i.test(transferEncoding)) {
      this.contentDecoder = new NativeBase64Decoder();
    } else if (/quoted-printable/i.test(transferEncoding)) {
      this.contentDecoder = new QuotedPrintableRanges();
    } else {
      this.contentDecoder = new PassThroughRanges();
    }
  };
  return Object.assign(setup, { [ORIGINAL_SETUP]: original });
}

interface Shipped {
  prototype: MimeNodePrototype;
  original: SetupContentDecoder;
  base64: DecoderClass;
  quotedPrintable: DecoderClass;
  passThrough: DecoderClass;
}

/** postal-mime's `MimeNode` prototype and its three decoders, found through a probe node with its own `setupContentDecoder`. */
function findShipped(): Shipped | null {
  const probe = (new PostalMime() as unknown as { root?: MimeNodeLike }).root;
  if (probe === undefined) return null;
  const prototype = Object.getPrototypeOf(probe) as MimeNodePrototype;
  if (typeof prototype.setupContentDecoder !== 'function') return null;
  const original = prototype.setupContentDecoder[ORIGINAL_SETUP] ?? prototype.setupContentDecoder;
  const classFor = (encoding: string): DecoderClass | null => {
    original.call(probe, encoding);
    const decoder = probe.contentDecoder;
    return decoder === null ? null : (decoder.constructor as DecoderClass);
  };
  const base64 = classFor('base64');
  const quotedPrintable = classFor('quoted-printable');
  const passThrough = classFor('8bit');
  probe.contentDecoder = null;
  if (base64 === null || quotedPrintable === null || passThrough === null) return null;
  return { prototype, original, base64, quotedPrintable, passThrough };
}

const shipped = findShipped();

/** The prototypes of postal-mime's own decoders, for `parse.ts`'s Blob-free `finalize`. */
export function shippedDecoderPrototypes(): object[] {
  return shipped === null
    ? []
    : [shipped.base64.prototype, shipped.quotedPrintable.prototype, shipped.passThrough.prototype];
}

const fast =
  shipped !== null &&
  codeOf(shipped.original) === SETUP_CODE &&
  codeOf(shipped.base64) === BASE64_CODE &&
  codeOf(shipped.quotedPrintable) === QP_CODE &&
  codeOf(shipped.passThrough) === PASS_THROUGH_CODE
    ? fastSetup(shipped.original)
    : null;

/**
 * Switches postal-mime between these decoders and its own; returns whether these are in use.
 * On by default (see `parse.ts`); tests switch them off to compare the two.
 */
export function setFastDecoding(enabled: boolean): boolean {
  if (shipped === null) return false;
  const use = enabled && fast !== null;
  shipped.prototype.setupContentDecoder = use ? fast : shipped.original;
  return use;
}

/**
 * Whether a part's decoder takes any run of its whole lines, line ends included, as one `update`:
 * the base64 decoder (line ends are not base64) and the skipping one. `parse.ts` then feeds the
 * lines between two possible boundaries at once.
 */
export function takesRanges(decoder: object | null): decoder is RangeDecoder {
  return (
    decoder instanceof NativeBase64Decoder ||
    decoder instanceof SkippedContent ||
    decoder instanceof GrowingOutput
  );
}

/** Marks a parser whose non-text parts need no bytes; only the fast decoders honour it. */
export function skipAttachmentBytes(parser: object): void {
  skippingParsers.add(parser);
}
