/**
 * The engine's `ports.indicators`, read from the shared intel store. A worker keeps one
 * snapshot in memory and re-reads it only when the store's version has moved, asking at
 * most once every `refreshMs`, so a job costs at most one GET, not a copy of every set.
 */
import type { IndicatorSets } from '../../engine/types.ts';
import type { IntelStore } from '../../jobs/intel-store.ts';

export interface IndicatorCache {
  get(): Promise<IndicatorSets>;
}

export interface IndicatorCacheOptions {
  /** Clock in ms, for tests. */
  now?: () => number;
}

export function createIndicatorCache(
  store: IntelStore,
  refreshMs: number,
  options: IndicatorCacheOptions = {},
): IndicatorCache {
  const now = options.now ?? Date.now;
  let cached: { version: number; sets: IndicatorSets } | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  // Concurrent jobs share one refresh instead of each reading the sets.
  let refreshing: Promise<IndicatorSets> | undefined;

  async function refresh(): Promise<IndicatorSets> {
    try {
      // Version first: a load that lands during the snapshot leaves a newer version behind,
      // so the next check reads again rather than keeping a half-new copy for good.
      const version = await store.version();
      if (cached?.version !== version) cached = { version, sets: await store.snapshot() };
      return cached.sets;
    } catch (error) {
      // Stale indicators are better than failing every job while Redis blips; with nothing
      // cached yet there is nothing to fall back on.
      if (cached) return cached.sets;
      throw error;
    } finally {
      checkedAt = now();
      refreshing = undefined;
    }
  }

  return {
    get(): Promise<IndicatorSets> {
      if (cached && now() - checkedAt < refreshMs) return Promise.resolve(cached.sets);
      refreshing ??= refresh();
      return refreshing;
    },
  };
}
