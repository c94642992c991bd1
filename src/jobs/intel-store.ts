/**
 * Threat-feed indicators in Redis, shared by every worker (see docs/redis-keys.md):
 *
 *   {prefix}:intel:{kind}        SET of normalised values, kind = domains | urls | ips | hashes
 *   {prefix}:intel:meta:{kind}   HASH value → JSON { source, first_seen } of its first sighting
 *   {prefix}:intel:version       STRING counter, bumped by every load that adds to the sets
 *
 * The values must already be in the engine's normal form (`parseFeed` does that); this
 * layer may not import the engine, so the shapes below mirror `ParsedIndicator` and
 * `IndicatorSets` structurally.
 */
import type { Redis } from 'ioredis';

export type IntelIndicatorType = 'url' | 'domain' | 'ip' | 'hash';

/** Structurally the engine's `ParsedIndicator`. */
export interface IntelIndicator {
  type: IntelIndicatorType;
  value: string;
}

export const INTEL_KINDS = ['domains', 'urls', 'ips', 'hashes'] as const;
export type IntelKind = (typeof INTEL_KINDS)[number];

/** Structurally the engine's `IndicatorSets`, so a worker can pass it to `ports.indicators`. */
export type IntelSets = Record<IntelKind, Set<string>>;
export type IntelCounts = Record<IntelKind, number>;

export interface IntelProvenance {
  source: string;
  /** ISO 8601 time of the first load that brought the value. */
  first_seen: string;
}

export interface IntelLoadResult {
  /** Values that were not in the store before this load. */
  added: number;
  /** Values in the store after it, all kinds together. */
  total: number;
}

const KIND_OF: Record<IntelIndicatorType, IntelKind> = {
  domain: 'domains',
  url: 'urls',
  ip: 'ips',
  hash: 'hashes',
};

/** Indicators written per pipeline round trip: big enough to be fast, small enough not to stall Redis. */
const LOAD_CHUNK = 1_000;
/** SSCAN page size for snapshots, so a million-member set never blocks Redis in one SMEMBERS. */
const SCAN_COUNT = 2_000;

export function intelKeys(prefix: string) {
  return {
    set: (kind: IntelKind) => `${prefix}:intel:${kind}`,
    meta: (kind: IntelKind) => `${prefix}:intel:meta:${kind}`,
    version: () => `${prefix}:intel:version`,
  };
}

export class IntelStore {
  private readonly redis: Redis;
  private readonly keys: ReturnType<typeof intelKeys>;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.keys = intelKeys(prefix);
  }

  /**
   * Adds the indicators under `source`, in pipelined chunks. A value already present keeps
   * the provenance of its first sighting (HSETNX), so `first_seen` never moves.
   * `version()` is bumped only when the sets grew: a refresh that brings nothing new does not
   * make every worker re-read the snapshot.
   */
  async load(
    indicators: Iterable<IntelIndicator>,
    source: string,
    now: Date = new Date(),
  ): Promise<IntelLoadResult> {
    const provenance = JSON.stringify({
      source,
      first_seen: now.toISOString(),
    } satisfies IntelProvenance);
    const unique = dedupe(indicators);
    let added = 0;
    for (let start = 0; start < unique.length; start += LOAD_CHUNK) {
      const chunk = unique.slice(start, start + LOAD_CHUNK);
      const byKind = groupByKind(chunk);
      const pipeline = this.redis.pipeline();
      for (const [kind, values] of byKind) pipeline.sadd(this.keys.set(kind), ...values);
      for (const { type, value } of chunk) {
        pipeline.hsetnx(this.keys.meta(KIND_OF[type]), value, provenance);
      }
      const replies = await execOrThrow(pipeline);
      for (let i = 0; i < byKind.size; i++) added += Number(replies[i]);
    }
    if (added > 0) await this.redis.incr(this.keys.version());
    const counts = await this.counts();
    return { added, total: sumCounts(counts) };
  }

  async counts(): Promise<IntelCounts> {
    const pipeline = this.redis.pipeline();
    for (const kind of INTEL_KINDS) pipeline.scard(this.keys.set(kind));
    const replies = await execOrThrow(pipeline);
    return Object.fromEntries(
      INTEL_KINDS.map((kind, i) => [kind, Number(replies[i])]),
    ) as IntelCounts;
  }

  /** Every indicator, read with SSCAN. Read `version()` first, then this, to cache safely. */
  async snapshot(): Promise<IntelSets> {
    const sets = {} as IntelSets;
    for (const kind of INTEL_KINDS) sets[kind] = await this.scanSet(this.keys.set(kind));
    return sets;
  }

  /** Bumped by each load that changed the sets; 0 before the first. */
  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.version())) ?? 0);
  }

  /** Where and when a value was first loaded, or `null` if it is not in the store. */
  async provenance(type: IntelIndicatorType, value: string): Promise<IntelProvenance | null> {
    const raw = await this.redis.hget(this.keys.meta(KIND_OF[type]), value);
    return raw === null ? null : (JSON.parse(raw) as IntelProvenance);
  }

  private async scanSet(key: string): Promise<Set<string>> {
    const members = new Set<string>();
    let cursor = '0';
    do {
      const [next, page] = await this.redis.sscan(key, cursor, 'COUNT', SCAN_COUNT);
      for (const member of page) members.add(member);
      cursor = next;
    } while (cursor !== '0');
    return members;
  }
}

function dedupe(indicators: Iterable<IntelIndicator>): IntelIndicator[] {
  const seen = new Map<string, IntelIndicator>();
  for (const indicator of indicators)
    seen.set(`${indicator.type}\u0000${indicator.value}`, indicator);
  return [...seen.values()];
}

function groupByKind(chunk: readonly IntelIndicator[]): Map<IntelKind, string[]> {
  const groups = new Map<IntelKind, string[]>();
  for (const { type, value } of chunk) {
    const kind = KIND_OF[type];
    const values = groups.get(kind);
    if (values) values.push(value);
    else groups.set(kind, [value]);
  }
  return groups;
}

function sumCounts(counts: IntelCounts): number {
  return INTEL_KINDS.reduce((sum, kind) => sum + counts[kind], 0);
}

/** Runs a pipeline and throws the first command error, which ioredis otherwise returns in place. */
async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
