/**
 * MS-OVBA 2.4.1 decompression: the run-length/LZ77 scheme VBA uses for the
 * `dir` stream and module source. A container is a 0x01 signature byte and
 * chunks of up to 4096 decompressed bytes; in a compressed chunk each flag
 * byte says which of the next eight tokens are literals and which are
 * back-references whose offset/length split depends on the position.
 */
import { check } from './bytes.ts';

const SIGNATURE = 0x01;
const CHUNK_BYTES = 4096;

/** Decompresses a container, producing at most `maxBytes`; throws MalformedFileError on broken input. */
export function decompressOvba(input: Uint8Array, maxBytes: number): Uint8Array {
  check(input[0] === SIGNATURE, 'bad VBA compression signature');
  const out = new Uint8Array(maxBytes);
  let length = 0;
  let at = 1;
  while (at + 2 <= input.length && length < out.length) {
    const header = (input[at] ?? 0) | ((input[at + 1] ?? 0) << 8);
    const chunkEnd = Math.min(input.length, at + (header & 0x0fff) + 3);
    check(((header >> 12) & 0x07) === 0b011, 'bad VBA chunk signature');
    at += 2;
    const isCompressed = (header & 0x8000) !== 0;
    length = isCompressed
      ? decompressChunk(input, at, chunkEnd, out, length)
      : copyRawChunk(input, at, chunkEnd, out, length);
    at = chunkEnd;
  }
  return out.slice(0, length);
}

function copyRawChunk(
  input: Uint8Array,
  at: number,
  end: number,
  out: Uint8Array,
  length: number,
): number {
  const raw = input.subarray(at, Math.min(end, at + CHUNK_BYTES, at + out.length - length));
  out.set(raw, length);
  return length + raw.length;
}

function decompressChunk(
  input: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  length: number,
): number {
  const chunkStart = length;
  const limit = Math.min(out.length, chunkStart + CHUNK_BYTES);
  let at = start;
  while (at < end) {
    const flags = input[at++] ?? 0;
    for (let bit = 0; bit < 8 && at < end; bit++) {
      if (length >= limit) return length;
      if ((flags & (1 << bit)) === 0) {
        out[length++] = input[at++] ?? 0;
        continue;
      }
      check(at + 2 <= end, 'truncated VBA copy token');
      const token = (input[at] ?? 0) | ((input[at + 1] ?? 0) << 8);
      at += 2;
      const { offset, count } = splitCopyToken(token, length - chunkStart);
      check(offset <= length - chunkStart, 'VBA copy token reaches before its chunk');
      for (let i = 0; i < count && length < limit; i++, length++) {
        out[length] = out[length - offset] ?? 0;
      }
    }
  }
  return length;
}

/** The offset gets as many bits as the position within the chunk needs (4 to 12). */
function splitCopyToken(token: number, position: number): { offset: number; count: number } {
  let bitCount = 4;
  while (1 << bitCount < position) bitCount++;
  const lengthMask = 0xffff >> bitCount;
  return { offset: (token >> (16 - bitCount)) + 1, count: (token & lengthMask) + 3 };
}
