import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gunzipSync, gzip } from 'node:zlib';
import type { Redis } from 'ioredis';
import { keys } from './keys.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/**
 * Below this, decompressing on the main thread takes microseconds, less than the hop to
 * libuv's thread pool and back; larger emails are decompressed off it.
 */
const SYNC_GUNZIP_MAX_BYTES = 64 * 1024;

/**
 * Raw emails, stored once by content hash and compressed, so jobs and event
 * streams carry a 64-character reference instead of megabytes.
 */
export class BlobStore {
  private readonly redis: Redis;
  private readonly keys: ReturnType<typeof keys>;
  private readonly ttlMs: number;

  constructor(redis: Redis, prefix: string, ttlMs: number) {
    this.redis = redis;
    this.keys = keys(prefix);
    this.ttlMs = ttlMs;
  }

  /** Stores the bytes (or refreshes the TTL of the copy already there) and returns their sha256. */
  async put(bytes: Uint8Array): Promise<string> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = this.keys.blob(sha256);
    // A resubmitted email is recognised: only its expiry moves.
    if ((await this.redis.pexpire(key, this.ttlMs)) === 1) return sha256;
    const compressed = await gzipAsync(bytes, { level: 6 });
    await this.redis.set(key, compressed, 'PX', this.ttlMs);
    return sha256;
  }

  async get(sha256: string): Promise<Uint8Array | null> {
    const compressed = await this.redis.getBuffer(this.keys.blob(sha256));
    if (!compressed) return null;
    const bytes =
      compressed.byteLength <= SYNC_GUNZIP_MAX_BYTES
        ? gunzipSync(compressed)
        : await gunzipAsync(compressed);
    return new Uint8Array(bytes);
  }
}
