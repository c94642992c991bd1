/**
 * Inflation that never produces more than it is allowed to. The compressed
 * input is fed in small chunks, so one step emits at most ~1032x a chunk, and
 * feeding stops as soon as the output passes its cap.
 */
import { Inflate, Unzlib, type FlateStreamHandler } from 'fflate';
import { ATTACHMENT_LIMITS } from './limits.ts';

export type InflateResult =
  | { status: 'ok'; bytes: Uint8Array }
  | { status: 'too_large' }
  /** `producedBytes` is the work spent before the data broke, for budgets. */
  | { status: 'corrupt'; producedBytes: number };

interface FlateStream {
  push(chunk: Uint8Array, final?: boolean): void;
}

/** `raw` for zip entries (bare DEFLATE), `zlib` for PDF streams (RFC 1950 wrapper). */
export type FlateFormat = 'raw' | 'zlib';

const STREAMS: Record<FlateFormat, (onData: FlateStreamHandler) => FlateStream> = {
  raw: (onData) => new Inflate(onData),
  zlib: (onData) => new Unzlib(onData),
};

export function inflateBounded(
  compressed: Uint8Array,
  maxBytes: number,
  format: FlateFormat,
): InflateResult {
  // Written by the stream's callback, so kept in an object the compiler does not narrow.
  const output = { chunks: [] as Uint8Array[], length: 0, isComplete: false };
  const stream = STREAMS[format]((data, final) => {
    output.length += data.length;
    if (output.length <= maxBytes) output.chunks.push(data);
    output.isComplete ||= final;
  });
  const step = ATTACHMENT_LIMITS.inflateChunkBytes;
  try {
    for (let offset = 0; offset < compressed.length && !output.isComplete; offset += step) {
      stream.push(compressed.subarray(offset, offset + step), offset + step >= compressed.length);
      if (output.length > maxBytes) return { status: 'too_large' };
    }
  } catch {
    return { status: 'corrupt', producedBytes: output.length };
  }
  if (!output.isComplete) return { status: 'corrupt', producedBytes: output.length };
  return { status: 'ok', bytes: concat(output.chunks, output.length) };
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
