/**
 * A bounded reader for OLE compound files (MS-CFB), the container of legacy
 * Office documents and of vbaProject.bin. Written here rather than taken from
 * the cfb package because hostile files loop sector chains and directory trees,
 * and every walk below visits each sector and entry at most once.
 */
import { Buffer } from 'node:buffer';
import { check, dataView, hasBytesAt, malformedReason } from './bytes.ts';
import { ATTACHMENT_LIMITS } from './limits.ts';

export const COMPOUND_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] as const;

export interface CompoundFile {
  /** Stream paths below the root entry, `/`-separated, case as stored. */
  streams: readonly string[];
  /** A stream's bytes, or `null` if there is no such stream; throws MalformedFileError on broken chains. */
  read(path: string): Uint8Array | null;
}

export type CompoundReadResult = { ok: true; file: CompoundFile } | { ok: false; reason: string };

const END_OF_CHAIN = 0xfffffffe;
const MAX_REGULAR_SECTOR = 0xfffffffa;
const NO_STREAM = 0xffffffff;
const HEADER_DIFAT_ENTRIES = 109;
const HEADER_DIFAT_OFFSET = 76;
const DIR_ENTRY_BYTES = 128;
const MINI_SECTOR_BYTES = 64;
const MINI_STREAM_CUTOFF = 4096;
const TYPE_STORAGE = 1;
const TYPE_STREAM = 2;

interface DirEntry {
  name: string;
  type: number;
  left: number;
  right: number;
  child: number;
  start: number;
  size: number;
}

export function readCompoundFile(bytes: Uint8Array): CompoundReadResult {
  try {
    return { ok: true, file: openCompoundFile(bytes) };
  } catch (error) {
    return { ok: false, reason: malformedReason(error) };
  }
}

function openCompoundFile(bytes: Uint8Array): CompoundFile {
  check(hasBytesAt(bytes, 0, COMPOUND_SIGNATURE), 'not a compound file');
  const view = dataView(bytes);
  const sectorShift = view.getUint16(30, true);
  check(sectorShift === 9 || sectorShift === 12, 'bad sector size');
  check(view.getUint16(32, true) === 6, 'bad mini sector size');
  check(view.getUint32(56, true) === MINI_STREAM_CUTOFF, 'bad mini stream cutoff');
  const sectorBytes = 1 << sectorShift;
  const sectorCount = Math.ceil((bytes.length - sectorBytes) / sectorBytes);
  check(sectorCount > 0, 'no sectors');

  const sector = (n: number): Uint8Array => {
    check(n < sectorCount, 'sector out of range');
    const start = (n + 1) * sectorBytes;
    return bytes.subarray(start, start + sectorBytes);
  };
  const fatSectors = readFatSectorList(view, sector, sectorBytes, sectorCount);
  const entriesPerSector = sectorBytes / 4;
  const nextSector = (n: number): number => {
    const fatSector = fatSectors[Math.floor(n / entriesPerSector)];
    check(fatSector !== undefined, 'sector missing from the FAT');
    return dataView(sector(fatSector)).getUint32((n % entriesPerSector) * 4, true);
  };

  let budget = ATTACHMENT_LIMITS.maxCompoundStreamBytes;
  const readChain = (
    start: number,
    size: number,
    unitBytes: number,
    unit: (n: number) => Uint8Array,
    next: (n: number) => number,
  ): Uint8Array => {
    check(size <= budget, 'streams larger than the inspection budget');
    budget -= size;
    const out = new Uint8Array(size);
    const seen = new Set<number>();
    let filled = 0;
    for (let n = start; filled < size; n = next(n)) {
      check(n <= MAX_REGULAR_SECTOR && !seen.has(n), 'broken or looping sector chain');
      seen.add(n);
      const chunk = unit(n).subarray(0, Math.min(unitBytes, size - filled));
      out.set(chunk, filled);
      filled += unitBytes;
    }
    return out;
  };

  const maxDirBytes = ATTACHMENT_LIMITS.maxCompoundEntries * DIR_ENTRY_BYTES;
  const directoryBytes = readChainToEnd(view.getUint32(48, true), sector, nextSector, maxDirBytes);
  const entries = parseDirectory(directoryBytes);
  const root = entries[0];
  check(root !== undefined, 'empty directory');

  const ministream =
    root.start === END_OF_CHAIN
      ? new Uint8Array(0)
      : readChain(root.start, root.size, sectorBytes, sector, nextSector);
  const miniFatBytes = readChainToEnd(
    view.getUint32(60, true),
    sector,
    nextSector,
    Math.ceil(ministream.length / MINI_SECTOR_BYTES) * 4,
  );
  const miniFat = dataView(miniFatBytes);
  const miniSector = (n: number): Uint8Array =>
    ministream.subarray(n * MINI_SECTOR_BYTES, (n + 1) * MINI_SECTOR_BYTES);
  const nextMiniSector = (n: number): number => {
    check((n + 1) * 4 <= miniFat.byteLength, 'mini sector missing from the mini FAT');
    return miniFat.getUint32(n * 4, true);
  };

  const paths = streamPaths(entries);
  return {
    streams: [...paths.keys()],
    read: (path) => {
      const entry = paths.get(path);
      if (entry === undefined) return null;
      return entry.size < MINI_STREAM_CUTOFF
        ? readChain(entry.start, entry.size, MINI_SECTOR_BYTES, miniSector, nextMiniSector)
        : readChain(entry.start, entry.size, sectorBytes, sector, nextSector);
    },
  };
}

/** FAT sector numbers: 109 in the header, the rest along the DIFAT chain. */
function readFatSectorList(
  view: DataView,
  sector: (n: number) => Uint8Array,
  sectorBytes: number,
  sectorCount: number,
): number[] {
  const fatSectors: number[] = [];
  const take = (value: number): void => {
    if (value <= MAX_REGULAR_SECTOR && fatSectors.length < sectorCount) fatSectors.push(value);
  };
  for (let i = 0; i < HEADER_DIFAT_ENTRIES; i++) {
    take(view.getUint32(HEADER_DIFAT_OFFSET + 4 * i, true));
  }
  const seen = new Set<number>();
  for (let n = view.getUint32(68, true); n <= MAX_REGULAR_SECTOR;) {
    check(!seen.has(n), 'looping DIFAT chain');
    seen.add(n);
    const difat = dataView(sector(n));
    const last = sectorBytes / 4 - 1;
    for (let i = 0; i < last; i++) take(difat.getUint32(4 * i, true));
    n = difat.getUint32(4 * last, true);
  }
  return fatSectors;
}

/** A chain whose length is not recorded (directory, mini FAT), cut at `maxBytes`. */
function readChainToEnd(
  start: number,
  sector: (n: number) => Uint8Array,
  next: (n: number) => number,
  maxBytes: number,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  const seen = new Set<number>();
  let length = 0;
  for (let n = start; n !== END_OF_CHAIN && length < maxBytes; n = next(n)) {
    check(n <= MAX_REGULAR_SECTOR && !seen.has(n), 'broken or looping sector chain');
    seen.add(n);
    const chunk = sector(n);
    chunks.push(chunk);
    length += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, maxBytes);
}

function parseDirectory(bytes: Uint8Array): DirEntry[] {
  const view = dataView(bytes);
  const entries: DirEntry[] = [];
  for (let at = 0; at + DIR_ENTRY_BYTES <= bytes.length; at += DIR_ENTRY_BYTES) {
    const nameBytes = Math.min(64, view.getUint16(at + 64, true));
    entries.push({
      name: Buffer.from(bytes.subarray(at, at + Math.max(0, nameBytes - 2))).toString('utf16le'),
      type: view.getUint8(at + 66),
      left: view.getUint32(at + 68, true),
      right: view.getUint32(at + 72, true),
      child: view.getUint32(at + 76, true),
      start: view.getUint32(at + 116, true),
      // Version 4 files have a 64-bit size; a high word would mean a stream beyond any budget.
      size: view.getUint32(at + 124, true) === 0 ? view.getUint32(at + 120, true) : Infinity,
    });
  }
  return entries;
}

/**
 * Walks the red-black trees of the directory from the root. Each entry is
 * visited once, so crafted cycles end the walk instead of looping it.
 */
function streamPaths(entries: readonly DirEntry[]): Map<string, DirEntry> {
  const paths = new Map<string, DirEntry>();
  const visited = new Set<number>();
  const pending: { index: number; prefix: string }[] = [
    { index: entries[0]?.child ?? NO_STREAM, prefix: '' },
  ];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { index, prefix } = item;
    const entry = entries[index];
    if (entry === undefined || visited.has(index)) continue;
    visited.add(index);
    pending.push({ index: entry.left, prefix }, { index: entry.right, prefix });
    const path = prefix + entry.name;
    if (entry.type === TYPE_STREAM) paths.set(path, entry);
    if (entry.type === TYPE_STORAGE) pending.push({ index: entry.child, prefix: `${path}/` });
  }
  return paths;
}
