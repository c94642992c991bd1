/**
 * A bounded look at an email's structure, cheap enough to run on every
 * submission before anything is stored: header fields per header block, header
 * bytes per block, MIME nesting depth and attachment count. It is not a parser:
 * it reads each line once, looks only at header blocks and boundary lines, and
 * stops at the first limit crossed. The engine's parser (postal-mime) applies
 * the same depth and header-size limits, so mail that passes here parses there.
 */
import { Buffer } from 'node:buffer';

export interface MimeLimits {
  /** Header fields in one header block (the message's, or a part's). */
  readonly maxHeaderFields: number;
  /** Bytes of one header block. */
  readonly maxHeaderBytes: number;
  /** Parts nested inside parts: the message is depth 0, its parts depth 1, and so on. */
  readonly maxMimeDepth: number;
  readonly maxAttachments: number;
}

const KIB = 1024;

/** The defaults, shared by the API's check and the engine's parser (src/engine/defaults.ts). */
export const DEFAULT_MIME_LIMITS: MimeLimits = Object.freeze({
  maxHeaderFields: 1_000,
  maxHeaderBytes: 256 * KIB,
  maxMimeDepth: 50,
  maxAttachments: 100,
});

export type MimeLimitName = 'header_fields' | 'header_bytes' | 'mime_depth' | 'attachments';

/** The first limit an email crosses; `found` is how far it got when the scan stopped. */
export interface MimeLimitBreach {
  limit: MimeLimitName;
  max: number;
  found: number;
  /** `message` for the top-level header, else the part's depth, e.g. `part at depth 3`. */
  where: string;
}

interface HeaderBlock {
  /** Offset just past the empty line that ends the block (or the end of input). */
  end: number;
  contentType: string | undefined;
  contentDisposition: string | undefined;
}

const NL = 0x0a;
const DASH = 0x2d;
/** Boundary lines longer than this are not compared (RFC 2046 allows 70 characters). */
const MAX_DELIMITER_LINE = 1_000;

class Breach extends Error {
  readonly breach: MimeLimitBreach;
  constructor(breach: MimeLimitBreach) {
    super(breach.limit);
    this.breach = breach;
  }
}

function lineEnd(buf: Buffer, from: number): number {
  const at = buf.indexOf(NL, from);
  return at === -1 ? buf.length : at;
}

/** The line from `start` to `end`, without its CR, as latin1 text (bytes kept one to one). */
function lineText(buf: Buffer, start: number, end: number): string {
  const stop = end > start && buf[end - 1] === 0x0d ? end - 1 : end;
  return buf.toString('latin1', start, stop);
}

function readHeaderBlock(
  buf: Buffer,
  start: number,
  limits: MimeLimits,
  where: string,
): HeaderBlock {
  let fields = 0;
  let pos = start;
  let current: 'content-type' | 'content-disposition' | null = null;
  let contentType: string | undefined;
  let contentDisposition: string | undefined;
  while (pos < buf.length) {
    const end = lineEnd(buf, pos);
    const next = Math.min(end + 1, buf.length);
    if (next - start > limits.maxHeaderBytes) {
      throw new Breach({
        limit: 'header_bytes',
        max: limits.maxHeaderBytes,
        found: next - start,
        where,
      });
    }
    const empty = end === pos || (end === pos + 1 && buf[pos] === 0x0d);
    if (empty) return { end: next, contentType, contentDisposition };
    const first = buf[pos];
    if (first === 0x20 || first === 0x09) {
      // A folded continuation of the field before.
      const more = (): string => ` ${lineText(buf, pos, end).trim()}`;
      if (current === 'content-type') contentType = `${contentType ?? ''}${more()}`;
      else if (current === 'content-disposition')
        contentDisposition = `${contentDisposition ?? ''}${more()}`;
    } else {
      fields++;
      if (fields > limits.maxHeaderFields) {
        throw new Breach({
          limit: 'header_fields',
          max: limits.maxHeaderFields,
          found: fields,
          where,
        });
      }
      current = null;
      // Only two fields matter here; their names are short, so peek before decoding.
      if (first === 0x43 || first === 0x63) {
        const text = lineText(buf, pos, Math.min(end, pos + 4_096));
        const colon = text.indexOf(':');
        const name = colon === -1 ? '' : text.slice(0, colon).trim().toLowerCase();
        if (name === 'content-type' || name === 'content-disposition') {
          current = name;
          const value = text.slice(colon + 1).trim();
          if (name === 'content-type') contentType = value;
          else contentDisposition = value;
        }
      }
    }
    pos = next;
  }
  return { end: buf.length, contentType, contentDisposition };
}

const MEDIA_TYPE = /^\s*([^\s;/]+)\s*\/\s*([^\s;]+)/;
const BOUNDARY = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))/i;
const FILENAME = /;\s*(?:file)?name\*?\s*=/i;

interface Entity {
  kind: 'multipart' | 'message' | 'leaf';
  boundary?: string;
  isAttachment: boolean;
}

function describeEntity(block: HeaderBlock): Entity {
  const contentType = block.contentType ?? '';
  const media = MEDIA_TYPE.exec(contentType);
  const type = media?.[1]?.toLowerCase() ?? 'text';
  const subtype = media?.[2]?.toLowerCase() ?? 'plain';
  if (type === 'multipart') {
    const match = BOUNDARY.exec(contentType);
    const boundary = match?.[1] ?? match?.[2];
    if (boundary) return { kind: 'multipart', boundary, isAttachment: false };
  }
  if (type === 'message' && (subtype === 'rfc822' || subtype === 'global')) {
    return { kind: 'message', isAttachment: false };
  }
  const disposition = block.contentDisposition?.trim().toLowerCase() ?? '';
  const isAttachment =
    disposition.startsWith('attachment') ||
    FILENAME.test(contentType) ||
    FILENAME.test(block.contentDisposition ?? '') ||
    (type !== 'text' && type !== 'multipart');
  return { kind: 'leaf', isAttachment };
}

/**
 * Returns the first limit `email` crosses, or null. Linear in the email's size,
 * and it stops early: ten thousand nested parts cost fifty-one header blocks.
 */
export function scanMimeLimits(email: Uint8Array, limits: MimeLimits): MimeLimitBreach | null {
  const buf = Buffer.from(email.buffer, email.byteOffset, email.byteLength);
  /** Open multiparts, outermost first: their boundary and the depth of their parts. */
  const open: { boundary: string; childDepth: number }[] = [];
  let attachments = 0;

  const whereAt = (depth: number): string => (depth === 0 ? 'message' : `part at depth ${depth}`);

  /** Reads an entity's header at `pos` (and an embedded message's, recursively); returns where its body starts. */
  const enter = (pos: number, depth: number): number => {
    if (depth > limits.maxMimeDepth) {
      throw new Breach({
        limit: 'mime_depth',
        max: limits.maxMimeDepth,
        found: depth,
        where: whereAt(depth),
      });
    }
    const block = readHeaderBlock(buf, pos, limits, whereAt(depth));
    const entity = describeEntity(block);
    if (entity.kind === 'multipart' && entity.boundary !== undefined) {
      open.push({ boundary: entity.boundary, childDepth: depth + 1 });
    } else if (entity.kind === 'message') {
      // An attached message starts with a header block of its own, one level down.
      return enter(block.end, depth + 1);
    } else if (entity.isAttachment && depth > 0) {
      attachments++;
      if (attachments > limits.maxAttachments) {
        throw new Breach({
          limit: 'attachments',
          max: limits.maxAttachments,
          found: attachments,
          where: whereAt(depth),
        });
      }
    }
    return block.end;
  };

  try {
    let pos = enter(0, 0);
    while (pos < buf.length && open.length > 0) {
      const end = lineEnd(buf, pos);
      const next = Math.min(end + 1, buf.length);
      if (buf[pos] === DASH && buf[pos + 1] === DASH && end - pos <= MAX_DELIMITER_LINE) {
        const candidate = lineText(buf, pos + 2, end).trimEnd();
        const opening = findOpen(open, candidate);
        if (opening !== -1) {
          // A delimiter of an outer multipart ends any inner one left unterminated.
          const childDepth = open[opening]?.childDepth ?? 0;
          open.length = opening + 1;
          pos = enter(next, childDepth);
          continue;
        }
        if (candidate.endsWith('--')) {
          const closing = findOpen(open, candidate.slice(0, -2));
          if (closing !== -1) open.length = closing;
        }
      }
      pos = next;
    }
    return null;
  } catch (error) {
    if (error instanceof Breach) return error.breach;
    throw error;
  }
}

/** The innermost open multipart with this boundary, or -1. */
function findOpen(open: readonly { boundary: string }[], boundary: string): number {
  return open.findLastIndex((entry) => entry.boundary === boundary);
}
