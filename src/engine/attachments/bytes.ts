/** Small byte helpers shared by the format readers. */
import { Buffer } from 'node:buffer';

/** One byte per char, so offsets in the string are offsets in the file. */
export function latin1(bytes: Uint8Array, maxBytes = bytes.length): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, maxBytes)).toString(
    'latin1',
  );
}

export function hasBytesAt(
  bytes: Uint8Array,
  offset: number,
  expected: readonly number[],
): boolean {
  if (offset < 0 || offset + expected.length > bytes.length) return false;
  return expected.every((byte, i) => bytes[offset + i] === byte);
}

export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Thrown inside a format reader and turned into a result at its boundary. */
export class MalformedFileError extends Error {
  override readonly name = 'MalformedFileError';
}

export function check(condition: boolean, reason: string): asserts condition {
  if (!condition) throw new MalformedFileError(reason);
}

/** The reader's own reason, or the generic one for an out-of-bounds read. */
export function malformedReason(error: unknown): string {
  if (error instanceof MalformedFileError) return error.message;
  if (error instanceof RangeError) return 'truncated structure';
  throw error;
}
