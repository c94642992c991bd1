/**
 * Faster content decoders for postal-mime, installed over `MimeNode.setupContentDecoder`:
 * - base64 is decoded by Node (`Buffer.write(…, 'base64')`) once per part, instead of
 *   postal-mime's JavaScript decoder line by line (a `TextDecoder`, a regex and a split per line);
 * - quoted-printable decodes into a 16 KiB buffer instead of a fresh, zeroed 100 KiB one per part,
 *   which was about a twelfth of a median email's parse;
 * - 7bit, 8bit and binary parts are copied into one growing buffer;
 * - base64, 7bit/8bit and skipped parts also take a run of whole lines at once (`takesRanges`), so
 *   `parse.ts` hands them the lines between two possible boundaries without a view per line;
 * - a parser marked by `skipAttachmentBytes` does not decode the parts no scan of it reads: not
 *   text, not a nested message, not multipart. Those become attachments with no bytes, for scans
 *   whose analyzers look at none (see `analyze.ts`).
 * postal-mime does not export its decoders, so they are reached through a probe node, and the
 * replacement is installed only over code that is exactly what it was written against
 * (`SETUP_CODE`, `BASE64_CODE`, `QP_CONSTRUCTOR_CODE`); any other version of postal-mime keeps its
 * own code and is merely slower. `parse.property.test.ts` checks that the patched parser builds
 * the same model as postal-mime's own code on random and mutated MIME.
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
/** Set on a `PostalMime` parser whose non-text parts need no bytes. */
const SKIP_ATTACHMENT_BYTES = Symbol.for('phishnet.postal-mime.skip-attachment-bytes');

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
const QP_CONSTRUCTOR_CODE =
  'classQPDecoder{constructor(){this.maxChunkSize=100*1024;this.buffer=newUint8Array(this.maxChunkSize);this.bufferPos=0;this.chunks=[];}';

/** The quoted-printable output buffer: parts are mostly a few KiB, and a full buffer is flushed and reused. */
const QP_BUFFER_BYTES = 16 * 1024;

const LF = 0x0a;
const CR = 0x0d;
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
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
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

const CRLF = Buffer.from('\r\n');

/**
 * What postal-mime's `PassThroughDecoder` produces (each line, its trailing CRs cut by the line
 * reader, then a LF), copied into one growing buffer: a run of whole lines is taken at once, each
 * CR run before a LF dropped, with no object per line.
 */
class PassThroughRanges implements ContentDecoder {
  private out = Buffer.allocUnsafeSlow(0);
  private length = 0;

  update(line: Line): void {
    this.reserve(line.byteLength + 1);
    this.out.set(line, this.length);
    this.length += line.byteLength;
    this.out[this.length++] = LF;
  }

  /** Whole lines, each ending in LF. */
  updateRange(range: Uint8Array): void {
    this.reserve(range.byteLength);
    const lines = Buffer.from(range.buffer, range.byteOffset, range.byteLength);
    let start = 0;
    for (let crlf = lines.indexOf(CRLF); crlf !== -1; crlf = lines.indexOf(CRLF, start)) {
      let cut = crlf;
      while (cut > start && lines[cut - 1] === CR) cut--;
      this.length += lines.copy(this.out, this.length, start, cut);
      this.out[this.length++] = LF;
      start = crlf + 2;
    }
    this.length += lines.copy(this.out, this.length, start);
  }

  finalize(): Promise<ArrayBuffer> {
    const { buffer } = this.out;
    return Promise.resolve(
      this.length === buffer.byteLength ? buffer : buffer.slice(0, this.length),
    );
  }

  private reserve(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.out.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.out.length * 2, 1024));
    this.out.copy(grown, 0, 0, this.length);
    this.out = grown;
  }
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

function fastSetup(qpPrototype: object, original: SetupContentDecoder): SetupContentDecoder {
  const setup: SetupContentDecoder = function (this, transferEncoding) {
    if (
      (this.postalMime as { [SKIP_ATTACHMENT_BYTES]?: boolean })[SKIP_ATTACHMENT_BYTES] === true &&
      !READ_TYPES.test(this.contentType.parsed.value)
    ) {
      this.contentDecoder = new SkippedContent();
    } else if (/base64/i.test(transferEncoding)) {
      this.contentDecoder = new NativeBase64Decoder();
    } else if (/quoted-printable/i.test(transferEncoding)) {
      // The shipped decoder with a smaller buffer: its constructor does nothing else (QP_CONSTRUCTOR_CODE).
      this.contentDecoder = Object.assign(Object.create(qpPrototype) as ContentDecoder, {
        maxChunkSize: QP_BUFFER_BYTES,
        buffer: new Uint8Array(QP_BUFFER_BYTES),
        bufferPos: 0,
        chunks: [],
      });
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
  codeOf(shipped.quotedPrintable).startsWith(QP_CONSTRUCTOR_CODE)
    ? fastSetup(shipped.quotedPrintable.prototype, shipped.original)
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
    decoder instanceof PassThroughRanges
  );
}

/** Marks a parser whose non-text parts need no bytes; only the fast decoders honour it. */
export function skipAttachmentBytes(parser: object): void {
  Object.defineProperty(parser, SKIP_ATTACHMENT_BYTES, { value: true });
}
