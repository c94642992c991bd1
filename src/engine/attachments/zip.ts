/**
 * A zip reader that trusts nothing: it reads the central directory (names,
 * flags, declared sizes) without inflating anything, so the walker can judge
 * an entry before spending memory on it.
 */
import { Buffer } from 'node:buffer';
import { check, dataView, malformedReason } from './bytes.ts';
import { type InflateResult, inflateBounded } from './inflate.ts';

export interface ZipEntry {
  name: string;
  isDirectory: boolean;
  isEncrypted: boolean;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipDirectory {
  /** What the archive claims to hold; `entries` stops at the caller's limit. */
  declaredCount: number;
  entries: ZipEntry[];
}

export type ZipReadResult = { ok: true; directory: ZipDirectory } | { ok: false; reason: string };

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_HEADER_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;

export const ZIP_METHOD_STORED = 0;
export const ZIP_METHOD_DEFLATED = 8;

export function readZipDirectory(bytes: Uint8Array, maxEntries: number): ZipReadResult {
  try {
    const view = dataView(bytes);
    const eocd = findEndOfCentralDirectory(view);
    const { count, offset } = centralDirectoryBounds(view, eocd);
    const entries: ZipEntry[] = [];
    let cursor = offset;
    for (let i = 0; i < Math.min(count, maxEntries); i++) {
      const { entry, next } = readCentralHeader(view, bytes, cursor);
      entries.push(entry);
      cursor = next;
    }
    return { ok: true, directory: { declaredCount: count, entries } };
  } catch (error) {
    return { ok: false, reason: malformedReason(error) };
  }
}

function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - EOCD_BYTES;
  const first = Math.max(0, last - MAX_COMMENT_BYTES);
  for (let at = last; at >= first; at--) {
    if (view.getUint32(at, true) === SIG_EOCD) return at;
  }
  throw new RangeError('no end of central directory');
}

function centralDirectoryBounds(view: DataView, eocd: number): { count: number; offset: number } {
  const count = view.getUint16(eocd + 10, true);
  const offset = view.getUint32(eocd + 16, true);
  if (count !== U16_MAX && offset !== U32_MAX) return { count, offset };
  const locator = eocd - 20;
  check(view.getUint32(locator, true) === SIG_ZIP64_LOCATOR, 'zip64 locator missing');
  const zip64 = safeNumber(view.getBigUint64(locator + 8, true));
  check(view.getUint32(zip64, true) === SIG_ZIP64_EOCD, 'zip64 end of directory missing');
  return {
    count: safeNumber(view.getBigUint64(zip64 + 32, true)),
    offset: safeNumber(view.getBigUint64(zip64 + 48, true)),
  };
}

function readCentralHeader(
  view: DataView,
  bytes: Uint8Array,
  at: number,
): { entry: ZipEntry; next: number } {
  check(view.getUint32(at, true) === SIG_CENTRAL, 'bad central directory header');
  const flags = view.getUint16(at + 8, true);
  const nameLength = view.getUint16(at + 28, true);
  const extraLength = view.getUint16(at + 30, true);
  const commentLength = view.getUint16(at + 32, true);
  const nameStart = at + CENTRAL_HEADER_BYTES;
  check(nameStart + nameLength + extraLength <= bytes.length, 'central header past end of file');
  const rawName = bytes.subarray(nameStart, nameStart + nameLength);
  const name = Buffer.from(rawName).toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
  const sizes = applyZip64Extra(
    view,
    nameStart + nameLength,
    extraLength,
    view.getUint32(at + 24, true),
    view.getUint32(at + 20, true),
    view.getUint32(at + 42, true),
  );
  return {
    entry: {
      name,
      isDirectory: name.endsWith('/'),
      isEncrypted: (flags & FLAG_ENCRYPTED) !== 0,
      method: view.getUint16(at + 10, true),
      ...sizes,
    },
    next: nameStart + nameLength + extraLength + commentLength,
  };
}

/** Zip64 moves any 32-bit field that overflowed into extra field 0x0001, in this order. */
function applyZip64Extra(
  view: DataView,
  start: number,
  length: number,
  uncompressedSize: number,
  compressedSize: number,
  localHeaderOffset: number,
): Pick<ZipEntry, 'uncompressedSize' | 'compressedSize' | 'localHeaderOffset'> {
  const sizes = { uncompressedSize, compressedSize, localHeaderOffset };
  const overflowed = (['uncompressedSize', 'compressedSize', 'localHeaderOffset'] as const).filter(
    (field) => sizes[field] === U32_MAX,
  );
  if (overflowed.length === 0) return sizes;
  for (let at = start; at + 4 <= start + length;) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === ZIP64_EXTRA_ID) {
      overflowed.forEach((field, i) => {
        if (8 * (i + 1) <= size) sizes[field] = safeNumber(view.getBigUint64(at + 4 + 8 * i, true));
      });
      break;
    }
    at += 4 + size;
  }
  return sizes;
}

function safeNumber(value: bigint): number {
  // Anything past 2^53 is absurd for a mail attachment; saturate and let size limits judge it.
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

/** The entry's compressed bytes, located through its local header; `null` when they are not there. */
export function entryData(bytes: Uint8Array, entry: ZipEntry): Uint8Array | null {
  const at = entry.localHeaderOffset;
  if (at + LOCAL_HEADER_BYTES > bytes.length) return null;
  const view = dataView(bytes);
  if (view.getUint32(at, true) !== SIG_LOCAL) return null;
  const start =
    at + LOCAL_HEADER_BYTES + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  return end <= bytes.length ? bytes.subarray(start, end) : null;
}

/** Expands an entry, refusing to produce more than `maxBytes`. */
export function expandEntry(data: Uint8Array, entry: ZipEntry, maxBytes: number): InflateResult {
  if (entry.method === ZIP_METHOD_STORED) {
    return data.length <= maxBytes ? { status: 'ok', bytes: data } : { status: 'too_large' };
  }
  return inflateBounded(data, maxBytes, 'raw');
}
